import * as assert from 'node:assert/strict';
import { EventStore, RestartHistory, buildTimelines, commonThreshold, isRestartKill, livenessFailureThreshold, occurrenceTimes, podRow, restartCaption, restartCounts } from '../../src/core/podTimeline';
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

  it('one definition of a restart: restartCount; the timeline\'s marks and the Killing events are counted apart, and said so', () => {
    // The panel: Restarts 6, "4 restarts seen", Killing ×7, from a pod that restarted 6
    // times (2 before the panel opened and no time kept for them) and a pod deleted by a rollout.
    const history = new RestartHistory();
    const events = new EventStore();
    for (let i = 3; i <= 6; i++) history.observe(summarizePod(pod('a', i, { reason: 'Error', exitCode: 137, finishedAt: i * 10 })));
    const a = summarizePod(pod('a', 6, { reason: 'Error', exitCode: 137, finishedAt: 60 }));
    events.apply({ type: 'ADDED', object: event('k1', 'Killing', 'a', 6, 5, 55, 'Normal', 'Container worker failed liveness probe, will be restarted') });
    events.apply({ type: 'ADDED', object: event('k2', 'Killing', 'a', 1, 70, 70, 'Normal', 'Stopping container worker') });
    const counts = restartCounts(a, history, events);
    assert.deepEqual(counts, { restarts: 6, timed: 4, killing: 7, restartKills: 6, stops: 1 });
    const [tl] = buildTimelines([a], history, events, T0 + 80_000);
    assert.deepEqual(tl.counts, counts);
    assert.equal(tl.earlierRestarts, 2, 'the restarts without a time: restartCount minus the marks');
    assert.equal(podRow(a).restarts, 6, 'the table shows the same number');
    assert.equal(
      tl.caption,
      '6 restarts (the kubelet\'s restartCount since the pod started); 4 of them with a known time on the timeline; 2 earlier ones are counted but Kubernetes keeps no time for them; ' +
        '7 Killing events in the events Kubernetes still keeps: 6 for a failed probe ("will be restarted"), 1 stopping the container for good (pod deleted or replaced).',
    );
  });

  it('a crash restarts without a Killing event; a restart kill says "will be restarted"', () => {
    assert.ok(isRestartKill('Container worker failed liveness probe, will be restarted'));
    assert.ok(isRestartKill('Container worker failed startup probe, will be restarted'));
    assert.ok(!isRestartKill('Stopping container worker'));
    const history = new RestartHistory();
    const crashed = summarizePod(pod('c', 1, { reason: 'Error', exitCode: 1, finishedAt: 10 }));
    history.observe(crashed);
    assert.equal(restartCaption(restartCounts(crashed, history, new EventStore())), '1 restart (the kubelet\'s restartCount since the pod started).');
    assert.equal(restartCaption({ restarts: 0, timed: 0, killing: 0, restartKills: 0, stops: 0 }), '0 restarts (the kubelet\'s restartCount since the pod started).');
  });
});
