// The rig's kubelet on real containers (runtime "docker"): pulls from the auth registry with the
// node's credentials once attached (az aks update --attach-acr) or with imagePullSecrets, real
// probes, kills with SIGTERM + grace + SIGKILL, exit codes, OOMKilled, logs and port-forward.
// Images are scratch + busybox, pushed to the rig's registry; everything runs in real time.
/* eslint-disable @typescript-eslint/no-explicit-any -- arbitrary Kubernetes JSON from the real CLIs */
import * as assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { nanoCpus, quantityBytes, registryOf, splitImage } from '../server/runtime';
import { childEnv, control, kubectl, kubectlJson, ok, rigEnv, Streamer, tmp, waitFor } from './rig';

const NS = 'rt-real';
let image = '';
let tagN = 0;

/** A fresh tag of the busybox image in the auth registry (the node has not pulled it yet). */
async function freshTag(): Promise<string> {
  const env = childEnv();
  const ref = `${rigEnv().RIG_REGISTRY}/rt-busybox:t${process.pid}-${++tagN}`;
  await ok('docker', ['tag', image, ref], { env });
  await ok('docker', ['push', '-q', ref], { env: loginEnv });
  return ref;
}
let loginEnv: NodeJS.ProcessEnv;

/** A fresh tag, with the registry attached to the node (each test stands alone). */
async function attachedTag(): Promise<string> {
  await az(['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--attach-acr', 'rigacr']);
  return freshTag();
}

