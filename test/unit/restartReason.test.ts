import * as assert from 'node:assert/strict';
import { normalizeEvent } from '../../src/core/events';
import { summarizePod } from '../../src/core/pods';
import { classifyPullMessage, describeReason, exitCodeMeaning, lastLines, registryOf, restartReasons, restartReasonsOfPod } from '../../src/core/restartReason';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
const IMG = '127.0.0.1:5000/app:1.0';

type Obj = Record<string, unknown>;

/** A worker pod as the API server returns it: one container `worker` with the given spec and status. */
function pod(o: { spec?: Obj; status?: Obj; podStatus?: Obj; podSpec?: Obj }) {
  return {
    metadata: { name: 'rel-worker-7d9c-abcde', namespace: 'ns', uid: 'uid-1', creationTimestamp: iso(0), labels: { 'app.kubernetes.io/instance': 'rel' } },
    spec: { nodeName: 'node-1', restartPolicy: 'Always', terminationGracePeriodSeconds: 30, containers: [{ name: 'worker', image: IMG, ports: [{ name: 'health', containerPort: 8080 }], ...o.spec }], ...o.podSpec },
    status: { phase: 'Running', containerStatuses: [{ name: 'worker', image: IMG, ready: false, restartCount: 1, state: { running: { startedAt: iso(100) } }, ...o.status }], ...o.podStatus },
  };
}

const liveness = (extra: Obj = {}, http: Obj = {}) => ({ livenessProbe: { httpGet: { path: '/healthz', port: 'health', ...http }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6, ...extra } });

let n = 0;
/** core/v1 Event, as the simulated kubelet (and kubectl get events -o json) shows it. */
function v1(reason: string, message: string, count: number, first: number, last: number, type = 'Warning', container = 'worker') {
  return normalizeEvent({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `e${++n}`, namespace: 'ns', uid: `ev-${n}` },
    involvedObject: { kind: 'Pod', name: 'rel-worker-7d9c-abcde', namespace: 'ns', uid: 'uid-1', fieldPath: `spec.containers{${container}}` },
    reason,
    message,
    type,
    count,
    firstTimestamp: iso(first),
    lastTimestamp: iso(last),
  });
}

/** events.k8s.io/v1 Event, as a real kubelet's series look through that API. */
function k8sio(reason: string, note: string, count: number, first: number, last: number, type = 'Warning') {
  return normalizeEvent({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: `e${++n}`, namespace: 'ns', uid: `ev-${n}` },
    regarding: { kind: 'Pod', name: 'rel-worker-7d9c-abcde', namespace: 'ns', uid: 'uid-1', fieldPath: 'spec.containers{worker}' },
    reason,
    note,
    type,
    eventTime: null,
    deprecatedFirstTimestamp: iso(first),
    deprecatedLastTimestamp: iso(last),
    ...(count > 1 ? { series: { count, lastObservedTime: iso(last) } } : {}),
  });
}

const HANG = 'Liveness probe failed: Get "http://10.244.0.7:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)';

