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
import { childEnv, rigEnv } from '../rig/tests/rig';
import { buildDotnetStandIns } from './dotnetStandIn';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');

/** Files in an image, without running it: docker create + docker export. */
function imageFiles(env: NodeJS.ProcessEnv, ref: string): string[] {
  const id = execFileSync('docker', ['create', ref], { env, encoding: 'utf8' }).trim();
  try {
    const tar = spawnSync('sh', ['-c', `docker export ${id} | tar -t`], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return tar.stdout.split('\n').filter(Boolean);
  } finally {
    execFileSync('docker', ['rm', id], { env });
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
    await buildDotnetStandIns({ env, busybox: rig().RIG_BUSYBOX ?? '/bin/busybox' });
    work = mkdtempSync(join(tmpdir(), 'aksw-image-'));
    cpSync(fixture, work, { recursive: true });
    rmSync(join(work, 'src/SampleWorker/Dockerfile'));
    rmSync(join(work, '.dockerignore'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('the generated Dockerfile builds unchanged, and the final image holds the published worker', async () => {
    const plan = await planDockerfile(join(work, 'src/SampleWorker/SampleWorker.csproj'));
    await writeDockerfilePlan(plan);
    const lines: string[] = [];
    const result = await buildImage(
      { dockerfile: plan.dockerfile, context: plan.context, tags: [`${repo}:0.0.1`], extraArgs: ['--network', 'none'] },
      { env, sink: { info: (l) => lines.push(l) } },
    );
    assert.ok(result.state.stepCount && result.state.stepCount >= 10, `steps: ${result.state.stepCount}`);
    const details = await inspectImage(`${repo}:0.0.1`, { env });
    assert.match(details.id, /^sha256:/);
    assert.equal(details.os, 'linux');
    const files = imageFiles(env, `${repo}:0.0.1`);
    assert.ok(files.includes('app/SampleWorker.dll'), files.filter((f) => f.startsWith('app')).join(', '));
    assert.ok(!files.some((f) => f.startsWith('src/')), 'sources must not reach the final stage');
    assert.ok(lines.some((l) => /restore/.test(l)));
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