function pod(name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { containers: [{ name: 'main', ...container }], ...spec } });
}
const apply = (manifest: string) => kubectl(['apply', '-f', '-'], { env: childEnv(), input: manifest });
const get = (name: string) => kubectlJson(['get', 'pod', '-n', NS, name]);
const events = async (name: string): Promise<any[]> => (await kubectlJson(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name}`])).items;
const msgs = (evs: any[], reason?: string) => evs.filter((e) => !reason || e.reason === reason).map((e) => `${e.reason}: ${e.message}`);
const cs = (p: any) => p.status?.containerStatuses?.[0] ?? {};
const az = (args: string[]) => ok(rigEnv().RIG_AZ!, args, { env: childEnv() });

describe('rig: kubelet on real containers', function () {
  this.timeout(180_000);

  before(async () => {
    const env = childEnv();
    // a private docker config, logged in to the auth registry, for pushing
    loginEnv = childEnv({ DOCKER_CONFIG: tmp('rt-dockercfg') });
    await ok('docker', ['login', rigEnv().RIG_REGISTRY!, '-u', rigEnv().RIG_REGISTRY_USER!, '--password-stdin'], { env: loginEnv, input: rigEnv().RIG_REGISTRY_PASSWORD! });
    const dir = tmp('rt-busybox');
    copyFileSync(rigEnv().RIG_BUSYBOX!, join(dir, 'busybox'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["/bin/sh"]\n');
    image = 'rig.local/rt-busybox:1';
    await ok('docker', ['build', '-q', '--network', 'none', '-t', image, dir], { env: { ...env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['annotate', 'namespace', NS, 'rig.aks-worker.test/runtime=docker']);
    await az(['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--detach-acr', 'rigacr']);
  });

  after(async () => {
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
    await az(['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--detach-acr', 'rigacr']).catch(() => undefined);
  });

  it('an unattached registry refuses the node: ErrImagePull, then ImagePullBackOff with the registry message; attaching lets the next pull through', async () => {
    const ref = await freshTag();
    await apply(pod('pull', { image: ref, command: ['sh', '-c', 'echo up; exec sleep 600'] }));
    const waiting = await waitFor('ImagePullBackOff', async () => {
      const w = cs(await get('pull')).state?.waiting;
      return w?.reason === 'ImagePullBackOff' ? w : undefined;
    });
    assert.match(waiting.message, new RegExp(`^Back-off pulling image "${ref.replace(/[.:/]/g, '\\$&')}": ErrImagePull: .*no basic auth credentials`));
    const evs = await events('pull');
    assert.ok(msgs(evs, 'Pulling').some((m) => m.includes(`Pulling image "${ref}"`)), msgs(evs).join('\n'));
    assert.ok(msgs(evs, 'Failed').some((m) => m.startsWith(`Failed: Failed to pull image "${ref}": `) && /no basic auth credentials/.test(m)), msgs(evs).join('\n'));
    assert.ok(msgs(evs, 'Failed').includes('Failed: Error: ErrImagePull'), msgs(evs).join('\n'));
    assert.ok(msgs(evs, 'Failed').includes('Failed: Error: ImagePullBackOff'), msgs(evs).join('\n'));
    assert.ok(msgs(evs, 'BackOff').some((m) => m.includes(`Back-off pulling image "${ref}"`)), msgs(evs).join('\n'));

    await az(['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--attach-acr', 'rigacr']);
    const running = await waitFor('the pod to run after attach', async () => ((await get('pull')).status?.phase === 'Running' && cs(await get('pull')).state?.running ? get('pull') : undefined), 40_000, 500);
    assert.equal(cs(running).restartCount, 0);
    assert.match(cs(running).containerID, /^docker:\/\/[0-9a-f]{64}$/);
    const pulled = msgs(await events('pull'), 'Pulled');
    assert.ok(pulled.some((m) => new RegExp(`Successfully pulled image "${ref.replace(/[.:/]/g, '\\$&')}" in [0-9.]+m?s`).test(m)), pulled.join('\n'));
    assert.equal((await kubectl(['logs', '-n', NS, 'pull'])).trim(), 'up');

    // detached again: a tag the node has not pulled is refused
    await az(['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--detach-acr', 'rigacr']);
    const ref2 = await freshTag();
    await apply(pod('pull2', { image: ref2, command: ['sleep', '600'] }));
    await waitFor('ErrImagePull after detach', async () => /ErrImagePull|ImagePullBackOff/.test(cs(await get('pull2')).state?.waiting?.reason ?? ''));
  });

  it('imagePullSecrets let a pod pull without the node; a missing tag says manifest unknown', async () => {
    const ref = await freshTag();
    const e = rigEnv();
    await kubectl(['create', 'secret', 'docker-registry', 'acr', '-n', NS, `--docker-server=${e.RIG_REGISTRY}`, `--docker-username=${e.RIG_REGISTRY_USER}`, `--docker-password=${e.RIG_REGISTRY_PASSWORD}`]);
    await apply(pod('secret', { image: ref, command: ['sleep', '600'] }, { imagePullSecrets: [{ name: 'acr' }] }));
    await waitFor('the pod to run with the pull secret', async () => cs(await get('secret')).state?.running, 30_000, 500);
    await apply(pod('missing', { image: `${e.RIG_REGISTRY}/rt-busybox:no-such-tag` }, { imagePullSecrets: [{ name: 'acr' }] }));
    const w = await waitFor('ErrImagePull', async () => cs(await get('missing')).state?.waiting?.message);
    assert.match(w, /manifest for .*rt-busybox:no-such-tag not found: manifest unknown/);
  });

  it('probes reach the real process (httpGet, exec); a liveness kill restarts it and --previous has its real output', async () => {
    const ref = await attachedTag();
    // serves /healthz for 4 s, then the file goes: 404 from then on
    const script = 'mkdir -p /www && echo ok > /www/healthz && echo "serving health"; (sleep 4; rm /www/healthz; echo "health file removed") & exec httpd -f -p 8080 -h /www';
    await apply(
      pod('live', {
        image: ref,
        command: ['sh', '-c', script],
        ports: [{ name: 'http', containerPort: 8080 }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 },
        readinessProbe: { exec: { command: ['cat', '/www/healthz'] }, periodSeconds: 1 },
      }, { terminationGracePeriodSeconds: 2 }),
    );
    await waitFor('the pod to get ready', async () => cs(await get('live')).ready === true, 30_000, 300);
    const restarted = await waitFor('a restart after the liveness kill', async () => {
      const c = cs(await get('live'));
      return c.restartCount >= 1 && c.lastState?.terminated ? c : undefined;
    }, 40_000, 300);
    // httpd runs as PID 1 with no SIGTERM handler, so the kernel drops the SIGTERM: SIGKILL after the
    // 2 s grace period (137), as on a node
    assert.equal(restarted.lastState.terminated.exitCode, 137, JSON.stringify(restarted.lastState));
    const ran = (Date.parse(restarted.lastState.terminated.finishedAt) - Date.parse(restarted.lastState.terminated.startedAt)) / 1000;
    assert.ok(ran >= 4 + 2 + 2, `ran ${ran} s: 4 s healthy, 3 failures 1 s apart, 2 s grace`);
    assert.equal(restarted.lastState.terminated.reason, 'Error');
    const evs = await events('live');
    const unhealthy = evs.filter((x) => x.reason === 'Unhealthy' && x.message.startsWith('Liveness probe failed'));
    assert.ok(unhealthy.some((x) => /^Liveness probe failed: HTTP probe failed with statuscode: 404$/.test(x.message)), msgs(evs).join('\n'));
    assert.ok(msgs(evs, 'Killing').includes('Killing: Container main failed liveness probe, will be restarted'), msgs(evs).join('\n'));
    // the exec readiness probe ran in the container: cat's own message
    assert.ok(msgs(evs, 'Unhealthy').some((m) => /^Unhealthy: Readiness probe failed: cat: can't open '\/www\/healthz': No such file or directory$/.test(m)), msgs(evs).join('\n'));
    // the restarted container may already be failing again: three Unhealthy per Killing, plus up to two
    const fails = unhealthy.reduce((n, x) => n + (x.count ?? 1), 0);
    const kills = evs.filter((x) => x.reason === 'Killing').reduce((n, x) => n + (x.count ?? 1), 0);
    assert.ok(fails >= 3 * kills && fails < 3 * (kills + 1), `${fails} Unhealthy for ${kills} Killing`);
    const previous = await kubectl(['logs', '-n', NS, 'live', '--previous']);
    assert.match(previous, /serving health\n[\s\S]*health file removed/);
  });

  it('a pod deletion gives SIGTERM and the grace period: a drain longer than the grace is SIGKILLed (137), a shorter one exits 0', async () => {
    const ref = await attachedTag();
    const drain = 'trap "echo draining; sleep 3; echo drained; exit 0" TERM; echo up; while true; do sleep 0.2; done';
    await apply(pod('short-grace', { image: ref, command: ['sh', '-c', drain] }, { terminationGracePeriodSeconds: 1 }));
    await apply(pod('long-grace', { image: ref, command: ['sh', '-c', drain] }, { terminationGracePeriodSeconds: 10 }));
    const ids: string[] = [];
    for (const p of ['short-grace', 'long-grace']) {
      await waitFor(`${p} to run`, async () => cs(await get(p)).state?.running && (await kubectl(['logs', '-n', NS, p])).includes('up'), 30_000, 300);
      ids.push(String(cs(await get(p)).containerID).replace('docker://', ''));
    }
    await kubectl(['delete', 'pod', '-n', NS, 'short-grace', 'long-grace', '--wait=false']);
    const exits = await waitFor('both containers to exit', async () => {
      const recs = (await control('GET', 'node')).containers.filter((r: any) => ids.includes(r.id));
      return recs.length === 2 ? Object.fromEntries(recs.map((r: any) => [r.pod, r])) : undefined;
    }, 30_000, 300);
    assert.equal(exits['short-grace'].exitCode, 137);
    assert.equal(exits['long-grace'].exitCode, 0);
    const took = (r: any) => (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
    assert.ok(took(exits['long-grace']) >= 3, 'the drain ran to its end');
    await waitFor('both pods to go', async () => (await kubectlJson(['get', 'pods', '-n', NS])).items.every((p: any) => !/-grace$/.test(p.metadata.name)), 30_000, 300);
  });

  it('over its memory limit a container is OOMKilled (137); a crash keeps its exit code and logs, then CrashLoopBackOff', async () => {
    const ref = await attachedTag();
    await apply(pod('oom', { image: ref, command: ['sh', '-c', 'echo filling; x=$(head -c 100m /dev/zero | tr "\\0" a); echo never'], resources: { limits: { memory: '32Mi' } } }));
    await apply(pod('crash', { image: ref, command: ['sh', '-c', 'echo "fail: unhandled exception"; exit 3'] }));
    const oom = await waitFor('OOMKilled', async () => cs(await get('oom')).lastState?.terminated ?? (cs(await get('oom')).state?.terminated?.reason === 'OOMKilled' ? cs(await get('oom')).state.terminated : undefined), 40_000, 300);
    assert.equal(oom.reason, 'OOMKilled');
    assert.equal(oom.exitCode, 137);
    const crash = await waitFor('CrashLoopBackOff', async () => {
      const c = cs(await get('crash'));
      return c.state?.waiting?.reason === 'CrashLoopBackOff' ? c : undefined;
    }, 40_000, 300);
    assert.equal(crash.lastState.terminated.exitCode, 3);
    assert.equal(crash.lastState.terminated.reason, 'Error');
    assert.match(await kubectl(['logs', '-n', NS, 'crash', '--previous']), /fail: unhandled exception/);
  });

  it('kubectl port-forward reaches the real port; probes name a port nothing listens on', async () => {
    const ref = await attachedTag();
    await apply(
      pod('pf', {
        image: ref,
        command: ['sh', '-c', 'mkdir -p /www && echo real-container > /www/index.html && exec httpd -f -p 8080 -h /www'],
        ports: [{ containerPort: 8080 }],
        readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1 },
      }),
    );
    const evs = await waitFor('a readiness failure', async () => {
      const e = await events('pf');
      return e.some((x) => x.reason === 'Unhealthy') ? e : undefined;
    }, 30_000, 300);
    const p = await get('pf');
    assert.ok(msgs(evs, 'Unhealthy').includes(`Unhealthy: Readiness probe failed: dial tcp ${p.status.podIP}:9999: connect: connection refused`), msgs(evs).join('\n'));
    const pf = new Streamer(rigEnv().RIG_KUBECTL!, ['port-forward', '-n', NS, 'pod/pf', ':8080'], childEnv());
    try {
      const port = await waitFor('port-forward to listen', async () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(pf.out)?.[1] ?? 0), 20_000, 200);
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let s = '';
          res.on('data', (d: Buffer) => (s += d.toString()));
          res.on('end', () => resolve(s));
        }).on('error', reject);
      });
      assert.equal(body.trim(), 'real-container');
    } finally {
      await pf.stop();
    }
  });
});

describe('rig: the runtime\'s reading of Kubernetes values', () => {
  it('memory and CPU quantities', () => {
    assert.equal(quantityBytes('128Mi'), 128 * 1024 * 1024);
    assert.equal(quantityBytes('1G'), 1e9);
    assert.equal(quantityBytes('500k'), 500_000);
    assert.equal(quantityBytes('1.5Gi'), 1.5 * 1024 ** 3);
    assert.equal(quantityBytes(1048576), 1048576);
    assert.equal(quantityBytes('lots'), undefined);
    assert.equal(nanoCpus('500m'), 5e8);
    assert.equal(nanoCpus('2'), 2e9);
    assert.equal(nanoCpus(0.25), 2.5e8);
    assert.equal(nanoCpus('x'), undefined);
  });
  it('image references: registry, name and tag as Docker resolves them', () => {
    assert.deepEqual(splitImage('127.0.0.1:5000/app:1.0'), { name: '127.0.0.1:5000/app', tag: '1.0' });
    assert.deepEqual(splitImage('127.0.0.1:5000/app'), { name: '127.0.0.1:5000/app', tag: 'latest' });
    assert.deepEqual(splitImage('x.azurecr.io/team/app@sha256:abc'), { name: 'x.azurecr.io/team/app', tag: 'sha256:abc' });
    assert.equal(registryOf('127.0.0.1:5000/app:1.0'), '127.0.0.1:5000');
    assert.equal(registryOf('x.azurecr.io/app'), 'x.azurecr.io');
    assert.equal(registryOf('localhost/app'), 'localhost');
    assert.equal(registryOf('library/busybox'), 'docker.io');
    assert.equal(registryOf('busybox:1'), 'docker.io');
  });
});
