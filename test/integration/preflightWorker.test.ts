// Preflight on the real .NET sample worker (built with the generated Dockerfile on the real .NET
// images): its endpoint passes with the chart's probes; a loop that blocks stops the heartbeat and
// preflight reports the kill the kubelet would make, with the time; a drain longer than the grace
// period ends in SIGKILL, a shorter one in exit 0.
/* eslint-disable @typescript-eslint/no-explicit-any -- the report's JSON */
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../src/tools/docker';
import { planDockerfile, writeDockerfilePlan } from '../../src/tools/dotnetProject';
import { childEnv, rigEnv } from '../rig/tests/rig';
import { ensureDotnetImages } from '../support/dotnetImages';
import { runCli } from '../support/runCli';
import { writeWorkerChart } from '../support/workerChart';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');

describe('preflight on the real .NET sample worker', function () {
  this.timeout(600_000);
  let work: string;
  const image = `preflight-worker-${process.pid}:1.0.0`;
  const preflight = async (chart: string, duration: number) => {
    const r = await runCli(['preflight', image, '--chart', chart, '--duration', String(duration), '--json', '--helm', rigEnv().RIG_HELM4 as string], childEnv());
    assert.ok(r.out.trim().startsWith('{'), r.err);
    return { code: r.code, report: JSON.parse(r.out) };
  };

  before(async () => {
    const env = childEnv();
    await ensureDotnetImages({ env });
    work = mkdtempSync(join(tmpdir(), 'aksw-pfworker-'));
    cpSync(fixture, join(work, 'w'), { recursive: true });
    rmSync(join(work, 'w/src/SampleWorker/Dockerfile'));
    const plan = await planDockerfile(join(work, 'w/src/SampleWorker/SampleWorker.csproj'));
    await writeDockerfilePlan(plan);
    await buildImage({ dockerfile: plan.dockerfile, context: plan.context, tags: [image], extraArgs: ['--network', 'none'] }, { env });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a loop that blocks past the heartbeat threshold: the kill the kubelet would make, with its timing', async () => {
    const chart = writeWorkerChart(join(work, 'block'), { image, env: { Worker__IntervalSeconds: '0.5', Worker__HeartbeatThresholdSeconds: '2', Worker__BlockAfterSeconds: '3', Worker__BlockSeconds: '60' }, grace: 2 });
    const { code, report } = await preflight(chart, 40);
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    assert.deepEqual(report.events.map((e: any) => [e.kind, e.what]), [['startup', 'started'], ['liveness', 'killed']]);
    const live = report.checks.filter((c: any) => c.kind === 'liveness');
    const failed = live.filter((c: any) => !c.ok);
    assert.equal(failed.length, 3, JSON.stringify(live));
    assert.ok(failed.every((c: any) => c.message === 'HTTP probe failed with statuscode: 503'), JSON.stringify(failed));
    assert.ok(live.slice(0, live.length - 3).every((c: any) => c.ok), 'healthy until the block');
    // the kill comes (failureThreshold − 1) periods after the first failed check
    const kill = report.events[1].at;
    assert.ok(Math.abs(kill - failed[0].at - 2 * 2000) < 500, `first failure at ${failed[0].at} ms, kill at ${kill} ms`);
    const killed = report.problems.find((p: any) => p.kind === 'killed');
    assert.match(killed.message, /^The kubelet would kill the container \d+\.\d s after it started: 3 liveness checks failed in a row \(failureThreshold 3, every 2 s\); the last one: HTTP probe failed with statuscode: 503\.$/);
    assert.deepEqual(report.budget, { maxBlockSeconds: 5, worstCaseRestartSeconds: 9 });
    // the blocked thread ignores SIGTERM: the grace period ends in SIGKILL
    assert.equal(report.stop.exitCode, 137);
    assert.equal(report.stop.killed, true);
    // the worker's own words on why it is Unhealthy are among its last lines
    assert.ok(report.logTail.some((l: string) => /no beat for \d+\.\d s \(threshold 2 s\): the worker loop is blocked/.test(l)), report.logTail.join('\n'));
    console.log(`      endpoint Unhealthy from ${(failed[0].at / 1000).toFixed(1)} s, killed at ${(kill / 1000).toFixed(1)} s`);
  });

  it('given the workspace folder: builds its image with its Dockerfile, then probes it with its chart', async () => {
    const r = await runCli(['preflight', join(work, 'w'), '--duration', '3', '--network', 'none', '--helm', rigEnv().RIG_HELM4 as string], childEnv());
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.err, /^Building aks-worker-preflight\/sample-worker:latest from .*\/src\/SampleWorker\/Dockerfile…$/m);
    assert.match(r.out, /^Preflight of aks-worker-preflight\/sample-worker:latest: passed/);
    assert.match(r.out, /probes: Deployment\/release-name-sample-worker, container sample-worker, as helm renders .*\/charts\/sample-worker/);
  });

  it('a worker that keeps beating passes; a drain shorter than the grace period ends in exit 0, a longer one in SIGKILL', async () => {
    const ok = writeWorkerChart(join(work, 'ok'), { image, env: { Worker__IntervalSeconds: '0.5', Worker__DrainSeconds: '3' }, grace: 10 });
    const a = await preflight(ok, 8);
    assert.equal(a.code, 0, JSON.stringify(a.report.problems));
    assert.deepEqual(a.report.problems, []);
    assert.equal(a.report.stop.exitCode, 0);
    assert.ok(a.report.stop.seconds >= 3 && a.report.stop.seconds < 10, `${a.report.stop.seconds} s`);
    assert.ok(a.report.latency.p99Ms < 1000, JSON.stringify(a.report.latency));
    const slow = writeWorkerChart(join(work, 'slow'), { image, env: { Worker__IntervalSeconds: '0.5', Worker__DrainSeconds: '20' }, grace: 2 });
    const b = await preflight(slow, 5);
    assert.equal(b.code, 0, 'a slow stop is a warning');
    assert.equal(b.report.stop.exitCode, 137);
    assert.deepEqual(b.report.problems.map((p: any) => p.kind), ['slow-stop']);
  });
});