describe('restartReason: why each container last restarted or does not run', () => {
  it('a liveness kill (simulated kubelet): the failed checks that led to it, the hang, SIGKILL', () => {
    const p = pod({ spec: liveness(), status: { lastState: { terminated: { reason: 'Error', exitCode: 137, startedAt: iso(0), finishedAt: iso(95) } } } });
    const events = [v1('Unhealthy', HANG, 6, 30, 95), v1('Killing', 'Container worker failed liveness probe, will be restarted', 1, 95, 95, 'Normal')];
    const [r, ...more] = restartReasonsOfPod(p, events);
    assert.equal(more.length, 0);
    assert.equal(r!.kind, 'liveness');
    assert.equal(r!.when, 'restart');
    assert.equal(r!.title, 'Killed by its liveness probe after 6 failed checks in a row');
    assert.deepEqual(r!.probe, { probe: 'liveness', failures: 6, kills: 1, failureThreshold: 6, lastMessage: HANG.slice('Liveness probe failed: '.length), cause: 'timeout' });
    assert.match(r!.detail, /stopped answering its health endpoint within timeoutSeconds 5 \(a hang/);
    assert.match(r!.detail, /SIGKILL \(exit 137\)/);
    assert.doesNotMatch(r!.detail, /context deadline/, 'the message is in probe.lastMessage, not repeated');
    assert.match(describeReason(r!), /^6 failed liveness checks and 1 kill in the events kept; failureThreshold 6 failures in a row make one kill\.\nLatest failure: Get "http:\/\/10\.244\.0\.7:8080\/healthz": context deadline exceeded/m);
    assert.equal(r!.exitCode, 137);
    assert.equal(r!.fix, undefined);
  });

  it('a liveness kill (real kubelet, events.k8s.io series): the container stopped on SIGTERM a moment after the Killing', () => {
    const p = pod({ spec: liveness({ failureThreshold: 3 }), status: { restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=worker pod=rel-worker-7d9c-abcde_ns(uid-1)' } }, lastState: { terminated: { reason: 'Error', exitCode: 143, startedAt: iso(200), finishedAt: iso(262) } } } });
    const events = [
      k8sio('Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 503', 9, 30, 260),
      k8sio('Killing', 'Container worker failed liveness probe, will be restarted', 3, 60, 260, 'Normal'),
      k8sio('BackOff', 'Back-off restarting failed container worker in pod rel-worker-7d9c-abcde_ns(uid-1)', 2, 100, 263),
    ];
    const [r] = restartReasonsOfPod(p, events);
    assert.equal(r!.kind, 'liveness');
    assert.equal(r!.when, 'waiting');
    assert.equal(r!.probe!.failures, 9);
    assert.equal(r!.probe!.kills, 3);
    assert.equal(r!.probe!.cause, 'status');
    assert.match(r!.detail, /answered 503: the worker reports itself unhealthy/);
    assert.match(r!.detail, /stopped on SIGTERM \(exit 143\)/);
    assert.match(r!.detail, /CrashLoopBackOff/);
  });

  it('a startup probe kill', () => {
    const p = pod({ spec: { startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 5, failureThreshold: 10 } }, status: { lastState: { terminated: { reason: 'Error', exitCode: 137, startedAt: iso(0), finishedAt: iso(81) } } } });
    const events = [v1('Unhealthy', 'Startup probe failed: cat: /tmp/started: No such file or directory', 10, 5, 50), v1('Killing', 'Container worker failed startup probe, will be restarted', 1, 50, 50, 'Normal')];
    const [r] = restartReasonsOfPod(p, events);
    assert.equal(r!.kind, 'startup');
    assert.equal(r!.title, 'Killed by its startup probe after 10 failed checks in a row');
    assert.equal(r!.probe!.lastMessage, 'cat: /tmp/started: No such file or directory');
    // a check that could not run at all: "errored"
    const errored = [v1('Unhealthy', 'Startup probe errored: rpc error: code = Unknown desc = failed to exec in container: container is in CONTAINER_EXITED state', 10, 5, 50), v1('Killing', 'Container worker failed startup probe, will be restarted', 1, 50, 50, 'Normal')];
    const [r2] = restartReasonsOfPod(p, errored);
    assert.equal(r2!.probe!.failures, 10);
    assert.match(r2!.probe!.lastMessage, /^rpc error: code = Unknown/);
  });

  it('an old Killing does not explain a later crash: 137 without a kill near it is a crash, with its meaning', () => {
    const p = pod({ spec: liveness(), status: { restartCount: 2, lastState: { terminated: { reason: 'Error', exitCode: 137, startedAt: iso(500), finishedAt: iso(900) } } } });
    const events = [v1('Unhealthy', HANG, 6, 30, 95), v1('Killing', 'Container worker failed liveness probe, will be restarted', 1, 95, 95, 'Normal')];
    const [r] = restartReasonsOfPod(p, events);
    assert.equal(r!.kind, 'crash');
    assert.equal(r!.title, 'Crashed with exit code 137 (SIGKILL)');
    assert.match(r!.detail, /Nothing in the events shows the kubelet killing it/);
  });

  it('OOMKilled names the memory limit; without a limit it says so', () => {
    const withLimit = pod({ spec: { resources: { limits: { memory: '128Mi' } } }, status: { lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: iso(0), finishedAt: iso(40) } } } });
    const [r] = restartReasonsOfPod(withLimit, []);
    assert.equal(r!.kind, 'oom');
    assert.equal(r!.title, 'OOMKilled: killed for exceeding its memory limit of 128Mi');
    assert.match(r!.detail, /resources\.limits\.memory 128Mi/);
    const [r2] = restartReasonsOfPod(pod({ status: { lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: iso(40) } } } }), []);
    assert.equal(r2!.title, 'OOMKilled: killed by the kernel for lack of memory (no memory limit set)');
  });

  it('a crash: exit code, what it means, the last log lines, the back-off', () => {
    const p = pod({ status: { restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=worker' } }, lastState: { terminated: { reason: 'Error', exitCode: 139, startedAt: iso(0), finishedAt: iso(3) } } } });
    const logs = lastLines('2026-12-02T01:08:21.476000000Z info: Microsoft.Hosting.Lifetime[0] Application started\n\n2026-12-02T01:08:21.776000000Z fail: Worker[0] boom\n2026-12-02T01:08:21.776000000Z    at Worker.ExecuteAsync()\n', 2);
    assert.deepEqual(logs, ['fail: Worker[0] boom', '   at Worker.ExecuteAsync()']);
    const [r] = restartReasonsOfPod(p, [v1('BackOff', 'Back-off restarting failed container worker in pod x', 3, 4, 40)], { worker: logs });
    assert.equal(r!.kind, 'crash');
    assert.equal(r!.title, 'Crashed with exit code 139 (SIGSEGV)');
    assert.match(r!.detail, /Error, exit code 139: SIGSEGV: a segmentation fault/);
    assert.match(r!.detail, /CrashLoopBackOff/);
    assert.deepEqual(r!.logLines, logs);
    const [r1] = restartReasonsOfPod(pod({ status: { lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: iso(3) } } } }), []);
    assert.equal(r1!.title, 'Crashed with exit code 1');
    assert.match(r1!.detail, /kubectl logs --previous/);
    assert.equal(exitCodeMeaning(134), 'SIGABRT: the process aborted (.NET on Linux aborts on an unhandled exception)');
    assert.equal(exitCodeMeaning(130), 'signal 2');
  });

  it('exit 0 under restartPolicy Always: the worker\'s main returned', () => {
    const [r] = restartReasonsOfPod(pod({ status: { lastState: { terminated: { reason: 'Completed', exitCode: 0, finishedAt: iso(3) } } } }), []);
    assert.equal(r!.kind, 'completed');
    assert.equal(r!.title, "Exited 0: the worker's main returned — a worker must keep running");
    assert.deepEqual(restartReasonsOfPod(pod({ podSpec: { restartPolicy: 'OnFailure' }, status: { state: { terminated: { reason: 'Completed', exitCode: 0, finishedAt: iso(3) } } } }), []), []);
  });

  it('restartPolicy Never: the current terminated state is the reason', () => {
    const [r] = restartReasonsOfPod(pod({ podSpec: { restartPolicy: 'Never' }, podStatus: { phase: 'Failed' }, status: { restartCount: 0, state: { terminated: { reason: 'Error', exitCode: 134, finishedAt: iso(3) } } } }), []);
    assert.equal(r!.kind, 'crash');
    assert.equal(r!.when, 'waiting');
    assert.equal(r!.title, 'Crashed with exit code 134 (SIGABRT)');
  });

  const DOCKER_AUTH = 'Error response from daemon: Head "http://127.0.0.1:5000/v2/app/manifests/1.0": no basic auth credentials';
  const DOCKER_MISSING = 'Error response from daemon: manifest for 127.0.0.1:5000/app:9.9 not found: manifest unknown: manifest unknown';
  const CTRD_AUTH =
    'rpc error: code = Unknown desc = failed to pull and unpack image "x.azurecr.io/app:1.0": failed to resolve reference "x.azurecr.io/app:1.0": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://x.azurecr.io/oauth2/token?scope=repository%3Aapp%3Apull&service=x.azurecr.io: 401 Unauthorized';
  const CTRD_MISSING = 'rpc error: code = NotFound desc = failed to pull and unpack image "x.azurecr.io/app:1.0": failed to resolve reference "x.azurecr.io/app:1.0": x.azurecr.io/app:1.0: not found';

  it('classifies the registries\' messages: refused or missing, docker and containerd alike', () => {
    assert.equal(classifyPullMessage(DOCKER_AUTH), 'refused');
    assert.equal(classifyPullMessage(CTRD_AUTH), 'refused');
    assert.equal(classifyPullMessage('Error response from daemon: pull access denied for app, repository does not exist or may require \'docker login\''), 'missing');
    assert.equal(classifyPullMessage('denied: requested access to the resource is denied'), 'refused');
    assert.equal(classifyPullMessage('authentication required'), 'refused');
    assert.equal(classifyPullMessage(DOCKER_MISSING), 'missing');
    assert.equal(classifyPullMessage(CTRD_MISSING), 'missing');
    assert.equal(classifyPullMessage('dial tcp 10.0.0.1:443: i/o timeout'), 'other');
    assert.equal(registryOf('x.azurecr.io/app:1.0'), 'x.azurecr.io');
    assert.equal(registryOf('127.0.0.1:5000/app:1.0'), '127.0.0.1:5000');
    assert.equal(registryOf('nginx:1'), 'docker.io');
  });

  it('ErrImagePull from a registry that refused the node (rig, docker daemon): Attach Registry to Cluster', () => {
    const p = pod({ status: { restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: DOCKER_AUTH } } } });
    const events = [
      v1('Pulling', `Pulling image "${IMG}"`, 1, 1, 1, 'Normal'),
      v1('Failed', `Failed to pull image "${IMG}": ${DOCKER_AUTH}`, 1, 2, 2),
      v1('Failed', 'Error: ErrImagePull', 1, 2, 2),
    ];
    const [r] = restartReasonsOfPod(p, events);
    assert.equal(r!.kind, 'imagePull');
    assert.equal(r!.title, "Image pull refused: 127.0.0.1:5000 did not accept the node's credentials");
    assert.equal(r!.message, DOCKER_AUTH);
    assert.equal(r!.fix!.command, 'aksWorker.attachRegistry');
    assert.equal(r!.fix!.title, 'Attach Registry to Cluster');
    assert.match(describeReason(r!), /Fix: Attach Registry to Cluster \(az aks update --name CLUSTER --resource-group GROUP --attach-acr ACR-NAME \(the registry whose login server is 127\.0\.0\.1:5000\)\)/);
    assert.equal(r!.fix!.registry, '127.0.0.1:5000', 'offered first when Attach asks for the registry');
  });

  it('ImagePullBackOff on AKS (containerd 401): the registry\'s words from the back-off message, the attach fix naming the ACR', () => {
    const image = 'x.azurecr.io/app:1.0';
    const p = pod({ spec: { image }, status: { restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${CTRD_AUTH}` } } } });
    const [r] = restartReasonsOfPod(p, [k8sio('BackOff', `Back-off pulling image "${image}"`, 4, 5, 60, 'Normal'), k8sio('Failed', 'Error: ImagePullBackOff', 4, 5, 60)]);
    assert.equal(r!.message, CTRD_AUTH);
    assert.equal(r!.title, "Image pull refused: x.azurecr.io did not accept the node's credentials");
    assert.equal(r!.fix!.hint, 'az aks update --name CLUSTER --resource-group GROUP --attach-acr x');
    assert.match(r!.detail, /ImagePullBackOff/);
  });

  it('a tag missing from the registry: push the image (docker and containerd messages)', () => {
    const image = '127.0.0.1:5000/app:9.9';
    const p = pod({ spec: { image }, status: { restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${DOCKER_MISSING}` } } } });
    const events = [v1('Failed', `Failed to pull image "${image}": ${DOCKER_MISSING}`, 2, 2, 30), v1('Failed', 'Error: ImagePullBackOff', 2, 3, 31)];
    const [r] = restartReasonsOfPod(p, events);
    assert.equal(r!.title, 'Image not found: 127.0.0.1:5000/app:9.9 is not in 127.0.0.1:5000');
    assert.equal(r!.message, DOCKER_MISSING);
    assert.equal(r!.fix!.command, 'aksWorker.pushImage');
    const [r2] = restartReasonsOfPod(pod({ spec: { image: 'x.azurecr.io/app:1.0' }, status: { restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: CTRD_MISSING } } } }), []);
    assert.equal(r2!.fix!.command, 'aksWorker.pushImage');
    const [r3] = restartReasonsOfPod(pod({ spec: { image: 'App:1' }, status: { restartCount: 0, state: { waiting: { reason: 'InvalidImageName', message: 'Failed to apply default image tag "App:1": couldn\'t parse image name' } } } }), []);
    assert.equal(r3!.title, 'Image name App:1 is not valid');
    assert.equal(r3!.fix, undefined);
  });

  it('an evicted pod: the kubelet\'s message', () => {
    const p = pod({ podStatus: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 88Mi.' }, status: { restartCount: 0, state: { terminated: { reason: 'ContainerStatusUnknown', exitCode: 137 } } } });
    const [r] = restartReasonsOfPod(p, []);
    assert.equal(r!.kind, 'evicted');
    assert.equal(r!.title, 'Evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 88Mi.');
    assert.equal(summarizePod(p).health, 'failed');
  });

  it('a liveness probe on a port where nothing listens, from its very first checks: misconfigured, not a hang', () => {
    const p = pod({ spec: liveness({ failureThreshold: 3, initialDelaySeconds: 5 }, { port: 8080 }), status: { lastState: { terminated: { reason: 'Error', exitCode: 137, startedAt: iso(0), finishedAt: iso(66) } } } });
    const refused = 'Liveness probe failed: Get "http://10.244.0.7:8080/healthz": dial tcp 10.244.0.7:8080: connect: connection refused';
    const events = [v1('Unhealthy', refused, 3, 5, 35), v1('Killing', 'Container worker failed liveness probe, will be restarted', 1, 35, 35, 'Normal')];
    const [r] = restartReasonsOfPod(p, events);
    assert.equal(r!.kind, 'probeMisconfigured');
    assert.equal(r!.title, 'Liveness probe misconfigured: nothing listens on 8080 — does the worker serve its health endpoint there?');
    assert.match(r!.detail, /from its very first checks/);
    // the same refusals after an hour of healthy running are the worker going away, not a wrong port
    const late = pod({ spec: liveness({ failureThreshold: 3 }, { port: 8080 }), status: { lastState: { terminated: { reason: 'Error', exitCode: 137, startedAt: iso(0), finishedAt: iso(3600) } } } });
    const [r2] = restartReasonsOfPod(late, [v1('Unhealthy', refused, 3, 3570, 3590), v1('Killing', 'Container worker failed liveness probe, will be restarted', 1, 3590, 3590, 'Normal')]);
    assert.equal(r2!.kind, 'liveness');
    assert.match(r2!.detail, /nothing accepted the connection on port 8080/);
  });

  it('a 404 from the probe\'s path: no endpoint there', () => {
    const p = pod({ spec: liveness({}, { path: '/health' }), status: { lastState: { terminated: { reason: 'Error', exitCode: 137, startedAt: iso(0), finishedAt: iso(61) } } } });
    const [r] = restartReasonsOfPod(p, [v1('Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 404', 6, 10, 60), v1('Killing', 'Container worker failed liveness probe, will be restarted', 1, 60, 60, 'Normal')]);
    assert.equal(r!.kind, 'probeMisconfigured');
    assert.equal(r!.title, 'Liveness probe misconfigured: no endpoint at /health on port 8080 ("health") — does the worker serve its health endpoint at that path?');
  });

  it('a running container whose readiness probe never reached it; a healthy one has no reason', () => {
    const p = pod({ spec: { readinessProbe: { tcpSocket: { port: 9090 } } }, status: { restartCount: 0, ready: false } });
    const [r] = restartReasonsOfPod(p, [v1('Unhealthy', 'Readiness probe failed: dial tcp 10.244.0.7:9090: connect: connection refused', 12, 5, 120)]);
    assert.equal(r!.kind, 'probeMisconfigured');
    assert.equal(r!.when, 'running');
    assert.equal(r!.title, 'Readiness probe: nothing listens on 9090 — does the worker serve its health endpoint there?');
    assert.deepEqual(restartReasonsOfPod(pod({ status: { restartCount: 0, ready: true } }), []), []);
  });

  it('without events (a pod watch alone): a termination a probe kill could explain is left out, the rest still told', () => {
    const killedOrNot = summarizePod(pod({ spec: liveness(), status: { lastState: { terminated: { reason: 'Error', exitCode: 137, finishedAt: iso(95) } } } }));
    assert.deepEqual(restartReasons(killedOrNot, [], undefined, { eventsKnown: false }), []);
    assert.equal(restartReasons(killedOrNot, [])[0]!.kind, 'crash', 'with events (none): no kill, so a crash');
    const oom = summarizePod(pod({ spec: { ...liveness(), resources: { limits: { memory: '1Gi' } } }, status: { lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: iso(95) } } } }));
    assert.equal(restartReasons(oom, [], undefined, { eventsKnown: false })[0]!.title, 'OOMKilled: killed for exceeding its memory limit of 1Gi');
    const crash = summarizePod(pod({ spec: liveness(), status: { lastState: { terminated: { reason: 'Error', exitCode: 3, finishedAt: iso(95) } } } }));
    assert.equal(restartReasons(crash, [], undefined, { eventsKnown: false })[0]!.kind, 'crash');
  });

  it('events about another container or pod are not taken for this one', () => {
    const p = pod({ spec: liveness(), status: { lastState: { terminated: { reason: 'Error', exitCode: 137, startedAt: iso(0), finishedAt: iso(95) } } } });
    const other = v1('Killing', 'Container sidecar failed liveness probe, will be restarted', 1, 95, 95, 'Normal', 'sidecar');
    const [r] = restartReasons(summarizePod(p), [other]);
    assert.equal(r!.kind, 'crash');
  });
});
