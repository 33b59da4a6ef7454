// Real Helm 3.18 and Helm 4.1.4 against the rig's API server: install, upgrade --wait, history,
/* eslint-disable @typescript-eslint/no-explicit-any -- arbitrary Kubernetes JSON from the real CLIs */
// rollback --wait, uninstall, on a chart from `helm create` cut down to its Deployment.
import * as assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, control, kubectlJson, ok, rigEnv, run, tmp } from './rig';

async function makeChart(helm: string): Promise<string> {
  const dir = tmp('chart');
  await ok(helm, ['create', 'worker'], { cwd: dir, env: childEnv() });
  const chart = join(dir, 'worker');
  const templates = join(chart, 'templates');
  for (const f of readdirSync(templates)) {
    if (f !== 'deployment.yaml' && f !== '_helpers.tpl') rmSync(join(templates, f), { recursive: true, force: true });
  }
  writeFileSync(
    join(chart, 'rig-values.yaml'),
    [
      'image:',
      '  repository: rig.local/worker',
      'livenessProbe:',
      '  httpGet: {path: /healthz, port: http}',
      '  periodSeconds: 10',
      '  failureThreshold: 6',
      'readinessProbe:',
      '  httpGet: {path: /ready, port: http}',
      '  periodSeconds: 5',
      '',
    ].join('\n'),
  );
  return chart;
}

