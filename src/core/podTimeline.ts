/**
 * What the Pod panel draws: the events a watch has seen (with a time for each occurrence of an
 * aggregated event), the restarts seen in containers' lastState.terminated, and per pod a timeline
 * of restarts, Unhealthy, Killing and BackOff.
 */
import { KubeEvent, normalizeEvent } from './events';
import { ResyncMap } from './resync';
import { PodSummary, WatchEvent } from './pods';
import type { RestartReason } from './restartReason';

/** Kubernetes' default failureThreshold. */
export const DEFAULT_FAILURE_THRESHOLD = 3;
/** Occurrences kept per event and restarts kept per pod: enough for a timeline, bounded for a long watch. */
export const MAX_POINTS = 300;

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON */
/** The liveness probe's failureThreshold of the pod's first container (3 when the probe leaves it out); undefined without a liveness probe. */
export function livenessFailureThreshold(pod: any): number | undefined {
  const probe = pod?.spec?.containers?.[0]?.livenessProbe;
  if (!probe || typeof probe !== 'object') return undefined;
  const f = probe.failureThreshold;
  return typeof f === 'number' && Number.isFinite(f) && f > 0 ? f : DEFAULT_FAILURE_THRESHOLD;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const ms = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

/** `n` times spread evenly over (from, to]; all at `to` when `from` is unknown or not earlier. */
function spread(n: number, from: number | undefined, to: number, includeFrom: boolean): number[] {
  if (n <= 0) return [];
  if (from === undefined || from >= to) return Array.from({ length: n }, () => to);
  if (includeFrom) {
    if (n === 1) return [to];
    return Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * i) / (n - 1)));
  }
  return Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * (i + 1)) / n));
}

/**
 * When each occurrence of an aggregated event happened. Kubernetes keeps only the count and the
 * first and last time; a watch sees each count step with its lastTimestamp, so occurrences seen
 * live are exact and those from before the watch are spread over firstSeen…lastSeen (`approx`).
 */
export function occurrenceTimes(prev: { event: KubeEvent; times: number[]; approx: number } | undefined, next: KubeEvent): { times: number[]; approx: number } {
  const last = ms(next.lastSeen) ?? ms(next.firstSeen);
  if (last === undefined) return prev && prev.event.count <= next.count ? { times: prev.times, approx: prev.approx } : { times: [], approx: 0 };
  if (!prev || next.count < prev.event.count) {
    const times = spread(next.count, ms(next.firstSeen), last, true);
    return { times: times.slice(-MAX_POINTS), approx: next.count > 1 ? next.count : 0 };
  }
  const added = next.count - prev.event.count;
  if (added <= 0) return { times: prev.times, approx: prev.approx };
  const times = [...prev.times, ...spread(added, ms(prev.event.lastSeen), last, false)];
  return { times: times.slice(-MAX_POINTS), approx: prev.approx };
}

/** The events a watch has seen, with a resync sweep like PodStore's. */
export class EventStore {
  private readonly events = new ResyncMap<{ event: KubeEvent; times: number[]; approx: number }>();

  get size(): number {
    return this.events.size;
  }

  /** Applies one watch event; returns true when the view should change. */
  apply(e: WatchEvent): boolean {
    if (e.type === 'BOOKMARK' || e.type === 'ERROR' || !e.object?.metadata) return false;
    const k = normalizeEvent(e.object);
    this.events.seen(k.uid);
    if (e.type === 'DELETED') return this.events.delete(k.uid);
    const prev = this.events.get(k.uid);
    if (prev && prev.event.count === k.count && prev.event.lastSeen === k.lastSeen && prev.event.message === k.message) return false;
    this.events.set(k.uid, { event: k, ...occurrenceTimes(prev, k) });
    return true;
  }

  beginResync(): void {
    this.events.beginResync();
  }

  endResync(): number {
    return this.events.endResync();
  }

  /** Events about the named pods (all events when `pods` is undefined). */
  list(pods?: ReadonlySet<string>): KubeEvent[] {
    return [...this.events.values()].map((x) => x.event).filter((e) => !pods || (e.object.kind === 'Pod' && pods.has(e.object.name ?? '')));
  }

