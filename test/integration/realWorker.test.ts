// The sample worker for real: built with the generated Dockerfile on the real .NET images, pushed to
// the rig's registry, pulled by the rig's node (attached registry) and run as a real container. A
// loop that blocks stops the heartbeat, the health endpoint answers 503, the liveness probe fails
// failureThreshold times and the kubelet kills it when the budget says; a stop gives the worker the
// grace period to drain, then SIGKILL.
/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeBudget } from '../../src/core/probes';
import { acrToken, ACR_TOKEN_USER } from '../../src/tools/az';
import { buildImage, login, pushImage, tagImage } from '../../src/tools/docker';
import { planDockerfile, writeDockerfilePlan } from '../../src/tools/dotnetProject';
import { childEnv, control, kubectl, kubectlJson, ok, rigEnv, waitFor } from '../rig/tests/rig';
import { ensureDotnetImages } from '../support/dotnetImages';
import { runCli } from '../support/runCli';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');
const NS = 'real-worker';

describe('the sample worker on real containers', function () {
  this.timeout(600_000);
  let env: NodeJS.ProcessEnv;
  let work: string;
  let image: string;
  let repoRef: string;

  const get = (name: string) => kubectlJson(['get', 'pod', '-n', NS, name]);
  const cs = (p: any) => p.status?.containerStatuses?.[0] ?? {};
  const events = async (name: string): Promise<any[]> => (await kubectlJson(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name}`])).items;
  const apply = (manifest: object) => kubectl(['apply', '-f', '-'], { env: childEnv(), input: JSON.stringify(manifest) });
  const workerPod = (name: string, envVars: Record<string, string>, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      containers: [{ name: 'worker', image, ports: [{ name: 'health', containerPort: 8080 }], env: Object.entries(envVars).map(([n, value]) => ({ name: n, value })), ...container }],
      ...spec,
    },
  });

  before(async () => {
    env = childEnv();
    await ensureDotnetImages({ env });
    work = mkdtempSync(join(tmpdir(), 'aksw-real-'));
    cpSync(fixture, work, { recursive: true });
    rmSync(join(work, 'src/SampleWorker/Dockerfile'));
    const plan = await planDockerfile(join(work, 'src/SampleWorker/SampleWorker.csproj'));
    await writeDockerfilePlan(plan);
    const repo = `realworker-${process.pid}`;
    await buildImage({ dockerfile: plan.dockerfile, context: plan.context, tags: [`${repo}:1.0.0`], extraArgs: ['--network', 'none'] }, { env });
    const r = rigEnv();
    const { accessToken, loginServer } = await acrToken('rigacr', { paths: { az: r.RIG_AZ! }, env });
    await login(loginServer, ACR_TOKEN_USER, accessToken, { env });
    repoRef = `${loginServer}/${repo}`;
    image = `${repoRef}:1.0.0`;
    await tagImage(`${repo}:1.0.0`, image, { env });
    await pushImage(image, { env });
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['annotate', 'namespace', NS, 'rig.aks-worker.test/runtime=docker']);
    await ok(r.RIG_AZ!, ['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--attach-acr', 'rigacr'], { env: childEnv() });
  });

  after(async () => {
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('a blocked loop is killed when the budget says, after failureThreshold Unhealthy, and --previous holds its real output', async () => {
    const liveness = { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 };
    const heartbeat = 2; // Worker:HeartbeatThresholdSeconds: the endpoint turns Unhealthy this long after the last beat
    await apply(workerPod('hang', { Worker__IntervalSeconds: '0.5', Worker__HeartbeatThresholdSeconds: String(heartbeat) }, { terminationGracePeriodSeconds: 3 }, { livenessProbe: liveness, startupProbe: { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 1, failureThreshold: 60 } }));
    const livenessFailures = (evs: any[]) => evs.filter((e) => e.reason === 'Unhealthy' && String(e.message).startsWith('Liveness'));
    const running = await waitFor('the worker to run and pass its probes', async () => {
      const p = await get('hang');
      const logs = cs(p).state?.running ? await kubectl(['logs', '-n', NS, 'hang']) : '';
      return /Worker running at/.test(logs) && cs(p).started ? p : undefined;
    }, 120_000, 500);
    await new Promise((r) => setTimeout(r, 3 * liveness.periodSeconds * 1000)); // a few healthy probes
    assert.deepEqual(livenessFailures(await events('hang')), [], 'no liveness probe failed while the worker beat');
    // the switch: the next loop iteration blocks its thread for 60 s
    const id = String(cs(running).containerID).replace('docker://', '');
    const blockAt = Date.now();
    execFileSync('docker', ['exec', id, 'sh', '-c', 'echo 60 > /tmp/worker-block'], { env });
    const killed = await waitFor('the liveness kill', async () => {
      const evs = await events('hang');
      return evs.some((e) => e.reason === 'Killing') ? { at: Date.now(), evs } : undefined;
    }, 60_000, 200);
    const b = probeBudget(liveness);
    const took = (killed.at - blockAt) / 1000 - heartbeat;
    // the first failing probe comes within a period of the endpoint turning Unhealthy; then F − 1 periods
    assert.ok(took >= b.maxBlockSeconds - liveness.timeoutSeconds - 1 && took <= b.worstCaseDetectSeconds + liveness.periodSeconds, `killed ${took.toFixed(1)} s after the endpoint turned Unhealthy; budget ${b.maxBlockSeconds} s, worst case ${b.worstCaseDetectSeconds} s`);
    console.log(`      killed ${took.toFixed(1)} s after the endpoint turned Unhealthy (budget: ${b.maxBlockSeconds} s survived, ${b.worstCaseDetectSeconds} s worst case)`);
    const unhealthy = livenessFailures(killed.evs);
    assert.equal(unhealthy.reduce((n: number, e: any) => n + (e.count ?? 1), 0), liveness.failureThreshold, JSON.stringify(unhealthy));
    assert.equal(unhealthy[0].message, 'Liveness probe failed: HTTP probe failed with statuscode: 503');
    // a blocked thread does not stop for SIGTERM: the host waits, the grace period ends, SIGKILL
    const restarted = await waitFor('the restart', async () => {
      const c = cs(await get('hang'));
      return c.restartCount >= 1 && c.lastState?.terminated ? c : undefined;
    }, 60_000, 500);
    assert.equal(restarted.lastState.terminated.exitCode, 137);
    const previous = await kubectl(['logs', '-n', NS, 'hang', '--previous']);
    assert.match(previous, /Worker running at/);
    assert.match(previous, /Blocking the worker loop for 60 s/);
    assert.match(previous, /Application is shutting down/);
    assert.doesNotMatch(previous, /The worker loop runs again/);
  });

  it('a stop gives the worker the grace period: a 20 s drain is SIGKILLed under 10 s and exits 0 under 35 s', async () => {
    const drain = { Worker__IntervalSeconds: '0.5', Worker__DrainSeconds: '20' };
    await apply(workerPod('grace10', drain, { terminationGracePeriodSeconds: 10 }));
    await apply(workerPod('grace35', drain, { terminationGracePeriodSeconds: 35 }));
    const ids: string[] = [];
    for (const p of ['grace10', 'grace35']) {
      await waitFor(`${p} to run`, async () => cs(await get(p)).state?.running && /Worker running at/.test(await kubectl(['logs', '-n', NS, p])), 120_000, 500);
      ids.push(String(cs(await get(p)).containerID).replace('docker://', ''));
    }
    const stopAt = Date.now();
    await kubectl(['delete', 'pod', '-n', NS, 'grace10', 'grace35', '--wait=false']);
    const exits = await waitFor('both workers to stop', async () => {
      const recs = (await control('GET', 'node')).containers.filter((r: any) => ids.includes(r.id));
      return recs.length === 2 ? Object.fromEntries(recs.map((r: any) => [r.pod, r])) : undefined;
    }, 90_000, 500);
    const stoppedAfter = (r: any) => (Date.parse(r.finishedAt) - stopAt) / 1000;
    assert.ok(stoppedAfter(exits.grace10) >= 9 && stoppedAfter(exits.grace10) < 15, `grace10 stopped ${stoppedAfter(exits.grace10)} s after the delete`);
    assert.ok(stoppedAfter(exits.grace35) >= 19 && stoppedAfter(exits.grace35) < 30, `grace35 stopped ${stoppedAfter(exits.grace35)} s after the delete`);
    assert.equal(exits.grace10.exitCode, 137, JSON.stringify(exits.grace10));
    assert.equal(exits.grace35.exitCode, 0, JSON.stringify(exits.grace35));
  });

  it('installed with its chart, Measure reads the real endpoint through port-forward', async () => {
    const chart = join(work, 'charts/sample-worker');
    const r = rigEnv();
    await ok(r.RIG_HELM3!, ['upgrade', '--install', 'measured', chart, '-n', NS, '--set', `image.repository=${repoRef}`, '--set', 'image.tag=1.0.0', '--wait', '--timeout', '3m'], { env: childEnv(), timeoutMs: 240_000 });
    await waitFor('the worker to log', async () => {
      const pods = (await kubectlJson(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/instance=measured'])).items;
      return pods[0] && cs(pods[0]).state?.running && /Now listening on/.test(await kubectl(['logs', '-n', NS, pods[0].metadata.name]));
    }, 120_000, 500);
    const res = await runCli(['probes', 'measure', chart, '--release', 'measured', '--namespace', NS, '--duration', '6', '--json'], childEnv());
    assert.equal(res.code, 0, res.err);
    const m = JSON.parse(res.out);
    assert.ok(m.summary.count >= 3, JSON.stringify(m.summary));
    assert.equal(m.summary.ok, m.summary.count, JSON.stringify(m.samples.filter((x: any) => x.outcome !== 'ok')));
    assert.ok(m.samples.every((x: any) => x.status === 200));
    // answered by the real Kestrel: milliseconds, not the budget's seconds
    assert.ok(m.summary.p99Seconds < 1, `p99 ${m.summary.p99Seconds} s`);
    console.log(`      measured the real endpoint: ${m.summary.count} requests, p99 ${(m.summary.p99Seconds * 1000).toFixed(1)} ms`);
  });

  it('a probe on a port nothing listens on: aks-worker pods says so, from the real kubelet\'s messages', async () => {
    const chart = join(work, 'charts/sample-worker');
    const r = rigEnv();
    const set = [`image.repository=${repoRef}`, 'image.tag=1.0.0', 'livenessProbe.httpGet.port=9090', 'livenessProbe.periodSeconds=2', 'livenessProbe.timeoutSeconds=1', 'livenessProbe.failureThreshold=3'];
    await ok(r.RIG_HELM3!, ['upgrade', '--install', 'wrongport', chart, '-n', NS, ...set.flatMap((x) => ['--set', x])], { env: childEnv(), timeoutMs: 120_000 });
    const report = await waitFor('a restart with its reason', async () => {
      const res = await runCli(['pods', 'wrongport', '--namespace', NS, '--json', '--kubectl', r.RIG_KUBECTL!], childEnv());
      if (res.code !== 0) throw new Error(res.err);
      const c = JSON.parse(res.out).pods[0]?.containers[0];
      return c?.restartCount >= 1 && c.restartReason ? c : undefined;
    }, 120_000, 1000);
    assert.equal(report.restartReason.kind, 'probeMisconfigured', JSON.stringify(report.restartReason));
    assert.match(report.restartReason.title, /nothing listens on 9090/, JSON.stringify(report.restartReason));
    assert.match(report.restartReason.probe.lastMessage, /^Get "http:\/\/[\d.]+:9090\/healthz": dial tcp [\d.]+:9090: connect: connection refused$/);
  });
});
