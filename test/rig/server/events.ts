// core/v1 Events with the recorder's aggregation (same object, reason, message, source → count + 1,
// lastTimestamp moves), and their events.k8s.io/v1 view (series {count, lastObservedTime}).
import { randomBytes } from 'node:crypto';
import { clone, nowIso, type Obj, type Store } from './store';

export class Events {
  constructor(private store: Store) {}

  record(involved: Obj, type: 'Normal' | 'Warning', reason: string, message: string, component: string, fieldPath?: string): Obj | undefined {
    const md = involved.metadata;
    const ns = md.namespace || 'default';
    if (!this.store.nsExists(ns)) return undefined;
    const now = nowIso();
    const existing = this.store.list('core/events', ns).find(
      (e) =>
        e.involvedObject.uid === md.uid &&
        (e.involvedObject.fieldPath ?? '') === (fieldPath ?? '') &&
        e.type === type &&
        e.reason === reason &&
        e.message === message &&
        e.source?.component === component,
    );
    if (existing) {
      const upd = clone(existing);
      upd.count = (upd.count ?? 1) + 1;
      upd.lastTimestamp = now;
      return this.store.update('core/events', upd);
    }
    const host = component === 'kubelet' ? 'rig-node' : undefined;
    return this.store.create('core/events', {
      metadata: { name: `${md.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
      involvedObject: {
        kind: involved.kind,
        namespace: ns,
        name: md.name,
        uid: md.uid,
        apiVersion: involved.apiVersion,
        resourceVersion: md.resourceVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      source: { component, ...(host ? { host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: host ?? '',
    });
  }
}

/** core/v1 Event → events.k8s.io/v1 Event */
export function toEventsV1(e: Obj): Obj {
  const md = clone(e.metadata);
  const count = e.count ?? 1;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: md,
    eventTime: e.eventTime ?? e.firstTimestamp?.replace(/Z$/, '.000000Z') ?? null,
    ...(count > 1 ? { series: { count, lastObservedTime: e.lastTimestamp.replace(/Z$/, '.000000Z') } } : {}),
    reportingController: e.reportingComponent || e.source?.component || '',
    reportingInstance: e.reportingInstance || e.source?.host || '',
    action: e.action ?? e.reason,
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: count,
  };
}
