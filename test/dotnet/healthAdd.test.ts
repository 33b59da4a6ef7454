import * as assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDotnet } from '../support/corpus';
import { runCli } from '../support/runCli';
import { beatInLoop } from '../support/workerChart';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'plain-workers');

interface Case {
  name: string;
  /** Relative to the fixture's folder. */
  project: string;
  dll: string;
  variant: 'aspnet' | 'listener' | 'webapp';
  packageVersion?: string;
}

const CASES: Case[] = [
  { name: 'net8-default-builder', project: '.', dll: 'bin/Debug/net8.0/Contoso.Mailer.dll', variant: 'listener', packageVersion: '8.0.34' },
  { name: 'net9-aspnet', project: '.', dll: 'bin/Debug/net9.0/Northwind.Reports.dll', variant: 'aspnet' },
  { name: 'net10-cpm-vs', project: 'src/Fabrikam.Sync.Worker', dll: 'bin/Debug/net10.0/Fabrikam.Sync.Worker.dll', variant: 'listener', packageVersion: '10.0.15' },
  { name: 'net10-webapp', project: '.', dll: 'bin/Debug/net10.0/Tailspin.Jobs.dll', variant: 'webapp' },
];

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.end();
  });
}

/** The answer of /healthz when it has that status. */
async function answer(port: number, status: number): Promise<{ status: number; body: string } | undefined> {
  const a = await get(port, '/healthz');
  return a?.status === status ? a : undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Add Health Endpoint on plain workers (no endpoint) for net8.0, net9.0 and net10.0 (one of them a
 * WebApplication already), then a real
 * `dotnet build` and a real run: the endpoint answers 200 Healthy while the loop beats and 503 once
 * the loop blocks past the threshold. The machine's runtime may be newer than a project's framework:
 * the runs roll forward to it (DOTNET_ROLL_FORWARD=Major).
 */
describe('aks-worker health add, built and run (real .NET SDK)', function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  const running: ChildProcess[] = [];
  before(() => requireDotnet());
  afterEach(() => {
    for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.variant} endpoint, builds with no warning from WorkerHealth.cs, 200 Healthy, then 503 when the loop blocks`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `aksw-health-${c.name}-`));
      dirs.push(dir);
      cpSync(join(FIXTURES, c.name), dir, { recursive: true });
      const project = join(dir, c.project);
      const port = await freePort();
      const r = await runCli(['health', 'add', project, '--port', String(port), '--threshold', '2', '--json']);
      assert.equal(r.code, 0, r.err);
      const plan = JSON.parse(r.out) as { variant: string; packageVersion?: string; evaluatedBy: string; beatHint?: { file: string } };
      assert.equal(plan.evaluatedBy, 'msbuild');
      assert.equal(plan.variant, c.variant);
      assert.equal(plan.packageVersion, c.packageVersion);
      assert.ok(plan.beatHint, 'the loop to beat in is named');
      beatInLoop(plan.beatHint.file);

      const build = spawnSync('dotnet', ['build', project, '-nologo', '-clp:NoSummary', '-v', 'q'], { encoding: 'utf8', cwd: dir, timeout: 240_000 });
      const output = `${build.stdout}${build.stderr}`;
      assert.equal(build.status, 0, `dotnet build ${c.name}:\n${output}`);
      assert.doesNotMatch(output, /WorkerHealth\.cs.*warning/i, 'no warning from the generated file');
      assert.doesNotMatch(output, /warning NU\d+/, 'the package restores cleanly');

      const log: string[] = [];
      const child = spawn('dotnet', [join(project, c.dll)], {
        cwd: project,
        // A WebApplication serves on its own port: the one the container images set, here the test's.
        env: { ...process.env, DOTNET_ROLL_FORWARD: 'Major', Worker__BlockAfterSeconds: '6', DOTNET_ENVIRONMENT: 'Production', ASPNETCORE_ENVIRONMENT: 'Production', ASPNETCORE_URLS: `http://127.0.0.1:${port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.push(child);
      child.stdout!.on('data', (b: Buffer) => log.push(b.toString()));
      child.stderr!.on('data', (b: Buffer) => log.push(b.toString()));
      const where = () => `\n--- worker output ---\n${log.join('').slice(-3000)}`;
      const healthy = await until('200 from /healthz', () => answer(port, 200), 60_000).catch((e: Error) => {
        throw new Error(`${e.message}${where()}`);
      });
      assert.equal(healthy.body, 'Healthy');
      assert.equal((await get(port, '/nothing-here'))?.status, 404, 'other paths: 404');
      const started = Date.now();
      const sick = await until('503 once the loop blocks', () => answer(port, 503), 30_000).catch((e: Error) => {
        throw new Error(`${e.message}${where()}`);
      });
      assert.equal(sick.body, 'Unhealthy');
      // The console logger writes from a queue: the line may come a moment after the answer.
      await until('the log to say why', async () => (/no beat from the worker loop for \d+\.\d s \(threshold 2 s\)/.test(log.join('')) ? true : undefined), 10_000).catch((e: Error) => {
        throw new Error(`${e.message}${where()}`);
      });
      console.log(`      ${c.name}: 503 ${((Date.now() - started) / 1000).toFixed(1)} s after the first 200 (the loop blocks 6 s after start; threshold 2 s)`);
    });
  }

  it('the HttpListener endpoint stops cleanly on SIGTERM: the worker exits 0 within a few seconds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aksw-health-stop-'));
    dirs.push(dir);
    cpSync(join(FIXTURES, 'net10-cpm-vs'), dir, { recursive: true });
    const project = join(dir, 'src/Fabrikam.Sync.Worker');
    const port = await freePort();
    const r = await runCli(['health', 'add', project, '--port', String(port)]);
    assert.equal(r.code, 0, r.err);
    beatInLoop(join(project, 'Worker.cs'));
    const build = spawnSync('dotnet', ['build', project, '-nologo', '-v', 'q'], { encoding: 'utf8', cwd: dir, timeout: 240_000 });
    assert.equal(build.status, 0, `${build.stdout}${build.stderr}`);
    const child = spawn('dotnet', [join(project, 'bin/Debug/net10.0/Fabrikam.Sync.Worker.dll')], { cwd: project, env: { ...process.env, DOTNET_ROLL_FORWARD: 'Major' }, stdio: 'ignore' });
    running.push(child);
    await until('200 from /healthz', () => answer(port, 200), 60_000);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 15_000))]);
    assert.equal(code, 0, `exit ${String(code)} after SIGTERM`);
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal(await get(port, '/healthz'), undefined, 'nothing listens any more');
  });
});