  /** Each occurrence of each event about one pod, oldest first. */
  occurrences(pod: string): Array<{ t: number; event: KubeEvent; approx: boolean }> {
    const out: Array<{ t: number; event: KubeEvent; approx: boolean }> = [];
    for (const x of this.events.values()) {
      if (x.event.object.kind !== 'Pod' || x.event.object.name !== pod) continue;
      x.times.forEach((t, i) => out.push({ t, event: x.event, approx: i < x.approx }));
    }
    return out.sort((a, b) => a.t - b.t);
  }

  clear(): void {
    this.events.clear();
  }
}

export interface Restart {
  container: string;
  /** lastState.terminated.finishedAt, ms since the epoch. */
  t: number;
  reason?: string;
  exitCode?: number;
}

/** Every distinct lastState.terminated a watch has seen, per pod: the restarts since the panel opened, and the latest before. */
export class RestartHistory {
  private readonly byPod = new Map<string, Map<string, Restart>>();

  observe(p: PodSummary): boolean {
    let changed = false;
    for (const c of p.containers) {
      const term = c.lastTermination;
      const t = ms(term?.finishedAt);
      if (!term || t === undefined) continue;
      const seen = this.byPod.get(p.uid) ?? new Map<string, Restart>();
      const key = `${c.name}@${term.finishedAt}`;
      if (!seen.has(key)) {
        seen.set(key, { container: c.name, t, reason: term.reason, exitCode: term.exitCode });
        if (seen.size > MAX_POINTS) seen.delete(seen.keys().next().value as string);
        changed = true;
      }
      this.byPod.set(p.uid, seen);
    }
    return changed;
  }

  forPod(uid: string): Restart[] {
    return [...(this.byPod.get(uid)?.values() ?? [])].sort((a, b) => a.t - b.t);
  }

  /** Forgets pods that are gone. */
  keepOnly(uids: ReadonlySet<string>): void {
    for (const uid of [...this.byPod.keys()]) if (!uids.has(uid)) this.byPod.delete(uid);
  }
}

export type PointKind = 'restart' | 'unhealthy' | 'killing' | 'backoff' | 'warning';

export interface TimelinePoint {
  /** ms since the epoch */
  t: number;
  kind: PointKind;
  text: string;
  /** The time is spread from an aggregated event's first/last seen, not observed. */
  approx?: boolean;
}

export interface PodTimeline {
  pod: string;
  start: number;
  end: number;
  points: TimelinePoint[];
  /** Restarts the pod counts whose time is not on the timeline (counts.restarts − counts.timed). */
  earlierRestarts: number;
  counts: RestartCounts;
  /** The counts in words (restartCaption). */
  caption: string;
}

/**
 * The panel's one definition of a restart: a container restart the kubelet counted
 * (status.containerStatuses[].restartCount, summed over the pod's containers). The other numbers
 * the panel shows count something else, and say so:
 * - timed: restarts whose time is known, because the watch saw the container's lastState.terminated
 *   (the latest restart before the panel opened, and each one since); they are the restart marks.
 * - killing: Killing events about the pod in the events Kubernetes still keeps (an hour by default),
 *   of which restartKills said the container "will be restarted" (a failed probe) and stops did not
 *   (the pod was deleted, e.g. replaced by a rollout). A restart needs no Killing event (a crash
 *   or an OOM kill has none), so neither number equals the restarts.
 */
export interface RestartCounts {
  restarts: number;
  timed: number;
  killing: number;
  restartKills: number;
  stops: number;
}

/** A Killing event that restarts the container (a failed liveness or startup probe), not one that stops it for good. */
export function isRestartKill(message: string): boolean {
  return /will be restarted/i.test(message);
}

