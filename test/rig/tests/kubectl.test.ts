// kubectl against the rig's API server: get (JSON + Table), watch (replay, restart, 410), describe,
/* eslint-disable @typescript-eslint/no-explicit-any -- arbitrary Kubernetes JSON from the real CLIs */
// events (core/v1 count, events.k8s.io/v1 series), logs (current + --previous), fault injection.
import * as assert from 'node:assert/strict';
import { childEnv, control, deploymentManifest, kubectl, kubectlJson, rigEnv, run, sleep, Streamer, waitFor } from './rig';

const HTTP_PROBE = (extra: Record<string, unknown> = {}) => ({ httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, ...extra });

async function apply(manifest: string): Promise<void> {
  await kubectl(['apply', '-f', '-'], { input: manifest, env: childEnv() });
}

async function podsOf(app: string): Promise<any[]> {
  return (await kubectlJson(['get', 'pods', '-l', `app=${app}`])).items;
}

async function readyPod(app: string): Promise<any> {
  return waitFor(`a ready pod of ${app}`, async () => {
    const pods = await podsOf(app);
    return pods.find((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  });
}

describe('rig: kubectl against the rig API server', function () {
  this.timeout(120_000);

  before(async () => {
    rigEnv();
    await control('POST', 'reset');
    await control('POST', 'config', { timeScale: 0.02, bookmarkSeconds: 1 });
  });

  after(async () => {
    await control('POST', 'faults/slow', { ms: 0 });
  });

  it('serves version, discovery and namespaces', async () => {
    const v = JSON.parse(await kubectl(['version', '-o', 'json']));
    assert.equal(v.serverVersion.gitVersion, 'v1.33.0-rig');
    const res = await kubectl(['api-resources', '--no-headers']);
    for (const r of ['pods', 'deployments', 'replicasets', 'secrets', 'configmaps', 'events', 'namespaces']) assert.match(res, new RegExp(`^${r}\\s`, 'm'));
    const ns = await kubectlJson(['get', 'namespaces']);
    assert.ok(ns.items.some((n: any) => n.metadata.name === 'default'));
    await kubectl(['create', 'namespace', 'rig-ns-test']);
    await kubectl(['create', 'configmap', 'cm1', '-n', 'rig-ns-test', '--from-literal=a=b']);
    const cm = await kubectlJson(['get', 'configmap', 'cm1', '-n', 'rig-ns-test']);
    assert.equal(cm.data.a, 'b');
    await kubectl(['delete', 'namespace', 'rig-ns-test']);
    const r = await run(rigEnv().RIG_KUBECTL!, ['get', 'configmap', 'cm1', '-n', 'rig-ns-test']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not found/);
  });

  it('accepts protobuf bodies from kubectl create deployment / run', async () => {
    await kubectl(['create', 'deployment', 'pbdep', '--image=rig.local/worker:1.0.0', '--port=8080', '--replicas=2']);
    const d = await kubectlJson(['get', 'deployment', 'pbdep']);
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.selector.matchLabels, { app: 'pbdep' });
    assert.equal(d.spec.template.metadata.creationTimestamp, undefined);
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 8080 }]);
    await waitFor('2 pods', async () => (await podsOf('pbdep')).length === 2);
    await kubectl(['run', 'pbpod', '--image=rig.local/worker:1.0.0', '--labels=app=pbpod', '--command', '--', '/bin/sh', '-c', 'true']);
    const p = await readyPod('pbpod');
    assert.deepEqual(p.spec.containers[0].command, ['/bin/sh', '-c', 'true']);
    await kubectl(['delete', 'deployment', 'pbdep']);
    await kubectl(['delete', 'pod', 'pbpod']);
  });

  it('applies strategic merge patches by merge key, with $patch directives', async () => {
    await apply(deploymentManifest('smp'));
    const patch = (p: unknown) => kubectl(['patch', 'deployment', 'smp', '--type', 'strategic', '-p', JSON.stringify(p)]);
    await patch({ spec: { template: { spec: { containers: [{ name: 'worker', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } } } });
    await patch({ spec: { template: { spec: { containers: [{ name: 'worker', env: [{ name: 'A', value: '10' }, { name: 'B', $patch: 'delete' }] }, { name: 'sidecar', image: 'rig.local/side:1' }] } } } });
    const d = await kubectlJson(['get', 'deployment', 'smp']);
    const cs = d.spec.template.spec.containers;
    assert.deepEqual(cs.map((c: any) => c.name), ['worker', 'sidecar']);
    assert.equal(cs[0].image, 'rig.local/worker:1.0.0', 'the merge keeps fields the patch does not name');
    assert.deepEqual(cs[0].env, [{ name: 'A', value: '10' }]);
    await kubectl(['patch', 'deployment', 'smp', '--type', 'merge', '-p', '{"metadata":{"labels":{"merged":"yes"}}}']);
    await kubectl(['patch', 'deployment', 'smp', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]']);
    const d2 = await kubectlJson(['get', 'deployment', 'smp']);
    assert.equal(d2.metadata.labels.merged, 'yes');
    assert.equal(d2.spec.replicas, 2);
    await kubectl(['delete', 'deployment', 'smp']);
  });

  it('rejects a wrong token with 401', async () => {
    const r = await run(rigEnv().RIG_KUBECTL!, ['get', 'pods', '--token', 'wrong']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized|must be logged in/i);
  });

  it('creates a deployment whose pods become ready, and prints tables', async () => {
    await apply(deploymentManifest('tbl', { replicas: 2, readiness: HTTP_PROBE() }));
    await waitFor('2 ready pods', async () => (await podsOf('tbl')).filter((p) => p.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True')).length === 2);
    const table = await kubectl(['get', 'pods', '-l', 'app=tbl']);
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
    assert.match(table, /tbl-\w+-\w+\s+1\/1\s+Running\s+0\s+/);
    const dep = await kubectl(['get', 'deployment', 'tbl']);
    assert.match(dep, /tbl\s+2\/2\s+2\s+2/);
    const rs = await kubectlJson(['get', 'rs', '-l', 'app=tbl']);
    assert.equal(rs.items.length, 1);
    assert.equal(rs.items[0].status.readyReplicas, 2);
    await kubectl(['rollout', 'status', 'deployment/tbl', '--timeout=30s']);
    // patch (strategic merge) → new ReplicaSet, old one scaled to 0
    await kubectl(['set', 'image', 'deployment/tbl', 'worker=rig.local/worker:2.0.0']);
    await kubectl(['rollout', 'status', 'deployment/tbl', '--timeout=30s']);
    const rs2 = await kubectlJson(['get', 'rs', '-l', 'app=tbl']);
    assert.equal(rs2.items.length, 2);
    const d = await kubectlJson(['get', 'deployment', 'tbl']);
    assert.equal(d.metadata.generation, 2);
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2');
    await kubectl(['scale', 'deployment/tbl', '--replicas=1']);
    await waitFor('1 pod', async () => (await podsOf('tbl')).length === 1);
    await kubectl(['delete', 'deployment', 'tbl']);
    await waitFor('pods gone', async () => (await podsOf('tbl')).length === 0);
  });

  it('rolls out with surge: the old pod serves until the new one is ready, then terminates gracefully', async () => {
    await control('POST', 'health', { deployment: 'roll', health: { mode: 'healthy', startupSeconds: 100 } });
    const probe = { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 };
    await apply(deploymentManifest('roll', { readiness: probe }));
    const a = await readyPod('roll');
    await control('POST', 'health', { pod: a.metadata.name, health: { mode: 'healthy' } });
    const w = new Streamer(rigEnv().RIG_KUBECTL!, ['get', 'pods', '-l', 'app=roll', '-w', '-o', 'json', '--output-watch-events']);
    await waitFor('the initial list', async () => w.docs().length >= 1, 10_000);
    await apply(deploymentManifest('roll', { readiness: probe, image: 'rig.local/worker:2.0.0' }));
    await waitFor('the old pod deleted', async () => w.docs().some((e) => e.type === 'DELETED' && e.object.metadata.name === a.metadata.name), 30_000);
    await w.stop();
    const evs = w.docs();
    const isReady = (p: any) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    const firstTerminating = evs.findIndex((e) => e.object.metadata.name === a.metadata.name && e.object.metadata.deletionTimestamp);
    const newReady = evs.findIndex((e) => e.object.metadata.name !== a.metadata.name && isReady(e.object));
    assert.ok(newReady >= 0 && firstTerminating > newReady, 'the old pod terminates only after the new one is ready');
    assert.ok(evs.slice(0, firstTerminating).every((e) => e.object.metadata.name !== a.metadata.name || isReady(e.object)), 'the old pod stays ready meanwhile');
    const desc = await kubectlJson(['get', 'events', '--field-selector', `involvedObject.name=${a.metadata.name},reason=Killing`]);
    assert.match(desc.items[0].message, /^Stopping container worker/);
    // a deleted pod is replaced by its ReplicaSet
    const b = await readyPod('roll');
    await kubectl(['delete', 'pod', b.metadata.name, '--wait=true']);
    await waitFor('a replacement pod', async () => (await podsOf('roll')).some((p) => p.metadata.name !== b.metadata.name && isReady(p)));
    await kubectl(['delete', 'deployment', 'roll']);
  });

  it('watches with -w -o json: list, then changes from the list resourceVersion', async () => {
    const w = new Streamer(rigEnv().RIG_KUBECTL!, ['get', 'pods', '-l', 'app=watched', '-w', '-o', 'json']);
    await sleep(500);
    await apply(deploymentManifest('watched'));
    await waitFor('a Running pod in the watch output', async () => w.docs().some((d) => d.kind === 'Pod' && d.status?.phase === 'Running'), 20_000);
    const names = new Set(w.docs().map((d) => d.metadata?.name));
    assert.equal(names.size, 1);
    await w.stop();
  });

  it('keeps watching across an API server restart when kubectl re-lists', async () => {
    const first = new Streamer(rigEnv().RIG_KUBECTL!, ['get', 'pods', '-l', 'app=watched', '-w', '-o', 'json']);
    await waitFor('initial list', async () => first.docs().length >= 1, 10_000);
    const before = first.docs()[0]!;
    await control('POST', 'faults/restart', { downSeconds: 1 });
    await first.wait(20_000); // the connection is cut: kubectl's watch ends
    // same state after the restart: a re-list shows the same pod, same uid
    // re-list (and re-watch) like a client does, retrying while the server is still down
    let again = new Streamer(rigEnv().RIG_KUBECTL!, ['get', 'pods', '-l', 'app=watched', '-w', '-o', 'json']);
    let attempts = 1;
    await waitFor(
      're-list after restart',
      async () => {
        if (again.docs().length >= 1) return true;
        if (again.code !== undefined) {
          again = new Streamer(rigEnv().RIG_KUBECTL!, ['get', 'pods', '-l', 'app=watched', '-w', '-o', 'json']);
          attempts++;
        }
        return false;
      },
      20_000,
    );
    assert.ok(attempts >= 1);
    assert.equal(again.docs()[0]!.metadata.uid, before.metadata.uid);
    // and the new watch sees new changes
    await kubectl(['label', 'pod', before.metadata.name, 'rig-seen=yes']);
    await waitFor('the label change in the new watch', async () => again.docs().some((d) => d.metadata?.labels?.['rig-seen'] === 'yes'), 10_000);
    await again.stop();
  });

  it('ends a watch with a 410 Gone Status when resource versions expire', async () => {
    const w = new Streamer(rigEnv().RIG_KUBECTL!, ['get', 'pods', '-l', 'app=watched', '-w', '-o', 'json']);
    await waitFor('initial list', async () => w.docs().length >= 1, 10_000);
    await control('POST', 'faults/expire');
    await control('POST', 'faults/drop-watches', { gone: true });
    const code = await w.wait(15_000);
    assert.equal(code, 0);
    const status = w.docs().find((d) => d.kind === 'Status');
    assert.ok(status, `no Status in ${w.out.slice(-500)}`);
    assert.equal(status.code, 410);
  });

  it('replays watch events from a resourceVersion and answers 410 for expired ones (raw API)', async () => {
    const list = await kubectlJson(['get', '--raw', '/api/v1/namespaces/default/pods?labelSelector=app%3Dwatched'].slice(0, 3)).catch(() => undefined);
    void list;
    const raw = JSON.parse(await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods?labelSelector=app%3Dwatched']));
    const rv = raw.metadata.resourceVersion;
    const pod = raw.items[0].metadata.name;
    await kubectl(['annotate', 'pod', pod, 'rig-replay=1']);
    const replay = await kubectl(['get', '--raw', `/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dwatched&resourceVersion=${rv}&timeoutSeconds=1`]);
    const events = replay.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.type === 'MODIFIED' && e.object.metadata.annotations?.['rig-replay'] === '1'));
    const gone = await kubectl(['get', '--raw', `/api/v1/namespaces/default/pods?watch=true&resourceVersion=1&timeoutSeconds=1`]);
    const ev = JSON.parse(gone.trim().split('\n')[0]!);
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.code, 410);
    // watch-list: initial ADDED events, then a BOOKMARK annotated initial-events-end
    const wl = await kubectl(['get', '--raw', '/apis/apps/v1/deployments?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1']);
    const wle = wl.trim().split('\n').map((l) => JSON.parse(l));
    const bm = wle.findIndex((e) => e.type === 'BOOKMARK' && e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true');
    assert.ok(bm > 0, 'initial-events-end bookmark after the initial events');
    assert.ok(wle.slice(0, bm).every((e) => e.type === 'ADDED'));
  });

  it('slows responses on demand', async () => {
    await control('POST', 'faults/slow', { ms: 1500, pathPattern: '/pods' });
    const t0 = Date.now();
    await kubectl(['get', 'pods']);
    assert.ok(Date.now() - t0 >= 1400);
    const r = await run(rigEnv().RIG_KUBECTL!, ['get', 'pods', '--request-timeout=500ms']);
    assert.notEqual(r.code, 0);
    await control('POST', 'faults/slow', { ms: 0 });
  });

  it('describes a pod with its events and shows logs, current and --previous', async () => {
    await control('POST', 'health', { deployment: 'crashy', health: { mode: 'crash', exitCode: 3, afterSeconds: 30 } });
    await apply(deploymentManifest('crashy'));
    const pod = await waitFor('a restarted pod', async () => (await podsOf('crashy')).find((p) => p.status.containerStatuses?.[0]?.restartCount >= 2));
    const name = pod.metadata.name;
    const cs = pod.status.containerStatuses[0];
    assert.equal(cs.lastState.terminated.exitCode, 3);
    assert.equal(cs.lastState.terminated.reason, 'Error');
    const desc = await kubectl(['describe', 'pod', name]);
    assert.match(desc, /Last State:\s+Terminated/);
    assert.match(desc, /Exit Code:\s+3/);
    assert.match(desc, /Restart Count:\s+\d+/);
    assert.match(desc, /Events:/);
    assert.match(desc, /Started\s+.*Started container worker/);
    const cur = await kubectl(['logs', name]);
    assert.match(cur, /Application started/);
    const prev = await kubectl(['logs', name, '--previous']);
    assert.match(prev, /rig simulated crash \(exit code 3\)/);
    const events = await kubectl(['events', '--for', `pod/${name}`]);
    assert.match(events, /BackOff|Started/);
    await kubectl(['delete', 'deployment', 'crashy']);
  });

  it('--previous fails for a container that never restarted', async () => {
    const p = await readyPod('watched');
    const r = await run(rigEnv().RIG_KUBECTL!, ['logs', p.metadata.name, '--previous']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /previous terminated container "worker" in pod .* not found/);
    await control('POST', 'logs', { pod: p.metadata.name, lines: ['hello from the test'] });
    assert.match(await kubectl(['logs', p.metadata.name, '--tail=1']), /hello from the test/);
    await kubectl(['delete', 'deployment', 'watched']);
  });
});
