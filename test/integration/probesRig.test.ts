import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/runCli';
import { probeBudget } from '../../src/core/probes';
import { upgradeInstall } from '../../src/tools/helm';
import { createWorkerChart } from '../../src/tools/workerChart';
import { childEnv, control, kubectlJson, rigEnv, tmp, waitFor } from '../rig/tests/rig';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON from the real kubectl */

const cli = (args: string[]) => runCli(args);

describe('probe budget against the rig\'s simulated kubelet', function () {
  this.timeout(240_000);
  const ns = `probes-${process.pid}`;
  let chart: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    env = childEnv();
    chart = await createWorkerChart({ name: 'worker', chartsDir: join(tmp('probe-charts'), 'charts'), repository: 'rig.local/worker', tag: '1.0.0', healthPort: 8080, healthPath: '/healthz' }, { paths: { helm: rigEnv().RIG_HELM4 }, env });
    // A budget of (3 − 1) × 10 + 5 = 25 s.
    const set = await cli(['probes', 'set', chart, '--probe', 'liveness', '--period', '10', '--timeout', '5', '--failure-threshold', '3']);
    assert.equal(set.code, 0, set.err);
    assert.match(set.out, /may block up to 25 s/);
    assert.equal(probeBudget({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }).maxBlockSeconds, 25);
    await control('POST', 'config', { timeScale: 0.02 });
  });
  after(() => rmSync(join(chart, '..', '..'), { recursive: true, force: true }));

  const events = async (prefix: string) => {
    const list = await kubectlJson(['get', 'events', '-n', ns]);
    const mine = (list.items as any[]).filter((e) => String(e.involvedObject?.name ?? '').startsWith(prefix));
    const count = (reason: string) => mine.filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
    return { unhealthy: count('Unhealthy'), killing: count('Killing') };
  };
  const restarts = async (prefix: string) => {
    const pods = await kubectlJson(['get', 'pods', '-n', ns]);
    return (pods.items as any[]).filter((p) => p.metadata.name.startsWith(prefix)).reduce((n, p) => n + (p.status?.containerStatuses?.[0]?.restartCount ?? 0), 0);
  };

  it('restarts a worker that blocks longer than the budget, with failureThreshold Unhealthy per Killing', async () => {
    await control('POST', 'health', { namespace: ns, deployment: 'long-worker', health: { mode: 'hang', everySeconds: 120, hangSeconds: 40 } });
    const r = await upgradeInstall({ release: 'long', chartDir: chart, namespace: ns, createNamespace: true, wait: true, timeout: '120s' }, { paths: { helm: rigEnv().RIG_HELM4 }, env });
    assert.equal(r.status, 'deployed');
    await waitFor('a restart of the long blocker', async () => (await restarts('long-worker')) >= 2, 60_000);
    const e = await events('long-worker');
    assert.ok(e.killing >= 2, JSON.stringify(e));
    // Each kill follows 3 failures; up to 2 more may belong to a hang still under way.
    const extra = e.unhealthy - 3 * e.killing;
    assert.ok(extra >= 0 && extra < 3, `3 Unhealthy per Killing: ${JSON.stringify(e)}`);
  });

  it('spares a worker that blocks less than the budget', async () => {
    await control('POST', 'health', { namespace: ns, deployment: 'short-worker', health: { mode: 'hang', everySeconds: 60, hangSeconds: 18 } });
    const r = await upgradeInstall({ release: 'short', chartDir: chart, namespace: ns, wait: true, timeout: '120s' }, { paths: { helm: rigEnv().RIG_HELM4 }, env });
    assert.equal(r.status, 'deployed');
    // Several hangs go by (each fails one or two probes, never three in a row).
    await waitFor('Unhealthy events from the short blocker', async () => (await events('short-worker')).unhealthy >= 4, 60_000);
    const e = await events('short-worker');
    assert.equal(e.killing, 0, JSON.stringify(e));
    assert.equal(await restarts('short-worker'), 0);
  });
});
