import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acrToken } from '../../src/tools/az';
import { ACR_TOKEN_USER } from '../../src/tools/az';
import { buildImage, inspectImage, login, pushImage, tagImage } from '../../src/tools/docker';
import { planDockerfile, writeDockerfilePlan } from '../../src/tools/dotnetProject';
import { ActionableError, ToolCancelledError } from '../../src/tools/errors';
import { childEnv, rigEnv, waitFor } from '../rig/tests/rig';
import { ensureDotnetImages } from '../support/dotnetImages';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');

/** `docker ARGS` against the rig's engine: its stdout, trimmed (throws unless it exits 0). */
function docker(env: NodeJS.ProcessEnv, args: string[]): string {
  return execFileSync('docker', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Files in an image, without running it: docker create + docker export. */
function imageFiles(env: NodeJS.ProcessEnv, ref: string): string[] {
  const id = docker(env, ['create', ref]);
  const dir = mkdtempSync(join(tmpdir(), 'aksw-export-'));
  try {
    docker(env, ['export', '-o', join(dir, 'image.tar'), id]);
    return execFileSync('tar', ['-tf', join(dir, 'image.tar')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter(Boolean);
  } finally {
    docker(env, ['rm', id]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function registryTags(registry: string, repo: string, user: string, password: string): Promise<string[]> {
  const res = await fetch(`http://${registry}/v2/${repo}/tags/list`, { headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { tags: string[] }).tags;
}

describe('image step against the real docker engine and registry', function () {
  this.timeout(300_000);
  let env: NodeJS.ProcessEnv;
  let work: string;
  const rig = () => rigEnv();
  const repo = `sampleworker-${process.pid}`;

  before(async () => {
    env = childEnv();
    // The real .NET images, made from this machine's SDK (no image can be pulled here).
    await ensureDotnetImages({ env });
    work = mkdtempSync(join(tmpdir(), 'aksw-image-'));
    cpSync(fixture, work, { recursive: true });
    rmSync(join(work, 'src/SampleWorker/Dockerfile'));
    rmSync(join(work, '.dockerignore'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('the generated Dockerfile builds unchanged with the real SDK, and the final image holds the published worker', async () => {
    const plan = await planDockerfile(join(work, 'src/SampleWorker/SampleWorker.csproj'));
    await writeDockerfilePlan(plan);
    const lines: string[] = [];
    const started = Date.now();
    // --no-cache: the real restore, build and publish run every time, not an earlier run's layers
    const result = await buildImage(
      { dockerfile: plan.dockerfile, context: plan.context, tags: [`${repo}:0.0.1`], extraArgs: ['--network', 'none', '--no-cache'] },
      { env, sink: { info: (l) => lines.push(l) } },
    );
    console.log(`      sample worker image built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(result.state.stepCount && result.state.stepCount >= 10, `steps: ${result.state.stepCount}`);
    // the real dotnet restore (offline, from the seeded packages), build and publish ran
    assert.ok(lines.some((l) => /Restored \/src\/src\/SampleWorker\/SampleWorker\.csproj/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /SampleWorker -> \/app\/publish\//.test(l)), lines.join('\n'));
    const details = await inspectImage(`${repo}:0.0.1`, { env });
    assert.match(details.id, /^sha256:/);
    assert.equal(details.os, 'linux');
    const files = imageFiles(env, `${repo}:0.0.1`);
    assert.ok(files.includes('app/SampleWorker.dll'), files.filter((f) => f.startsWith('app')).join(', '));
    assert.ok(files.includes('app/SampleWorker.runtimeconfig.json'), 'a real publish writes the runtimeconfig');
    assert.ok(!files.some((f) => f.startsWith('src/')), 'sources must not reach the final stage');
    assert.ok(lines.some((l) => /restore/.test(l)));
  });

  it('the final image starts: the worker runs as the app user and /healthz answers Healthy', async () => {
    const id = docker(env, ['run', '-d', '--network', 'none', `${repo}:0.0.1`]);
    try {
      const logs = await waitFor(
        'the worker to start',
        async () => {
          const r = spawnSync('docker', ['logs', id], { env, encoding: 'utf8' });
          const text = r.stdout + r.stderr;
          return /Worker running at/.test(text) && /Application started/.test(text) ? text : undefined;
        },
        60_000,
        500,
      );
      assert.match(logs, /Now listening on: http:\/\/\[::\]:8080/);
      assert.equal(docker(env, ['exec', id, 'wget', '-qO-', 'http://127.0.0.1:8080/healthz']), 'Healthy');
      assert.equal(docker(env, ['exec', id, 'id', '-u']), '1654');
    } finally {
      spawnSync('docker', ['rm', '-f', id], { env });
    }
  });

  it('on the runtime image instead of aspnet the worker fails at start, naming Microsoft.AspNetCore.App', async () => {
    const text = readFileSync(join(work, 'src/SampleWorker/Dockerfile'), 'utf8');
    const base = /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:(\S+) AS base$/m;
    assert.match(text, base);
    writeFileSync(join(work, 'Dockerfile.runtime'), text.replace(base, 'FROM mcr.microsoft.com/dotnet/runtime:$1 AS base'));
    await buildImage({ dockerfile: join(work, 'Dockerfile.runtime'), context: work, tags: [`${repo}:runtime`], extraArgs: ['--network', 'none'] }, { env });
    const r = spawnSync('docker', ['run', '--rm', '--network', 'none', `${repo}:runtime`], { env, encoding: 'utf8', timeout: 60_000 });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, out);
    assert.match(out, /You must install or update \.NET to run this application/);
    assert.match(out, /Framework: 'Microsoft\.AspNetCore\.App', version '8\.0\.0' \(x64\)/);
    docker(env, ['rmi', `${repo}:runtime`]);
  });

  it('a wrong COPY path fails the build and names the step', async () => {
    const dockerfile = join(work, 'src/SampleWorker/Dockerfile');
    const broken = readFileSync(dockerfile, 'utf8').replace('COPY ["src/SampleWorker/SampleWorker.csproj"', 'COPY ["SampleWorker/SampleWorker.csproj"');
    writeFileSync(join(work, 'Dockerfile.broken'), broken);
    await assert.rejects(
      buildImage({ dockerfile: join(work, 'Dockerfile.broken'), context: work, tags: [`${repo}:broken`], extraArgs: ['--network', 'none'] }, { env }),
      (err: unknown) => {
        assert.ok(err instanceof ActionableError, String(err));
        assert.equal(err.code, 'build-failed');
        assert.match(err.message, /COPY/);
        return true;
      },
    );
  });

  it('the wrong build context fails at restore, as it would for a user', async () => {
    await assert.rejects(
      buildImage({ dockerfile: join(work, 'src/SampleWorker/Dockerfile'), context: join(work, 'src/SampleWorker'), tags: [`${repo}:ctx`], extraArgs: ['--network', 'none'] }, { env }),
      (err: unknown) => err instanceof ActionableError && err.code === 'build-failed',
    );
  });

  it('logs in through the az stand-in, pushes, and the registry lists the tag; a second push reuses layers', async () => {
    const r = rig();
    const { accessToken, loginServer } = await acrToken('rigacr', { paths: { az: r.RIG_AZ }, env });
    assert.equal(loginServer, r.RIG_REGISTRY);
    const logged: string[] = [];
    await login(loginServer, ACR_TOKEN_USER, accessToken, { env, sink: { info: (l) => logged.push(l) } });
    for (const l of logged) assert.ok(!l.includes(accessToken));
    const target = `${loginServer}/${repo}:0.0.1`;
    await tagImage(`${repo}:0.0.1`, target, { env });
    const first = await pushImage(target, { env });
    assert.match(first.digest ?? '', /^sha256:[a-f0-9]{64}$/);
    // Layers pushed by an earlier run to another repository may be mounted rather than uploaded.
    assert.ok(first.uploaded + first.reused >= 3, `uploaded ${first.uploaded}, reused ${first.reused}`);
    assert.deepEqual(await registryTags(loginServer, repo, ACR_TOKEN_USER, accessToken), ['0.0.1']);

    // 0.0.2: the same image with one more layer on top.
    const ctx = mkdtempSync(join(tmpdir(), 'aksw-v2-'));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${repo}:0.0.1\nCOPY note.txt /app/note.txt\n`);
    writeFileSync(join(ctx, 'note.txt'), `v2 ${process.pid} ${Date.now()}\n`); // a layer no earlier run pushed
    await buildImage({ dockerfile: join(ctx, 'Dockerfile'), context: ctx, tags: [`${loginServer}/${repo}:0.0.2`] }, { env });
    rmSync(ctx, { recursive: true, force: true });
    const second = await pushImage(`${loginServer}/${repo}:0.0.2`, { env });
    assert.equal(second.uploaded, 1);
    assert.ok(second.reused >= 1, `reused ${second.reused}`);
    assert.deepEqual((await registryTags(loginServer, repo, ACR_TOKEN_USER, accessToken)).sort(), ['0.0.1', '0.0.2']);
  });

  it('wrong credentials give the mapped error', async () => {
    const r = rig();
    const cfg = mkdtempSync(join(tmpdir(), 'aksw-dockercfg-'));
    try {
      await assert.rejects(login(r.RIG_REGISTRY, ACR_TOKEN_USER, 'wrong-password', { env: { ...env, DOCKER_CONFIG: cfg } }), (err: unknown) => {
        assert.ok(err instanceof ActionableError, String(err));
        assert.equal(err.code, 'registry-unauthorized');
        assert.ok(!err.message.includes('wrong-password'));
        return true;
      });
      // Pushing with no login at all: the registry answers 401.
      await tagImage(`${repo}:0.0.1`, `${r.RIG_REGISTRY}/${repo}:nologin`, { env });
      await assert.rejects(pushImage(`${r.RIG_REGISTRY}/${repo}:nologin`, { env: { ...env, DOCKER_CONFIG: cfg } }), (err: unknown) => err instanceof ActionableError && err.code === 'registry-unauthorized');
    } finally {
      rmSync(cfg, { recursive: true, force: true });
    }
  });

  it('cancelling a build ends it and leaves no docker child behind', async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'aksw-cancel-'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN sleep 60\n');
    const controller = new AbortController();
    const pids: number[] = [];
    const started = Date.now();
    const run = buildImage(
      {
        dockerfile: join(ctx, 'Dockerfile'),
        context: ctx,
        tags: [`${repo}:cancel`],
        extraArgs: ['--network', 'none'],
        onProgress: (s) => {
          if (/RUN sleep 60/.test(s.currentStep ?? '') && !controller.signal.aborted) setTimeout(() => controller.abort(), 500);
        },
      },
      { env, signal: controller.signal },
    );
    await assert.rejects(run, ToolCancelledError);
    assert.ok(Date.now() - started < 30_000, 'cancel took too long');
    const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    for (const line of ps.split('\n')) if (line.includes(`-t ${repo}:cancel`)) pids.push(Number(line.trim().split(/\s+/)[0]));
    assert.deepEqual(pids, [], ps);
    rmSync(ctx, { recursive: true, force: true });
  });
});
