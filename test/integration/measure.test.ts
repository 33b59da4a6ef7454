import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/runCli';
import { upgradeInstall } from '../../src/tools/helm';
import { createWorkerChart } from '../../src/tools/workerChart';
import { childEnv, control, kubectlJson, rigEnv, tmp, waitFor } from '../rig/tests/rig';

/** Runs the CLI in this process with the rig's environment (kubeconfig, a fresh HOME). */
const cli = (args: string[]) => runCli(args, childEnv());

describe('Measure it: the health endpoint of a pod of the rig, through kubectl port-forward', function () {
  this.timeout(180_000);
  const ns = `measure-${process.pid}`;
  let chart: string;
  const kubectl = () => ['--kubectl', rigEnv().RIG_KUBECTL!];

  before(async () => {
    const env = childEnv();
    chart = await createWorkerChart({ name: 'worker', chartsDir: join(tmp('measure-charts'), 'charts'), repository: 'rig.local/worker', tag: '1.0.0', healthPort: 8080, healthPath: '/healthz' }, { paths: { helm: rigEnv().RIG_HELM4 }, env });
    // Kubernetes time runs 10× faster: the seed's probe (period 10, timeout 5, failureThreshold 6) kills after 6.5 s.
    await control('POST', 'config', { timeScale: 0.1 });
    // blocks of 10 s (1 s here) every 30 s (3 s here) of uptime
    await control('POST', 'health', { namespace: ns, deployment: 'blocky-worker', health: { mode: 'hang', everySeconds: 30, hangSeconds: 10 } });
    const r = await upgradeInstall({ release: 'blocky', chartDir: chart, namespace: ns, createNamespace: true, wait: true, timeout: '60s' }, { paths: { helm: rigEnv().RIG_HELM4 }, env });
    assert.equal(r.status, 'deployed');
  });
  after(async () => {
    await control('POST', 'config', { timeScale: 1 });
    rmSync(join(chart, '..', '..'), { recursive: true, force: true });
  });

  it('reports the blocks as the slow tail: p99 and max near the block, most answers quick', async () => {
    const r = await cli(['probes', 'measure', chart, '--release', 'blocky', '--namespace', ns, '--duration', '7', '--json', ...kubectl()]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /measuring http:\/\/blocky-worker-[a-z0-9-]+:8080\/healthz for 7 s \(request timeout 65 s\)/);
    const j = JSON.parse(r.out);
    assert.equal(j.ended, 'duration');
    assert.equal(j.port, 8080, 'the named port "health" resolved on the pod');
    const s = j.summary;
    assert.ok(s.count > 20, `${s.count} requests`);
    assert.equal(s.errors + s.timeouts + s.badStatus, 0);
    // two blocks in 7 s; each is seen by one request that waits for (most of) it
    const slow = j.samples.filter((x: { ms: number }) => x.ms > 300);
    assert.ok(slow.length >= 1 && slow.length <= 3, `slow answers: ${JSON.stringify(slow)}`);
    assert.ok(s.maxMs >= 700 && s.maxMs <= 1_300, `max ${s.maxMs} ms for 1 s blocks`);
    assert.ok(s.p50Ms < 100, `p50 ${s.p50Ms} ms`);
    assert.ok(s.p99Seconds >= 0.2 && s.p99Seconds <= 1.3, `p99 ${s.p99Seconds} s`);
    assert.equal(s.slowerThanProbe, 0, 'nothing took longer than the probe\'s 5 s timeout');
    assert.equal(j.budget.maxBlockSeconds, 55);
    assert.equal(j.budget.coversP99, true);
  });

  it('prints a readable summary, and says so (exit 1) when the container is killed under the forward', async () => {
    const pods = await kubectlJson(['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/instance=blocky']);
    const pod = pods.items[0].metadata.name as string;
    await control('POST', 'health', { namespace: ns, pod, health: { mode: 'hang' } });
    const r = await cli(['probes', 'measure', chart, '--release', 'blocky', '--namespace', ns, '--pod', pod, '--duration', '30', ...kubectl()]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /kubectl lost the connection to the pod: its container was restarted or the pod went away/);
    assert.match(r.out, /\d+ requests?: /);
    await waitFor('the container restarted', async () => (await kubectlJson(['get', 'pod', pod, '-n', ns])).status.containerStatuses[0].restartCount >= 1);
    await control('POST', 'health', { namespace: ns, pod, health: { mode: 'healthy' } });
  });

  it('bad input exits 2 and names the problem', async () => {
    const r1 = await cli(['probes', 'measure', chart, '--duration', 'soon', ...kubectl()]);
    assert.equal(r1.code, 2);
    assert.match(r1.err, /--duration must be a number of seconds from 1 to 3600 \(got "soon"\)/);
    const r2 = await cli(['probes', 'measure', chart, '--probe', 'readiness', ...kubectl()]);
    assert.equal(r2.code, 2);
    assert.match(r2.err, /the chart has no readiness probe to measure/);
    const r3 = await cli(['probes', 'measure', chart, '--release', 'nothing-here', '--namespace', ns, ...kubectl()]);
    assert.equal(r3.code, 1);
    assert.match(r3.err, /release nothing-here has no pods in measure-\d+/);
  });
});
