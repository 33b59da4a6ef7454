import * as assert from 'node:assert/strict';
import { EventStore, RestartHistory, buildTimelines, commonThreshold, livenessFailureThreshold, occurrenceTimes, podRow } from '../../src/core/podTimeline';
import { normalizeEvent } from '../../src/core/events';
import { summarizePod } from '../../src/core/pods';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');

function pod(name: string, restarts: number, last?: { reason: string; exitCode: number; finishedAt: number }, liveness?: Record<string, unknown>) {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: iso(0), labels: { 'app.kubernetes.io/instance': 'rel' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'worker', ...(liveness ? { livenessProbe: liveness } : {}) }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'worker',
          ready: true,
          restartCount: restarts,
          state: { running: { startedAt: iso(1) } },
          ...(last ? { lastState: { terminated: { reason: last.reason, exitCode: last.exitCode, finishedAt: iso(last.finishedAt) } } } : {}),
        },
      ],
    },
  };
}

function event(uid: string, reason: string, podName: string, count: number, first: number, last: number, type = 'Warning', message = `${reason} happened`) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { uid, namespace: 'ns', name: `${podName}.${uid}` },
    reason,
    type,
    message,
    count,
    firstTimestamp: iso(first),
    lastTimestamp: iso(last),
    involvedObject: { kind: 'Pod', name: podName, namespace: 'ns' },
  };
}

