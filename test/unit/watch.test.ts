import * as assert from 'node:assert/strict';
import { eventTotalsLine, explainRatio, groupEvents, normalizeEvent } from '../../src/core/events';
import { PodStore, summarizePod } from '../../src/core/pods';

const pod = (name: string, o: { uid?: string; phase?: string; ready?: boolean; restarts?: number; waiting?: string; last?: { reason: string; exitCode: number }; deleting?: boolean } = {}) => ({
  metadata: { name, namespace: 'w', uid: o.uid ?? name, labels: { 'app.kubernetes.io/instance': 'rel' }, creationTimestamp: '2026-11-26T10:00:00Z', ...(o.deleting ? { deletionTimestamp: '2026-11-26T10:05:00Z' } : {}) },
  spec: { nodeName: 'node-1', containers: [{ name: 'worker' }] },
  status: {
    phase: o.phase ?? 'Running',
    containerStatuses: [
      {
        name: 'worker',
        ready: o.ready ?? true,
        restartCount: o.restarts ?? 0,
        state: o.waiting ? { waiting: { reason: o.waiting, message: 'back-off 40s restarting failed container' } } : { running: { startedAt: '2026-11-26T10:01:00Z' } },
        ...(o.last ? { lastState: { terminated: { ...o.last, finishedAt: '2026-11-26T10:02:00Z' } } } : {}),
      },
    ],
  },
});

describe('pod reducer', () => {
  it('summarises like kubectl: status, ready, restarts, why not ready', () => {
    assert.deepEqual(
      { ...summarizePod(pod('a')), containers: undefined },
      { uid: 'a', name: 'a', namespace: 'w', release: 'rel', phase: 'Running', status: 'Running', ready: 1, total: 1, restarts: 0, createdAt: '2026-11-26T10:00:00Z', node: 'node-1', terminating: false, containers: undefined, notReadyReason: undefined, health: 'ready', restartPolicy: 'Always', gracePeriodSeconds: 30 },
    );
    const crash = summarizePod(pod('b', { ready: false, restarts: 4, waiting: 'CrashLoopBackOff', last: { reason: 'Error', exitCode: 137 } }));
    assert.equal(crash.status, 'CrashLoopBackOff');
    assert.equal(crash.health, 'crashloop');
    assert.equal(crash.restarts, 4);
    assert.equal(crash.notReadyReason, 'worker keeps crashing (last: Error, exit 137)');
    assert.deepEqual(summarizePod({ ...pod('p'), spec: { containers: [{ name: 'worker', ports: [{ name: 'health', containerPort: 8080 }] }] } }).containers[0].ports, [{ name: 'health', containerPort: 8080 }]);
    assert.deepEqual(crash.containers[0].lastTermination, { reason: 'Error', exitCode: 137, startedAt: undefined, finishedAt: '2026-11-26T10:02:00Z', message: undefined });
    assert.equal(summarizePod(pod('c', { deleting: true })).status, 'Terminating');
    assert.equal(summarizePod(pod('d', { ready: false })).notReadyReason, 'worker runs but is not ready (readiness probe)');
    assert.equal(summarizePod(pod('e', { phase: 'Pending', ready: false, waiting: 'ContainerCreating' })).health, 'pending');
  });
  it('applies watch events and drops pods a re-list does not bring back', () => {
    const s = new PodStore();
    s.apply({ type: 'ADDED', object: pod('a') });
    s.apply({ type: 'ADDED', object: pod('b') });
    s.apply({ type: 'MODIFIED', object: pod('a', { restarts: 2 }) });
    assert.deepEqual(s.list().map((p) => [p.name, p.restarts]), [['a', 2], ['b', 0]]);
    s.apply({ type: 'DELETED', object: pod('b') });
    assert.equal(s.size, 1);
    s.apply({ type: 'ADDED', object: pod('c') });
    s.beginResync();
    s.apply({ type: 'ADDED', object: pod('a', { restarts: 3 }) });
    assert.equal(s.endResync(), 1, 'c was deleted while the watch was down');
    assert.deepEqual(s.list().map((p) => [p.name, p.restarts]), [['a', 3]]);
    assert.equal(s.apply({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }), false);
  });
});

describe('events', () => {
  const core = (reason: string, count: number, last: string, type = 'Warning') => ({ apiVersion: 'v1', kind: 'Event', metadata: { uid: `${reason}${last}` }, reason, type, message: `${reason} message`, count, firstTimestamp: '2026-11-26T10:00:00Z', lastTimestamp: last, involvedObject: { kind: 'Pod', name: 'p' } });
  it('reads core/v1 count and events.k8s.io/v1 series', () => {
    assert.equal(normalizeEvent(core('Unhealthy', 18, '2026-11-26T10:09:00Z')).count, 18);
    const n = normalizeEvent({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { uid: 'x' }, reason: 'Killing', type: 'Normal', note: 'Container worker failed liveness probe, will be restarted', series: { count: 3, lastObservedTime: '2026-11-26T10:08:00Z' }, eventTime: '2026-11-26T10:01:00Z', regarding: { kind: 'Pod', name: 'p' } });
    assert.deepEqual([n.reason, n.count, n.message, n.lastSeen, n.object.name], ['Killing', 3, 'Container worker failed liveness probe, will be restarted', '2026-11-26T10:08:00Z', 'p']);
  });
  it('groups by reason with totals, warnings first, and explains the ratio', () => {
    const groups = groupEvents([
      normalizeEvent(core('Unhealthy', 12, '2026-11-26T10:05:00Z')),
      normalizeEvent(core('Unhealthy', 6, '2026-11-26T10:09:00Z')),
      normalizeEvent(core('Killing', 3, '2026-11-26T10:09:01Z', 'Normal')),
      normalizeEvent(core('BackOff', 5, '2026-11-26T10:09:30Z')),
    ]);
    assert.equal(eventTotalsLine(groups), 'Unhealthy ×18 · BackOff ×5 · Killing ×3');
    assert.equal(groups[0].lastSeen, '2026-11-26T10:09:00Z');
    assert.match(explainRatio(groups, 6) ?? '', /^6 Unhealthy per Killing: each restart followed 6 failed liveness probes/);
    assert.match(explainRatio(groups, 3) ?? '', /more than failureThreshold 3/);
    // 26 Unhealthy and 4 Killing with failureThreshold 6: 24 led to kills, 2 are on their way.
    const inFlight = groupEvents([normalizeEvent(core('Unhealthy', 26, '2026-11-26T10:09:00Z')), normalizeEvent(core('Killing', 4, '2026-11-26T10:08:00Z', 'Normal'))]);
    assert.match(explainRatio(inFlight, 6) ?? '', /^6 Unhealthy per Killing, as failureThreshold 6 says: .*the last 2 failures since the latest restart have not reached the threshold yet\.$/);
    assert.match(explainRatio(groups.filter((g) => g.reason !== 'Killing'), 6) ?? '', /no kill yet/);
  });
});
