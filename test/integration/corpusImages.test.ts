import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../../src/tools/docker';
import { CorpusEntry, copyEntry, readCorpus, requireDotnet } from '../support/corpus';
import { ensureDotnetImages } from '../support/dotnetImages';
import { runCli } from '../support/runCli';
import { childEnv } from '../rig/tests/rig';

/**
 * Every corpus worker that can be built here: its generated Dockerfile builds on the real .NET
 * images (real restore, build, publish, offline), the image starts, logs its start and answers its
 * health endpoint inside its own network namespace. A worker that needs ASP.NET Core fails on the
 * runtime image exactly as it would for a user, which is why the closure decides the image.
 */
describe('corpus workers build and start on the real .NET images', function () {
  this.timeout(900_000);
  const corpus = readCorpus();
  let env: NodeJS.ProcessEnv;
  const dirs: string[] = [];
  const images: string[] = [];
  const containers: string[] = [];
  const docker = (args: string[]) => spawnSync('docker', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

  before(async () => {
    requireDotnet();
    env = childEnv();
    await ensureDotnetImages({ env });
  });
  after(() => {
    for (const c of containers) docker(['rm', '-f', c]);
    for (const i of images) docker(['rmi', '-f', i]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Writes the Dockerfile with the CLI (MSBuild) and builds it; returns the tag and the plan. */
  async function generateAndBuild(entry: CorpusEntry, extra: string[] = [], target?: string): Promise<{ tag: string; plan: { context: string; dockerfile: string; entryPoint: string; base: string } }> {
    const dir = copyEntry(entry, 'aksw-corpus-img-');
    dirs.push(dir);
    const r = await runCli(['dockerfile', join(dir, entry.target), ...entry.args, ...extra, '--json'], env);
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out) as { context: string; dockerfile: string; entryPoint: string; base: string };
    const tag = `corpus-${entry.name}:${extra.length ? 'variant' : 'test'}-${process.pid}`;
    const t0 = Date.now();
    const lines: string[] = [];
    try {
      await buildImage({ dockerfile: plan.dockerfile, context: plan.context, tags: [tag], extraArgs: ['--network', 'none', ...(target ? ['--target', target] : [])] }, { env, sink: { info: (l) => lines.push(l) } });
    } catch (err) {
      throw new Error(`${entry.name}: docker build failed: ${(err as Error).message}\n--- Dockerfile ---\n${readFileSync(plan.dockerfile, 'utf8')}\n--- last output ---\n${lines.slice(-40).join('\n')}`);
    }
    images.push(tag);
    console.log(`      ${entry.name}: built ${tag} (${plan.base}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { tag, plan };
  }

  /**
   * Tags an empty image (no files, a label that says what it is) as the runtime/aspnet images of a
   * .NET version the rig cannot make, for as long as a --target build needs their FROM to resolve.
   */
  async function runtimePlaceholders(version: string): Promise<{ remove: () => void }> {
    const made: string[] = [];
    for (const kind of ['runtime', 'aspnet']) {
      const tag = `mcr.microsoft.com/dotnet/${kind}:${version}`;
      if (docker(['image', 'inspect', tag]).status === 0) continue;
      const r = spawnSync('docker', ['import', '--change', `LABEL org.opencontainers.image.description="placeholder, not .NET: lets the legacy builder resolve FROM for a --target publish build"`, '-', tag], {
        env,
        input: Buffer.alloc(1024), // an empty tar archive: two zero blocks
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      made.push(tag);
    }
    return { remove: () => made.forEach((t) => docker(['rmi', '-f', t])) };
  }

  /** Runs the image without a network (as the rig's engine has no bridge), waits for `log`. */
  async function start(tag: string, log: RegExp, timeoutMs = 60_000): Promise<{ id: string; logs: string }> {
    const id = execFileSync('docker', ['run', '-d', '--network', 'none', tag], { env, encoding: 'utf8' }).trim();
    containers.push(id);
    const deadline = Date.now() + timeoutMs;
    let logs = '';
    for (;;) {
      const l = docker(['logs', id]);
      logs = `${l.stdout}${l.stderr}`;
      if (log.test(logs)) return { id, logs };
      const running = docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', id]).stdout.trim();
      if (running.startsWith('false') || Date.now() > deadline) return { id, logs: `${logs}\n(state: ${running})` };
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  for (const entry of corpus.filter((e) => e.expect.exit === 0)) {
    const what = !entry.run.build ? `cannot be built here: ${entry.run.why ?? ''}` : entry.run.start ? 'builds, starts and answers' : `builds (${entry.run.why ?? 'not started'})`;
    it(`${entry.name}: ${what}`, async function () {
      if (!entry.run.build) {
        // net7.0: no targeting pack is served here. The evaluation is covered by the .NET suite;
        // here the Dockerfile is only checked to name the 7.0 images.
        const dir = copyEntry(entry, 'aksw-corpus-img-');
        dirs.push(dir);
        const r = await runCli(['dockerfile', join(dir, entry.target), ...entry.args, '--json'], env);
        assert.equal(r.code, 0, r.err);
        const text = readFileSync((JSON.parse(r.out) as { dockerfile: string }).dockerfile, 'utf8');
        assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/sdk:7\.0 AS build$/m);
        return;
      }
      if (!entry.run.start) {
        // No runtime image of this version here (.NET 6): the publish stage must produce the worker.
        // The legacy builder resolves every stage's FROM even with --target, so the runtime tag
        // points at an empty placeholder for this build only: it is never run.
        const version = /^net(\d+\.\d+)$/.exec(entry.expect.targetFramework ?? '')?.[1];
        assert.ok(version, `${entry.name}: a target framework`);
        const placeholders = await runtimePlaceholders(version);
        const { tag, plan } = await generateAndBuild(entry, [], 'publish').finally(() => placeholders.remove());
        const ls = docker(['run', '--rm', '--network', 'none', tag, 'ls', '/app/publish']);
        assert.equal(ls.status, 0, ls.stderr);
        assert.ok(ls.stdout.split('\n').includes(plan.entryPoint), `${plan.entryPoint} in /app/publish: ${ls.stdout}`);
        return;
      }
      const { tag } = await generateAndBuild(entry);
      const { id, logs } = await start(tag, new RegExp(entry.run.log ?? 'Worker started'));
      assert.match(logs, new RegExp(entry.run.log ?? 'Worker started'), `${entry.name} logs:\n${logs}`);
      if (entry.run.health) {
        const url = `http://127.0.0.1:${entry.run.health.port}${entry.run.health.path}`;
        let answer = docker(['exec', id, 'wget', '-q', '-O', '-', url]);
        for (let i = 0; i < 20 && answer.status !== 0; i++) {
          await new Promise((r) => setTimeout(r, 500));
          answer = docker(['exec', id, 'wget', '-q', '-O', '-', url]);
        }
        assert.equal(answer.status, 0, `${url} in ${entry.name}: ${answer.stderr}\nlogs:\n${docker(['logs', id]).stdout}`);
        assert.match(answer.stdout, /Healthy/);
      }
      // The worker stops on SIGTERM within the grace period, as the kubelet will ask it to.
      const t0 = Date.now();
      docker(['stop', '-t', '30', id]);
      const state = docker(['inspect', '-f', '{{.State.ExitCode}}', id]).stdout.trim();
      assert.ok(Date.now() - t0 < 25_000, `${entry.name} took ${Date.now() - t0} ms to stop`);
      assert.equal(state, '0', `${entry.name} exit code after SIGTERM`);
    });
  }

  it('a worker that needs ASP.NET Core through a library dies on the runtime image, as it would for a user', async () => {
    const entry = corpus.find((e) => e.name === 'lib-needs-aspnet');
    assert.ok(entry, 'the corpus has lib-needs-aspnet');
    const { tag, plan } = await generateAndBuild(entry, ['--base', 'runtime']);
    assert.equal(plan.base, 'runtime');
    const { id, logs } = await start(tag, /Microsoft\.AspNetCore\.App/, 30_000);
    assert.match(logs, /Framework: 'Microsoft\.AspNetCore\.App'|Microsoft\.AspNetCore\.App.*not found/, logs);
    const exit = docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', id]).stdout.trim();
    assert.match(exit, /^false [1-9]\d*$/, `the container must have exited with an error: ${exit}`);
  });
});
