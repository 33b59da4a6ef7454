// A worker with no health endpoint, end to end on the real .NET SDK and images: preflight finds
// nothing listening and points at Add Health Endpoint; `aks-worker health add`, the user's one
// Beat() line, docker build with the generated Dockerfile, preflight passes; a loop that blocks past
// the heartbeat threshold is reported killed, with the timing. net8.0 (runtime image: the
// HttpListener endpoint), net9.0 (ASP.NET Core: Kestrel) and net10.0 (central package management,
// Visual Studio's BOM and CRLF).
/* eslint-disable @typescript-eslint/no-explicit-any -- the report's JSON */
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../src/tools/docker';
import { planDockerfile, writeDockerfilePlan } from '../../src/tools/dotnetProject';
import { childEnv, rigEnv } from '../rig/tests/rig';
import { ensureDotnetImages } from '../support/dotnetImages';
import { runCli } from '../support/runCli';
import { beatInLoop, writeWorkerChart } from '../support/workerChart';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'plain-workers');

/** The project file under a fixture folder. */
function projectIn(dir: string): string {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      const found = projectIn(p);
      if (found) return found;
    } else if (e.endsWith('.csproj')) return p;
  }
  return '';
}

describe('a worker without a health endpoint: preflight, Add Health Endpoint, preflight again (real .NET)', function () {
  this.timeout(900_000);
  let work: string;
  const preflight = async (image: string, chart: string, duration: number) => {
    const r = await runCli(['preflight', image, '--chart', chart, '--duration', String(duration), '--json', '--helm', rigEnv().RIG_HELM4 as string], childEnv());
    assert.ok(r.out.trim().startsWith('{'), r.err);
    return { code: r.code, report: JSON.parse(r.out) };
  };
  const build = async (project: string, tag: string) => {
    // A worker under central package management with no solution above it: the folder of
    // Directory.Packages.props is offered as the build context, and taken (as Add Dockerfile offers it).
    const plan = await planDockerfile(project).catch(async (e: any) => {
      if (e.code !== 'outside-context' || !/central package management/.test(e.message)) throw e;
      return planDockerfile(project, { context: e.suggestedContext });
    });
    await writeDockerfilePlan(plan, { force: true });
    await buildImage({ dockerfile: plan.dockerfile, context: plan.context, tags: [tag], extraArgs: ['--network', 'none'] }, { env: childEnv() });
    return plan;
  };

  before(async () => {
    await ensureDotnetImages({ env: childEnv() });
    work = mkdtempSync(join(tmpdir(), 'aksw-healthpf-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [fixture, base] of [
    ['net8-default-builder', 'runtime'],
    ['net9-aspnet', 'aspnet'],
    ['net10-cpm-vs', 'runtime'],
  ] as const) {
    it(`${fixture}: no endpoint → Add Health Endpoint → passes → a blocked loop is killed in time`, async () => {
      const dir = join(work, fixture);
      cpSync(join(fixtures, fixture), dir, { recursive: true });
      const project = projectIn(dir);
      const tag = `health-${fixture}-${process.pid}`;
      const chart = writeWorkerChart(join(work, `${fixture}-chart`), { grace: 3 });

      // 1. As the user has it: no endpoint. Preflight finds nothing listening and says what to do.
      if (fixture === 'net8-default-builder') {
        const plan = await build(project, `${tag}:before`);
        assert.match(readFileSync(plan.dockerfile, 'utf8'), new RegExp(`mcr\\.microsoft\\.com/dotnet/${base}:8\\.0`));
        assert.ok(plan.warnings.some((w) => /^runtime image: it has no ASP\.NET Core/.test(w)), 'the Dockerfile step warns: no endpoint can be served with Kestrel');
        const before = await preflight(`${tag}:before`, chart, 6);
        assert.equal(before.code, 1);
        // the startup probe gives up only after 60 s: preflight's own verdict comes from the refusals and the sockets
        const missing = before.report.problems.find((p: any) => p.kind === 'no-listener');
        assert.ok(missing, JSON.stringify(before.report.problems));
        assert.match(missing.message, /Nothing listens on 8080: .* It listens on no TCP port at all: the worker serves no HTTP endpoint\. Add one \(AKS Worker: Add Health Endpoint\)/);
      }

      // 2. Add Health Endpoint, and the Beat() call its advice asks for.
      const added = await runCli(['health', 'add', project, '--threshold', '2'], childEnv());
      assert.equal(added.code, 0, added.out + added.err);
      beatInLoop(join(project, '..', 'Worker.cs'));

      // 3. Built with the generated Dockerfile on the real images, run: every probe passes.
      const plan = await build(project, `${tag}:after`);
      assert.match(readFileSync(plan.dockerfile, 'utf8'), new RegExp(`mcr\\.microsoft\\.com/dotnet/${base}:`));
      // the HttpListener endpoint runs on the runtime image: no warning any more
      assert.deepEqual(plan.warnings.filter((w) => /runtime image/.test(w)), []);
      const ok = await preflight(`${tag}:after`, chart, 8);
      assert.equal(ok.code, 0, JSON.stringify(ok.report.problems) + ok.report.logTail.join('\n'));
      assert.deepEqual(ok.report.problems.filter((p: any) => p.severity === 'error'), []);
      assert.ok(ok.report.checks.filter((c: any) => c.kind === 'liveness').every((c: any) => c.ok && c.status === 200), JSON.stringify(ok.report.checks));
      assert.equal(ok.report.stop.exitCode, 0, 'the endpoint stops with the host on SIGTERM');

      // 4. The loop blocks 3 s after start: no beats, 503 after the 2 s threshold, killed 2 periods after the first failure.
      const blocked = writeWorkerChart(join(work, `${fixture}-blocked`), { env: { Worker__BlockAfterSeconds: '3' }, grace: 3 });
      const hung = await preflight(`${tag}:after`, blocked, 40);
      assert.equal(hung.code, 1);
      const live = hung.report.checks.filter((c: any) => c.kind === 'liveness');
      const failed = live.filter((c: any) => !c.ok);
      assert.equal(failed.length, 3, JSON.stringify(live));
      assert.ok(failed.every((c: any) => c.status === 503), JSON.stringify(failed));
      const kill = hung.report.events.find((e: any) => e.what === 'killed');
      assert.ok(kill && Math.abs(kill.at - failed[0].at - 4000) < 500, JSON.stringify(hung.report.events));
      assert.match(hung.report.problems.find((p: any) => p.kind === 'killed').message, /3 liveness checks failed in a row \(failureThreshold 3, every 2 s\); the last one: HTTP probe failed with statuscode: 503\./);
      console.log(`      ${fixture}: 503 from ${(failed[0].at / 1000).toFixed(1)} s, killed at ${(kill.at / 1000).toFixed(1)} s`);
    });
  }
});
