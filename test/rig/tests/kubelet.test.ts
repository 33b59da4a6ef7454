// The simulated kubelet: probe failures → Unhealthy events, Killing after failureThreshold, restarts
/* eslint-disable @typescript-eslint/no-explicit-any -- arbitrary Kubernetes JSON from the real CLIs */
// with lastState, CrashLoopBackOff with growing back-off, OOMKilled — time-scaled.
import * as assert from 'node:assert/strict';
import { childEnv, control, deploymentManifest, kubectl, kubectlJson, rigEnv, Streamer, waitFor } from './rig';

async function events(pod: string): Promise<any[]> {
  return (await kubectlJson(['get', 'events', '--field-selector', `involvedObject.name=${pod}`])).items;
}
const total = (evs: any[], reason: string) => evs.filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);

async function onlyPod(app: string): Promise<any> {
  return waitFor(`the pod of ${app}`, async () => (await kubectlJson(['get', 'pods', '-l', `app=${app}`])).items[0]);
}

describe('rig: simulated kubelet', function () {
  this.timeout(120_000);

  before(async () => {
    await control('POST', 'reset');
    await control('POST', 'config', { timeScale: 0.01 });
  });

  it('failureThreshold 6: six Unhealthy liveness events per Killing, restarts with lastState', async () => {
    await control('POST', 'health', { deployment: 'hang6', health: { mode: 'hang' } });
    await kubectl(['apply', '-f', '-'], {
      env: childEnv(),
      input: deploymentManifest('hang6', { liveness: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 6 } }),
    });
    const pod = await onlyPod('hang6');
    const name = pod.metadata.name;
    // wait for 3 kills
    const evs = await waitFor('three Killing events', async () => {
      const e = await events(name);
      return total(e, 'Killing') >= 3 ? e : undefined;
    });
    const kills = total(evs, 'Killing');
    const unhealthy = total(evs, 'Unhealthy');
    assert.ok(unhealthy >= 6 * kills && unhealthy < 6 * (kills + 1), `Unhealthy ${unhealthy} for ${kills} Killing`);
    const ev = evs.find((e) => e.reason === 'Unhealthy');
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message, /^Liveness probe failed: Get "http:\/\/[\d.]+:8080\/healthz": context deadline exceeded/);
    assert.equal(ev.involvedObject.fieldPath, 'spec.containers{worker}');
    assert.ok(ev.count >= 6, 'identical events are aggregated into count');
    const killing = evs.find((e) => e.reason === 'Killing');
    assert.equal(killing.message, 'Container worker failed liveness probe, will be restarted');
    const p = await kubectlJson(['get', 'pod', name]);
    const cs = p.status.containerStatuses[0];
    assert.ok(cs.restartCount >= 2);
    assert.equal(cs.lastState.terminated.exitCode, 137);
    assert.equal(cs.lastState.terminated.reason, 'Error');
    assert.ok(cs.lastState.terminated.finishedAt);
    // events.k8s.io/v1 view carries the aggregation as series
    // the kills come faster than the growing back-off: the container ends up in CrashLoopBackOff
    await waitFor('a BackOff event after repeated liveness kills', async () => total(await events(name), 'BackOff') >= 1, 30_000);
    const v1 = await kubectlJson(['get', 'events.v1.events.k8s.io', '--field-selector', `regarding.name=${name}`]);
    const s = v1.items.find((e: any) => e.reason === 'Unhealthy');
    assert.ok(s.series.count >= 6);
    assert.equal(s.regarding.name, name);
    assert.match(s.note, /^Liveness probe failed/);
    await kubectl(['delete', 'deployment', 'hang6']);
  });

  it('hangs for N seconds every M seconds: kills only when the hang outlasts the probe budget', async () => {
    // period 10 × threshold 3 = 30 s budget; a 20 s hang every 60 s never kills, a 45 s hang does
    await control('POST', 'health', { deployment: 'shorthang', health: { mode: 'hang', hangSeconds: 20, everySeconds: 60 } });
    await control('POST', 'health', { deployment: 'longhang', health: { mode: 'hang', hangSeconds: 45, everySeconds: 60 } });
    const probe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 };
    for (const n of ['shorthang', 'longhang']) await kubectl(['apply', '-f', '-'], { env: childEnv(), input: deploymentManifest(n, { liveness: probe }) });
    const long = await onlyPod('longhang');
    await waitFor('longhang killed', async () => total(await events(long.metadata.name), 'Killing') >= 2, 60_000);
    const short = await onlyPod('shorthang');
    const se = await events(short.metadata.name);
    assert.ok(total(se, 'Unhealthy') >= 2, 'short hangs fail some probes');
    assert.equal(total(se, 'Killing'), 0);
    await kubectl(['delete', 'deployment', 'shorthang', 'longhang']);
  });

  it('crash loop: CrashLoopBackOff with growing back-off and BackOff events', async () => {
    await control('POST', 'health', { deployment: 'crash', health: { mode: 'crash', exitCode: 42, afterSeconds: 1 } });
    const w = new Streamer(rigEnv().RIG_KUBECTL!, ['get', 'pods', '-l', 'app=crash', '-w', '-o', 'json']);
    await kubectl(['apply', '-f', '-'], { env: childEnv(), input: deploymentManifest('crash') });
    const backoffs = () =>
      w
        .docs()
        .map((d) => d.status?.containerStatuses?.[0]?.state?.waiting)
        .filter((x) => x?.reason === 'CrashLoopBackOff')
        .map((x) => String(x.message).split(' ')[1]);
    await waitFor('back-off 40s', async () => backoffs().includes('40s'), 30_000);
    await w.stop();
    const steps = [...new Set(backoffs())];
    assert.deepEqual(steps.slice(0, 3), ['10s', '20s', '40s']);
    const pod = await onlyPod('crash');
    const p = await kubectlJson(['get', 'pod', pod.metadata.name]);
    assert.equal(p.status.containerStatuses[0].lastState.terminated.exitCode, 42);
    const evs = await events(pod.metadata.name);
    assert.ok(total(evs, 'BackOff') >= 2);
    assert.match(evs.find((e) => e.reason === 'BackOff').message, /^Back-off restarting failed container worker in pod crash-/);
    const table = await kubectl(['get', 'pods', '-l', 'app=crash']);
    assert.match(table, /crash-\S+\s+\d\/1\s+(CrashLoopBackOff|Error|Running)\s+\d+ \(\S+ ago\)/);
    await kubectl(['delete', 'deployment', 'crash']);
  });

  it('OOMKilled: exit code 137, reason OOMKilled', async () => {
    await kubectl(['apply', '-f', '-'], {
      env: childEnv(),
      input: deploymentManifest('oom', { annotations: { 'rig.aks-worker.test/health': JSON.stringify({ mode: 'oom', afterSeconds: 5 }) } }),
    });
    const pod = await onlyPod('oom');
    const p = await waitFor('an OOMKilled last state', async () => {
      const x = await kubectlJson(['get', 'pod', pod.metadata.name]);
      return x.status.containerStatuses?.[0]?.lastState?.terminated ? x : undefined;
    });
    assert.deepEqual([p.status.containerStatuses[0].lastState.terminated.reason, p.status.containerStatuses[0].lastState.terminated.exitCode], ['OOMKilled', 137]);
    await kubectl(['delete', 'deployment', 'oom']);
  });

  it('startup probe gates liveness; readiness failures only unready the pod', async () => {
    await control('POST', 'health', { deployment: 'slowstart', health: { mode: 'healthy', startupSeconds: 35 } });
    await kubectl(['apply', '-f', '-'], {
      env: childEnv(),
      input: deploymentManifest('slowstart', {
        startup: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 6 },
        liveness: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 1 },
        readiness: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
      }),
    });
    const pod = await onlyPod('slowstart');
    await waitFor('ready', async () => (await kubectlJson(['get', 'pod', pod.metadata.name])).status.containerStatuses?.[0]?.ready, 30_000);
    const evs = await events(pod.metadata.name);
    const startupFails = evs.filter((e) => e.reason === 'Unhealthy' && /^Startup probe failed/.test(e.message));
    assert.ok(startupFails.length >= 1);
    assert.equal(total(evs, 'Killing'), 0, 'liveness is not run before the startup probe succeeds');
    await control('POST', 'health', { deployment: 'slowstart', health: { mode: 'fail', container: 'worker' } });
    // liveness failureThreshold 1 → killed; readiness failures unready it
    await waitFor('killed after liveness failure', async () => total(await events(pod.metadata.name), 'Killing') >= 1, 30_000);
    await kubectl(['delete', 'deployment', 'slowstart']);
  });
});