/** The restart counts of one pod: see RestartCounts. */
export function restartCounts(p: PodSummary, restarts: RestartHistory, events: EventStore): RestartCounts {
  const timed = Math.min(p.restarts, restarts.forPod(p.uid).length);
  let killing = 0;
  let restartKills = 0;
  for (const o of events.occurrences(p.name)) {
    if (o.event.reason !== 'Killing') continue;
    killing++;
    if (isRestartKill(o.event.message)) restartKills++;
  }
  return { restarts: p.restarts, timed, killing, restartKills, stops: killing - restartKills };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The counts in words, where they can differ: "6 restarts (restartCount); 4 with a known time, …". */
export function restartCaption(c: RestartCounts): string {
  const parts = [`${plural(c.restarts, 'restart')} (the kubelet's restartCount since the pod started)`];
  if (c.timed < c.restarts) parts.push(`${c.timed} of them with a known time on the timeline; ${c.restarts - c.timed} earlier ${c.restarts - c.timed === 1 ? 'one is' : 'ones are'} counted but Kubernetes keeps no time for ${c.restarts - c.timed === 1 ? 'it' : 'them'}`);
  if (c.killing) {
    const kinds = [c.restartKills ? `${c.restartKills} for a failed probe ("will be restarted")` : undefined, c.stops ? `${c.stops} stopping the container for good (pod deleted or replaced)` : undefined].filter(Boolean).join(', ');
    parts.push(`${plural(c.killing, 'Killing event')} in the events Kubernetes still keeps: ${kinds}`);
  }
  return `${parts.join('; ')}.`;
}

function pointKind(e: KubeEvent): PointKind | undefined {
  switch (e.reason) {
    case 'Unhealthy':
      return 'unhealthy';
    case 'Killing':
      return 'killing';
    case 'BackOff':
      return 'backoff';
    default:
      return e.type === 'Warning' ? 'warning' : undefined;
  }
}

const describeRestart = (r: Restart) => `${r.container} restarted: ${r.reason ?? 'terminated'}${r.exitCode !== undefined ? `, exit ${r.exitCode}` : ''}`;

/** One timeline per pod: restarts from lastState.terminated, Unhealthy/Killing/BackOff/other Warnings from events. */
export function buildTimelines(pods: readonly PodSummary[], restarts: RestartHistory, events: EventStore, now: number): PodTimeline[] {
  return pods.map((p) => {
    const points: TimelinePoint[] = restarts.forPod(p.uid).map((r) => ({ t: r.t, kind: 'restart', text: describeRestart(r) }));
    for (const o of events.occurrences(p.name)) {
      const kind = pointKind(o.event);
      if (!kind) continue;
      points.push({ t: o.t, kind, text: `${o.event.reason}: ${o.event.message}`, ...(o.approx ? { approx: true } : {}) });
    }
    points.sort((a, b) => a.t - b.t);
    const counts = restartCounts(p, restarts, events);
    const created = ms(p.createdAt);
    const start = Math.min(created ?? now, points[0]?.t ?? now);
    return { pod: p.name, start, end: Math.max(now, points[points.length - 1]?.t ?? now), points, earlierRestarts: counts.restarts - counts.timed, counts, caption: restartCaption(counts) };
  });
}

export interface PodRow {
  uid: string;
  name: string;
  ready: number;
  total: number;
  status: string;
  health: PodSummary['health'];
  restarts: number;
  lastReason?: string;
  lastExitCode?: number;
  lastFinishedAt?: string;
  node?: string;
  createdAt?: string;
  notReadyReason?: string;
  /** Why each container last restarted or does not run (restartReasons). */
  reasons?: RestartReason[];
}

/** A table row: the latest termination of any container (its lastState, or its current terminated state). */
export function podRow(p: PodSummary): PodRow {
  let last: { reason?: string; exitCode?: number; finishedAt?: string } | undefined;
  for (const c of p.containers) {
    const t = c.lastTermination;
    if (t && (!last || (t.finishedAt ?? '') > (last.finishedAt ?? ''))) last = t;
    if (c.state === 'terminated' && c.reason && (!last || !last.finishedAt)) last = { reason: c.reason };
  }
  return {
    uid: p.uid,
    name: p.name,
    ready: p.ready,
    total: p.total,
    status: p.status,
    health: p.health,
    restarts: p.restarts,
    lastReason: last?.reason,
    lastExitCode: last?.exitCode,
    lastFinishedAt: last?.finishedAt,
    node: p.node,
    createdAt: p.createdAt,
    notReadyReason: p.notReadyReason,
  };
}

/** The failureThreshold the ratio is explained against: the one most of the pods have. */
export function commonThreshold(thresholds: ReadonlyArray<number | undefined>): number | undefined {
  const counts = new Map<number, number>();
  for (const t of thresholds) if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + 1);
  let best: number | undefined;
  for (const [t, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = t;
  return best;
}
