// Real docker CLI + dockerd + registries: build from a local base (scratch + busybox), tag, login
// with a wrong then the right password, push, and the registry's tags list.
import * as assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { childEnv, ok, rigEnv, run, tmp } from './rig';

function get(url: string, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('rig: docker build, login, push', function () {
  this.timeout(300_000);
  let env: NodeJS.ProcessEnv;
  let docker: string;
  const tag = `${Date.now()}`;

  before(() => {
    const e = rigEnv();
    docker = e.RIG_DOCKER!;
    // its own DOCKER_CONFIG so logins from this test do not leak into others
    const cfg = tmp('dockercfg');
    env = childEnv({ DOCKER_CONFIG: cfg });
  });

  it('talks to the rig dockerd', async () => {
    const v = JSON.parse(await ok(docker, ['version', '--format', '{{json .Server}}'], { env }));
    assert.match(v.Version, /^20\.10/);
    const info = await ok(docker, ['info', '--format', '{{.Driver}}'], { env });
    assert.equal(info.trim(), rigEnv().RIG_DOCKER_STORAGE_DRIVER);
  });

  it('builds a base image from scratch + busybox, then an app image on it', async () => {
    const base = tmp('base');
    copyFileSync(rigEnv().RIG_BUSYBOX!, join(base, 'busybox'));
    writeFileSync(join(base, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["/bin/sh"]\n');
    await ok(docker, ['build', '--network', 'none', '-t', 'rig-base:1', base], { env });
    const app = tmp('app');
    writeFileSync(join(app, 'Dockerfile'), `FROM rig-base:1\nRUN echo "worker ${tag}" > /version.txt\nCMD ["/bin/cat", "/version.txt"]\n`);
    const b = await run(docker, ['build', '--network', 'none', '-t', `rig-app:${tag}`, app], { env });
    assert.equal(b.code, 0, b.stderr);
    const out = await ok(docker, ['run', '--rm', '--network', 'none', `rig-app:${tag}`], { env });
    assert.equal(out.trim(), `worker ${tag}`);
  });

  it('refuses a wrong password, accepts the right one, pushes, and lists tags', async () => {
    const e = rigEnv();
    const reg = e.RIG_REGISTRY!;
    const image = `${reg}/aks-worker/app-${tag}:${tag}`;
    await ok(docker, ['tag', `rig-app:${tag}`, image], { env });
    const denied = await run(docker, ['push', image], { env });
    assert.notEqual(denied.code, 0, 'push without login must fail');
    const bad = await run(docker, ['login', reg, '-u', e.RIG_REGISTRY_USER!, '--password-stdin'], { env, input: 'not-the-token\n' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /401 Unauthorized|unauthorized/i);
    const good = await run(docker, ['login', reg, '-u', e.RIG_REGISTRY_USER!, '--password-stdin'], { env, input: `${e.RIG_REGISTRY_PASSWORD}\n` });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);
    const push = await ok(docker, ['push', image], { env });
    assert.match(push, new RegExp(`${tag}: digest: sha256:[0-9a-f]{64} size: \\d+`));
    assert.match(push, /Pushed/);
    const unauth = await get(`http://${reg}/v2/aks-worker/app-${tag}/tags/list`);
    assert.equal(unauth.status, 401);
    const tags = await get(`http://${reg}/v2/aks-worker/app-${tag}/tags/list`, `${e.RIG_REGISTRY_USER}:${e.RIG_REGISTRY_PASSWORD}`);
    assert.equal(tags.status, 200);
    assert.deepEqual(JSON.parse(tags.body), { name: `aks-worker/app-${tag}`, tags: [tag] });
    // RepoDigests after the push
    const inspect = JSON.parse(await ok(docker, ['image', 'inspect', image], { env }));
    assert.ok(inspect[0].RepoDigests.some((d: string) => d.startsWith(`${reg}/aks-worker/app-${tag}@sha256:`)));
  });

  it('pushes to the registry without auth', async () => {
    const reg = rigEnv().RIG_REGISTRY_OPEN!;
    const image = `${reg}/open/app-${tag}:${tag}`;
    await ok(docker, ['tag', `rig-app:${tag}`, image], { env });
    await ok(docker, ['push', image], { env });
    const tags = await get(`http://${reg}/v2/open/app-${tag}/tags/list`);
    assert.deepEqual(JSON.parse(tags.body).tags, [tag]);
  });
});
