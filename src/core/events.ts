/**
 * Kubernetes events (core/v1 with `count`, events.k8s.io/v1 with `series`) normalised, grouped by
 * reason, and the Unhealthy-to-Killing ratio explained against the liveness probe.
 */

export interface KubeEvent {
  uid: string;
  reason: string;
  type: 'Normal' | 'Warning' | string;
  message: string;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  /** fieldPath names the container: `spec.containers{worker}`. */
  object: { kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON */
export function normalizeEvent(e: any): KubeEvent {
  const isNew = typeof e?.apiVersion === 'string' && e.apiVersion.startsWith('events.k8s.io/');
  const obj = isNew ? e.regarding : e.involvedObject;
  const count = isNew ? (e.series?.count ?? e.deprecatedCount ?? 1) : (e.count ?? e.series?.count ?? 1);
  const first = isNew ? (e.deprecatedFirstTimestamp ?? e.eventTime) : (e.firstTimestamp ?? e.eventTime);
  const last = isNew ? (e.series?.lastObservedTime ?? e.deprecatedLastTimestamp ?? e.eventTime) : (e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime);
  return {
    uid: e?.metadata?.uid ?? `${e?.metadata?.namespace}/${e?.metadata?.name}`,
    reason: e?.reason ?? '',
    type: e?.type ?? 'Normal',
    message: isNew ? (e.note ?? '') : (e.message ?? ''),
    count: Number(count) || 1,
    firstSeen: first ?? undefined,
    lastSeen: last ?? first ?? undefined,
    object: { kind: obj?.kind, name: obj?.name, namespace: obj?.namespace, uid: obj?.uid, ...(typeof obj?.fieldPath === 'string' ? { fieldPath: obj.fieldPath } : {}) },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface EventGroup {
  reason: string;
  type: string;
  total: number;
  firstSeen?: string;
  lastSeen?: string;
  /** The most recent message. */
  message: string;
}

/** Groups by reason with totals, Warnings first, then by total. */
export function groupEvents(events: readonly KubeEvent[]): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const e of events) {
    const g = groups.get(e.reason) ?? { reason: e.reason, type: e.type, total: 0, firstSeen: e.firstSeen, lastSeen: e.lastSeen, message: e.message };
    g.total += e.count;
    if (e.firstSeen && (!g.firstSeen || e.firstSeen < g.firstSeen)) g.firstSeen = e.firstSeen;
    if (e.lastSeen && (!g.lastSeen || e.lastSeen >= g.lastSeen)) {
      g.lastSeen = e.lastSeen;
      g.message = e.message;
    }
    if (e.type === 'Warning') g.type = 'Warning';
    groups.set(e.reason, g);
  }
  return [...groups.values()].sort((a, b) => Number(b.type === 'Warning') - Number(a.type === 'Warning') || b.total - a.total || a.reason.localeCompare(b.reason));
}

/** "Unhealthy ×18 · Killing ×3 · BackOff ×5". */
export function eventTotalsLine(groups: readonly EventGroup[]): string {
  return groups.map((g) => `${g.reason} ×${g.total}`).join(' · ');
}

/**
 * Why there are N times as many Unhealthy as Killing events: each kill follows failureThreshold
 * failed liveness probes (readiness and startup failures add Unhealthy events too).
 */
export function explainRatio(groups: readonly EventGroup[], failureThreshold: number | undefined): string | undefined {
  const unhealthy = groups.find((g) => g.reason === 'Unhealthy')?.total ?? 0;
  const killing = groups.find((g) => g.reason === 'Killing')?.total ?? 0;
  if (!killing) return unhealthy ? `${unhealthy} failed probes and no kill yet: the failures never reached the failure threshold in a row.` : undefined;
  const ratio = unhealthy / killing;
  const shown = Number.isInteger(ratio) ? String(ratio) : ratio.toFixed(1);
  if (failureThreshold === undefined) return `${shown} Unhealthy per Killing.`;
  if (Math.abs(ratio - failureThreshold) < 0.5) {
    return `${shown} Unhealthy per Killing: each restart followed ${failureThreshold} failed liveness probes in a row, as failureThreshold ${failureThreshold} says.`;
  }
  const pending = unhealthy - failureThreshold * killing;
  if (pending > 0 && pending < failureThreshold) {
    return `${failureThreshold} Unhealthy per Killing, as failureThreshold ${failureThreshold} says: each restart followed ${failureThreshold} failed liveness probes in a row; the last ${pending} failure${pending === 1 ? '' : 's'} since the latest restart ${pending === 1 ? 'has' : 'have'} not reached the threshold yet.`;
  }
  return ratio > failureThreshold
    ? `${shown} Unhealthy per Killing, more than failureThreshold ${failureThreshold}: some failures did not lead to a kill (the worker recovered in time, or readiness/startup probes failed too).`
    : `${shown} Unhealthy per Killing, fewer than failureThreshold ${failureThreshold}: some kills had other causes, or events were aggregated away.`;
}
