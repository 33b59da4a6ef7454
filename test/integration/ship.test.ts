import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/runCli';
import { history } from '../../src/tools/helm';
import { childEnv, rigEnv } from '../rig/tests/rig';
import { ensureDotnetImages } from '../support/dotnetImages';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');

/** Runs the CLI in this process with the rig's environment (docker engine, kubeconfig, …). */
const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { ...childEnv(), ...extraEnv });

async function tags(repo: string): Promise<string[]> {
  const r = rigEnv();
  const res = await fetch(`http://${r.RIG_REGISTRY}/v2/${repo}/tags/list`, { headers: { Authorization: `Basic ${Buffer.from(`${r.RIG_REGISTRY_USER}:${r.RIG_REGISTRY_PASSWORD}`).toString('base64')}` } });
  return res.status === 200 ? (((await res.json()) as { tags: string[] }).tags ?? []).sort() : [];
}

describe('aks-worker ship against the rig', function () {
  this.timeout(300_000);
  const repo = `shipworker-${process.pid}`;
  const ns = `ship-${process.pid}`;
  let dir: string;
  let tools: string[];

  before(async () => {
    const r = rigEnv();
    // The real .NET images, made from this machine's SDK (no image can be pulled here).
    await ensureDotnetImages({ env: childEnv() });
    dir = mkdtempSync(join(tmpdir(), 'aksw-ship-'));
    cpSync(fixture, dir, { recursive: true });
    const values = join(dir, 'charts/sample-worker/values.yaml');
    writeFileSync(values, readFileSync(values, 'utf8').replace('repository: myregistry.azurecr.io/sampleworker', `repository: ${r.RIG_REGISTRY}/${repo}`));
    tools = ['--helm', r.RIG_HELM4 as string, '--az', r.RIG_AZ as string, '--kubectl', r.RIG_KUBECTL as string];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ships twice: the registry has both tags and helm history both revisions', async () => {
    const first = await cli(['ship', dir, '--acr', 'rigacr', '--namespace', ns, '--network', 'none', ...tools]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`image .*/${repo}:0\\.0\\.2 sha256:`));
    assert.match(first.out, /release sample-worker revision 1 deployed/);
    assert.match(first.err, /\[1\/5\] build: .*\n(?:.*\n)*\[2\/5\] preflight: .*\n(?:.*\n)*Preflight of .*: passed\n(?:.*\n)*\[3\/5\] push: .*\n(?:.*\n)*\[4\/5\] bump: .*\n(?:.*\n)*\[5\/5\] release: /);
    const second = await cli(['ship', dir, '--acr', 'rigacr', '--namespace', ns, '--network', 'none', '--bump', 'minor', ...tools]);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /chart version 0\.2\.0\nrelease sample-worker revision 2 deployed/);
    assert.deepEqual(await tags(repo), ['0.0.2', '0.0.3']);
    const h = await history('sample-worker', ns, { paths: { helm: rigEnv().RIG_HELM4 }, env: childEnv() });
    assert.deepEqual(h.map((e) => [e.revision, e.appVersion, e.chart]), [
      [1, '0.0.2', 'sample-worker-0.1.1'],
      [2, '0.0.3', 'sample-worker-0.2.0'],
    ]);
  });

  it('a failure at push leaves the chart files unchanged and exits 1', async () => {
    const chart = join(dir, 'charts/sample-worker');
    const before = [readFileSync(join(chart, 'Chart.yaml'), 'utf8'), readFileSync(join(chart, 'values.yaml'), 'utf8')];
    const emptyConfig = mkdtempSync(join(tmpdir(), 'aksw-nologin-'));
    try {
      const r = await cli(['ship', dir, '--namespace', ns, '--network', 'none', '--no-preflight', ...tools], { DOCKER_CONFIG: emptyConfig });
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /\[2\/5\] preflight: skipped\n/);
      assert.doesNotMatch(r.err, /Preflight of/);
      assert.match(r.err, /push failed: Not logged in to .* \(401\)/);
      assert.match(r.err, /The chart was not changed\./);
      assert.deepEqual([readFileSync(join(chart, 'Chart.yaml'), 'utf8'), readFileSync(join(chart, 'values.yaml'), 'utf8')], before);
    } finally {
      rmSync(emptyConfig, { recursive: true, force: true });
    }
  });

  it('a worker whose probe finds no endpoint is not pushed: preflight says so, the chart is unchanged (exit 1)', async () => {
    const chart = join(dir, 'charts/sample-worker');
    const values = join(chart, 'values.yaml');
    const original = readFileSync(values, 'utf8');
    const broken = original.replace('path: /healthz', 'path: /health/live');
    assert.notEqual(broken, original);
    writeFileSync(values, broken);
    const before = [readFileSync(join(chart, 'Chart.yaml'), 'utf8'), broken];
    const tagsBefore = await tags(repo);
    try {
      const r = await cli(['ship', dir, '--acr', 'rigacr', '--namespace', ns, '--network', 'none', ...tools]);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /\[2\/5\] preflight: /);
      assert.match(r.err, /Preflight of .*: FAILED/);
      assert.match(r.err, /error: No endpoint at \/health\/live: the worker answers 404 there\. These paths answered: \/healthz \(200\)\./);
      assert.match(r.err, /aks-worker ship: preflight failed: the image was not pushed and the chart was not changed\. Fix the worker, or ship with --no-preflight\./);
      assert.doesNotMatch(r.err, /\[3\/5\] push/);
      assert.deepEqual(await tags(repo), tagsBefore);
      assert.deepEqual([readFileSync(join(chart, 'Chart.yaml'), 'utf8'), readFileSync(values, 'utf8')], before);
    } finally {
      writeFileSync(values, original);
    }
  });

  it('bad input exits 2 and changes nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'aksw-ship-empty-'));
    try {
      const r = await cli(['ship', empty]);
      assert.equal(r.code, 2);
      assert.match(r.err, /no Dockerfile/);
      const t = await cli(['ship', dir, '--tag', '-bad']);
      assert.equal(t.code, 2);
      assert.match(t.err, /not a valid tag/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
