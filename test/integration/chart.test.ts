import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../support/runCli';
import { history, lint, rollback, status, template, uninstall, upgradeInstall } from '../../src/tools/helm';
import { bumpChartFiles, createWorkerChart } from '../../src/tools/workerChart';
import { childEnv, control, rigEnv, tmp } from '../rig/tests/rig';

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p, base) : [relative(base, p)];
  }).sort();
}

const cli = (args: string[]) => runCli(args);

for (const [label, key, major] of [
  ['Helm 3.18', 'RIG_HELM3', 3],
  ['Helm 4.1.4', 'RIG_HELM4', 4],
] as const) {
  describe(`worker chart and release with ${label}`, function () {
    this.timeout(240_000);
    let helm: string;
    let env: NodeJS.ProcessEnv;
    let chartsDir: string;
    let chart: string;
    const ns = `workers-h${major}`;
    const release = `sample-h${major}-${process.pid}`; // unique, so a rig kept from an earlier run does not matter
    const o = () => ({ paths: { helm }, env });

    before(async () => {
      helm = rigEnv()[key] as string;
      env = childEnv();
      await control('POST', 'config', { timeScale: 0.05 });
      chartsDir = join(tmp(`charts-h${major}`), 'charts');
    });
    after(() => rmSync(join(chartsDir, '..'), { recursive: true, force: true }));

    it('Create Worker Chart: helm create, stripped to a Deployment; lint and template are clean', async () => {
      chart = await createWorkerChart({ name: 'sample-worker', chartsDir, repository: `${rigEnv().RIG_REGISTRY}/sampleworker`, tag: '0.0.1', healthPort: 8080, healthPath: '/healthz' }, o());
      assert.deepEqual(files(chart), ['.helmignore', 'Chart.yaml', 'templates/NOTES.txt', 'templates/_helpers.tpl', 'templates/deployment.yaml', 'values.yaml']);
      assert.match(await lint(chart, o()), /1 chart\(s\) linted, 0 chart\(s\) failed/);
      const docs = parseAllDocuments(await template('rel', chart, o())).map((d) => d.toJS() as { kind: string; spec: any }); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.deepEqual(docs.map((d) => d.kind), ['Deployment']);
      const c = docs[0].spec.template.spec.containers[0];
      assert.equal(c.image, `${rigEnv().RIG_REGISTRY}/sampleworker:0.0.1`);
      assert.deepEqual(c.ports, [{ name: 'health', containerPort: 8080, protocol: 'TCP' }]);
      assert.deepEqual(c.livenessProbe, { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
      assert.equal(c.readinessProbe, undefined);
      assert.equal(docs[0].spec.template.spec.serviceAccountName, 'default');
      assert.match(readFileSync(join(chart, 'Chart.yaml'), 'utf8'), /^appVersion: "0\.0\.1"$/m);
    });

    it('dry run renders the manifest and the NOTES without touching the cluster', async () => {
      const r = await upgradeInstall({ release, chartDir: chart, namespace: ns, createNamespace: true, dryRun: 'client' }, o());
      assert.match(r.manifest ?? '', /kind: Deployment/);
      assert.match(r.notes ?? '', /port-forward \$POD_NAME 8080:8080/);
      assert.match(r.notes ?? '', /curl -i http:\/\/127\.0\.0\.1:8080\/healthz/);
    });

    it('installs, upgrades after a bump, shows history, rolls back and uninstalls', async () => {
      const first = await upgradeInstall({ release, chartDir: chart, namespace: ns, createNamespace: true, wait: true, timeout: '120s', atomic: true }, o());
      assert.equal(first.revision, 1);
      assert.equal(first.status, 'deployed');
      assert.equal(first.appVersion, '0.0.1');

      const bumped = await bumpChartFiles(chart, { appVersion: '0.0.2', chartVersion: 'patch' });
      assert.deepEqual(bumped.to, { version: '0.1.1', appVersion: '0.0.2', tag: '0.0.2' });
      const second = await upgradeInstall({ release, chartDir: chart, namespace: ns, wait: true, timeout: '120s' }, o());
      assert.equal(second.revision, 2);
      assert.equal(second.appVersion, '0.0.2');

      const h = await history(release, ns, o());
      assert.deepEqual(h.map((e) => [e.revision, e.appVersion, e.chart]), [
        [1, '0.0.1', 'sample-worker-0.1.0'],
        [2, '0.0.2', 'sample-worker-0.1.1'],
      ]);
      assert.equal(h[1].status, 'deployed');

      await rollback(release, 1, ns, { ...o(), wait: true, timeout: '120s' });
      const now = await status(release, ns, o());
      assert.equal(now.revision, 3);
      assert.equal(now.appVersion, '0.0.1');

      await uninstall(release, ns, o());
      await assert.rejects(status(release, ns, o()), /not found/);
    });
  });
}

describe('aks-worker chart create / release bump', function () {
  this.timeout(120_000);
  it('create: exit 0 with the chart path; an existing chart or a bad name exits 2 and writes nothing', async () => {
    const dir = tmp('cli-charts');
    try {
      const helm = rigEnv().RIG_HELM4 as string;
      const ok = await cli(['chart', 'create', 'w', '--dir', dir, '--image', 'r.io/w', '--tag', '1.0.0', '--helm', helm]);
      assert.equal(ok.code, 0, ok.err);
      assert.equal(ok.out.trim(), join(dir, 'w'));
      const again = await cli(['chart', 'create', 'w', '--dir', dir, '--image', 'r.io/w', '--tag', '1.0.0', '--helm', helm]);
      assert.equal(again.code, 2);
      assert.match(again.err, /already exists/);
      for (const args of [
        ['chart', 'create', 'Bad_Name', '--dir', dir, '--image', 'r.io/w', '--tag', '1'],
        ['chart', 'create', 'x', '--dir', dir, '--image', 'r.io/w:1', '--tag', '1'],
        ['chart', 'create', 'x', '--dir', dir, '--image', 'r.io/w', '--tag', '-1'],
        ['chart', 'create', 'x', '--image', 'r.io/w', '--tag', '1'],
      ]) {
        const r = await cli([...args, '--helm', helm]);
        assert.equal(r.code, 2, args.join(' '));
        assert.equal(r.out, '');
      }
      assert.deepEqual(readdirSync(dir), ['w']);

      const bump = await cli(['release', 'bump', join(dir, 'w'), '--app-version', '1.0.1', '--bump', 'minor']);
      assert.equal(bump.code, 0, bump.err);
      assert.equal(bump.out, 'version 0.1.0 -> 0.2.0\nappVersion 1.0.0 -> 1.0.1\nimage.tag 1.0.0 -> 1.0.1\n');
      const before = readFileSync(join(dir, 'w', 'Chart.yaml'), 'utf8');
      const badBump = await cli(['release', 'bump', join(dir, 'w'), '--app-version', '1.0.2', '--chart-version', 'one']);
      assert.equal(badBump.code, 2);
      assert.equal(readFileSync(join(dir, 'w', 'Chart.yaml'), 'utf8'), before);
      const missing = await cli(['release', 'bump', join(dir, 'nope'), '--app-version', '1']);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