for (const [label, envKey, major] of [
  ['Helm 3.18', 'RIG_HELM3', 3],
  ['Helm 4.1.4', 'RIG_HELM4', 4],
] as const) {
  describe(`rig: ${label} install/upgrade/rollback/uninstall`, function () {
    this.timeout(180_000);
    const release = `h${major}`;
    let helm: string;
    let chart: string;
    let env: NodeJS.ProcessEnv;
    const h = (args: string[]) => ok(helm, args, { env });

    before(async () => {
      helm = rigEnv()[envKey]!;
      env = childEnv();
      await control('POST', 'reset');
      await control('POST', 'config', { timeScale: 0.05 });
      chart = await makeChart(helm);
    });

    it('reports its version', async () => {
      assert.match(await h(['version', '--short']), major === 3 ? /^v3\.18\.0/ : /^v4\.1\.4/);
    });

    it('installs, storing the release in a protobuf-encoded Secret', async () => {
      await control('DELETE', 'requests');
      await h(['install', release, chart, '-f', join(chart, 'rig-values.yaml'), '--set', 'image.tag=1.0.0']);
      const secrets = await kubectlJson(['get', 'secrets', '-l', `name=${release},owner=helm`]);
      assert.equal(secrets.items.length, 1);
      assert.equal(secrets.items[0].type, 'helm.sh/release.v1');
      assert.equal(secrets.items[0].metadata.labels.status, 'deployed');
      const reqs: any[] = await control('GET', 'requests');
      assert.ok(reqs.some((r) => r.method === 'POST' && r.path.includes('/secrets') && r.contentType === 'application/vnd.kubernetes.protobuf' && r.status === 201));
      if (major === 3) assert.ok(reqs.some((r) => r.method === 'POST' && r.path.includes('/deployments') && r.status === 201));
      else assert.ok(reqs.some((r) => r.method === 'PATCH' && r.path.includes('/deployments/') && r.contentType === 'application/apply-patch+yaml' && r.status === 201));
      const list = JSON.parse(await h(['list', '-o', 'json']));
      assert.equal(list[0].name, release);
      assert.equal(list[0].status, 'deployed');
    });

    it('upgrades with --wait until the new pods are ready', async () => {
      await control('DELETE', 'requests');
      await h(['upgrade', release, chart, '-f', join(chart, 'rig-values.yaml'), '--set', 'image.tag=2.0.0', '--wait', '--timeout', '60s']);
      const d = await kubectlJson(['get', 'deployment', `${release}-worker`]);
      assert.equal(d.spec.template.spec.containers[0].image, 'rig.local/worker:2.0.0');
      assert.equal(d.status.readyReplicas, 1);
      assert.equal(d.status.updatedReplicas, 1);
      const reqs: any[] = await control('GET', 'requests');
      if (major === 3) {
        assert.ok(reqs.some((r) => r.method === 'PATCH' && r.contentType === 'application/strategic-merge-patch+json'));
        assert.ok(reqs.some((r) => r.method === 'GET' && r.path.includes('/replicasets?labelSelector=')));
      } else {
        assert.ok(reqs.some((r) => r.method === 'PATCH' && r.contentType === 'application/apply-patch+yaml' && r.status === 200));
        assert.ok(reqs.some((r) => r.method === 'GET' && r.path.includes('watch=true') && r.path.includes('sendInitialEvents=true')));
      }
    });

    it('upgrade --wait fails when the pods never become ready', async () => {
      await control('POST', 'health', { deployment: `${release}-worker`, health: { mode: 'fail' } });
      const r = await run(helm, ['upgrade', release, chart, '-f', join(chart, 'rig-values.yaml'), '--set', 'image.tag=3.0.0', '--wait', '--timeout', '4s'], { env });
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr + r.stdout, /context deadline exceeded|timed out|timeout/i);
      await control('POST', 'health', { deployment: `${release}-worker`, health: { mode: 'healthy' } });
    });

    it('shows history and rolls back with --wait', async () => {
      const hist = JSON.parse(await h(['history', release, '-o', 'json']));
      assert.deepEqual(hist.map((x: any) => x.revision), [1, 2, 3]);
      assert.equal(hist[2].status, 'failed');
      await h(['rollback', release, '2', '--wait', '--timeout', '60s']);
      const hist2 = JSON.parse(await h(['history', release, '-o', 'json']));
      assert.equal(hist2.length, 4);
      assert.equal(hist2[3].status, 'deployed');
      assert.match(hist2[3].description, /Rollback to 2/);
      const d = await kubectlJson(['get', 'deployment', `${release}-worker`]);
      assert.equal(d.spec.template.spec.containers[0].image, 'rig.local/worker:2.0.0');
      assert.equal(d.status.readyReplicas, 1);
      const text = await h(['history', release]);
      assert.match(text, /^REVISION\s+UPDATED\s+STATUS\s+CHART/m);
    });

    it('stores releases in protobuf-encoded ConfigMaps with HELM_DRIVER=configmap (install --wait)', async () => {
      const cmEnv = { ...env, HELM_DRIVER: 'configmap' };
      await ok(helm, ['install', `${release}cm`, chart, '-f', join(chart, 'rig-values.yaml'), '--wait', '--timeout', '60s'], { env: cmEnv });
      const cms = await kubectlJson(['get', 'configmaps', '-l', `name=${release}cm,owner=helm`]);
      assert.equal(cms.items.length, 1);
      assert.ok(cms.items[0].data.release.length > 100);
      const reqs: any[] = await control('GET', 'requests');
      assert.ok(reqs.some((r) => r.method === 'POST' && r.path.includes('/configmaps') && r.contentType === 'application/vnd.kubernetes.protobuf' && r.status === 201));
      const status = JSON.parse(await ok(helm, ['status', `${release}cm`, '-o', 'json'], { env: cmEnv }));
      assert.equal(status.info.status, 'deployed');
      await ok(helm, ['uninstall', `${release}cm`], { env: cmEnv });
      assert.equal((await kubectlJson(['get', 'configmaps', '-l', 'owner=helm'])).items.length, 0);
    });

    it('uninstalls: deployment, pods and release secrets are gone', async () => {
      await h(['uninstall', release]);
      const secrets = await kubectlJson(['get', 'secrets', '-l', `owner=helm`]);
      assert.equal(secrets.items.length, 0);
      const pods = await kubectlJson(['get', 'pods', '-l', `app.kubernetes.io/instance=${release}`]);
      assert.equal(pods.items.length, 0);
      const list = JSON.parse(await h(['list', '-o', 'json']));
      assert.equal(list.length, 0);
    });
  });
}