describe('Pod panel timeline', () => {
  it('reads the liveness failureThreshold from the pod spec, 3 when the probe leaves it out, none without a probe', () => {
    assert.equal(livenessFailureThreshold(pod('a', 0, undefined, { httpGet: { path: '/', port: 1 }, failureThreshold: 6 })), 6);
    assert.equal(livenessFailureThreshold(pod('a', 0, undefined, { httpGet: { path: '/', port: 1 } })), 3);
    assert.equal(livenessFailureThreshold(pod('a', 0)), undefined);
    assert.equal(livenessFailureThreshold(null), undefined);
    assert.equal(commonThreshold([6, undefined, 6, 3]), 6);
    assert.equal(commonThreshold([undefined]), undefined);
  });

  it('spreads an aggregated event seen for the first time over first…last seen, marked approximate', () => {
    const r = occurrenceTimes(undefined, normalizeEvent(event('e1', 'Unhealthy', 'p', 3, 0, 20)));
    assert.deepEqual(r.times, [T0, T0 + 10_000, T0 + 20_000]);
    assert.equal(r.approx, 3);
    const single = occurrenceTimes(undefined, normalizeEvent(event('e1', 'Killing', 'p', 1, 5, 5)));
    assert.deepEqual(single, { times: [T0 + 5000], approx: 0 });
  });

  it('adds each count step seen live at its lastTimestamp, and starts over when the count goes down', () => {
    const store = new EventStore();
    assert.equal(store.apply({ type: 'ADDED', object: event('e1', 'Unhealthy', 'p', 2, 0, 10) }), true);
    assert.equal(store.apply({ type: 'MODIFIED', object: event('e1', 'Unhealthy', 'p', 3, 0, 30) }), true);
    assert.equal(store.apply({ type: 'MODIFIED', object: event('e1', 'Unhealthy', 'p', 3, 0, 30) }), false, 'the same event again changes nothing');
    assert.equal(store.apply({ type: 'MODIFIED', object: event('e1', 'Unhealthy', 'p', 5, 0, 50) }), true);
    const occ = store.occurrences('p');
    assert.deepEqual(occ.map((o) => (o.t - T0) / 1000), [0, 10, 30, 40, 50]);
    assert.deepEqual(occ.map((o) => o.approx), [true, true, false, false, false]);
    store.apply({ type: 'MODIFIED', object: event('e1', 'Unhealthy', 'p', 1, 60, 60) });
    assert.deepEqual(store.occurrences('p').map((o) => (o.t - T0) / 1000), [60]);
  });

  it('a re-list drops the events it did not bring back; list filters to the pods shown', () => {
    const store = new EventStore();
    store.apply({ type: 'ADDED', object: event('e1', 'Unhealthy', 'p', 1, 0, 0) });
    store.apply({ type: 'ADDED', object: event('e2', 'Killing', 'q', 1, 0, 0) });
    store.apply({ type: 'ADDED', object: { ...event('e3', 'ScalingReplicaSet', 'd', 1, 0, 0, 'Normal'), involvedObject: { kind: 'Deployment', name: 'p' } } });
    assert.deepEqual(store.list(new Set(['p'])).map((e) => e.uid), ['e1']);
    assert.equal(store.list().length, 3);
    store.beginResync();
    store.apply({ type: 'ADDED', object: event('e2', 'Killing', 'q', 1, 0, 0) });
    assert.equal(store.endResync(), 2);
    assert.deepEqual(store.list().map((e) => e.uid), ['e2']);
    assert.equal(store.apply({ type: 'DELETED', object: event('e2', 'Killing', 'q', 1, 0, 0) }), true);
    assert.equal(store.size, 0);
  });

  it('keeps each distinct lastState.terminated as a restart and builds one timeline per pod', () => {
    const history = new RestartHistory();
    const events = new EventStore();
    const a1 = summarizePod(pod('a', 1, { reason: 'Error', exitCode: 137, finishedAt: 20 }));
    const a2 = summarizePod(pod('a', 2, { reason: 'Error', exitCode: 137, finishedAt: 40 }));
    assert.equal(history.observe(a1), true);
    assert.equal(history.observe(a1), false);
    assert.equal(history.observe(a2), true);
    events.apply({ type: 'ADDED', object: event('u', 'Unhealthy', 'a', 6, 2, 38) });
    events.apply({ type: 'ADDED', object: event('k', 'Killing', 'a', 2, 19, 39, 'Normal') });
    events.apply({ type: 'ADDED', object: event('b', 'BackOff', 'a', 1, 41, 41) });
    events.apply({ type: 'ADDED', object: event('s', 'Started', 'a', 1, 1, 1, 'Normal') });
    const [tl] = buildTimelines([a2], history, events, T0 + 60_000);
    assert.equal(tl.pod, 'a');
    assert.equal(tl.start, T0);
    assert.equal(tl.end, T0 + 60_000);
    const count = (k: string) => tl.points.filter((p) => p.kind === k).length;
    assert.deepEqual([count('restart'), count('unhealthy'), count('killing'), count('backoff'), count('warning')], [2, 6, 2, 1, 0]);
    assert.ok(tl.points.every((p, i) => i === 0 || tl.points[i - 1].t <= p.t), 'points in time order');
    assert.equal(tl.points.find((p) => p.kind === 'restart')?.text, 'worker restarted: Error, exit 137');
    assert.equal(tl.earlierRestarts, 0);
    const [fresh] = buildTimelines([summarizePod(pod('b', 4))], new RestartHistory(), new EventStore(), T0 + 60_000);
    assert.equal(fresh.earlierRestarts, 4, 'restarts from before the panel opened are counted, not drawn');
    history.keepOnly(new Set());
    assert.deepEqual(history.forPod('uid-a'), []);
  });

  it('a row shows the latest termination\'s reason and exit code', () => {
    const row = podRow(summarizePod(pod('a', 3, { reason: 'OOMKilled', exitCode: 137, finishedAt: 20 })));
    assert.deepEqual(
      { name: row.name, ready: `${row.ready}/${row.total}`, restarts: row.restarts, reason: row.lastReason, exit: row.lastExitCode, node: row.node },
      { name: 'a', ready: '1/1', restarts: 3, reason: 'OOMKilled', exit: 137, node: 'node-1' },
    );
    assert.equal(podRow(summarizePod(pod('b', 0))).lastReason, undefined);
  });
});
