/**
 * Messages between the Pod panel's host (podPanel.ts) and its page (media/pods/main.ts). Both sides
 * check what they receive; a malformed message is ignored and logged.
 */
import type { EventGroup } from '../../core/events';
import type { PodRow, PodTimeline, PointKind } from '../../core/podTimeline';

export type WatchState = 'connecting' | 'watching' | 'retrying' | 'stopped' | 'failed';

export interface WatchInfo {
  state: WatchState;
  message?: string;
}

export interface PanelState {
  namespace: string;
  release?: string;
  pod?: string;
  /** Why the panel shows something else than it was opened on ("pod X was replaced; showing R's pods"). */
  note?: string;
  watch: { pods: WatchInfo; events: WatchInfo };
  /** How many times the watches were started (1 + each Retry). */
  starts: number;
  pods: PodRow[];
  timelines: PodTimeline[];
  groups: EventGroup[];
  /** "Unhealthy ×18 · Killing ×3 · BackOff ×5" */
  totals: string;
  /** The liveness failureThreshold from the pods' own spec. */
  failureThreshold?: number;
  ratio?: string;
  /** ms since the epoch, when the state was taken. */
  now: number;
}

export type HostMessage = { type: 'state'; state: PanelState };

export type PageMessage = { type: 'ready' } | { type: 'retry' };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown) => v === undefined || typeof v === 'string';
const optNum = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

export function isPageMessage(v: unknown): v is PageMessage {
  if (!isObj(v)) return false;
  return (v.type === 'ready' || v.type === 'retry') && Object.keys(v).length === 1;
}

const WATCH_STATES: readonly string[] = ['connecting', 'watching', 'retrying', 'stopped', 'failed'];
const POINT_KINDS: readonly PointKind[] = ['restart', 'unhealthy', 'killing', 'backoff', 'warning'];

const isWatchInfo = (v: unknown) => isObj(v) && WATCH_STATES.includes(String(v.state)) && optStr(v.message);

function isRow(v: unknown): v is PodRow {
  return (
    isObj(v) &&
    typeof v.uid === 'string' &&
    typeof v.name === 'string' &&
    num(v.ready) &&
    num(v.total) &&
    typeof v.status === 'string' &&
    typeof v.health === 'string' &&
    num(v.restarts) &&
    optStr(v.lastReason) &&
    optNum(v.lastExitCode) &&
    optStr(v.lastFinishedAt) &&
    optStr(v.node) &&
    optStr(v.createdAt) &&
    optStr(v.notReadyReason)
  );
}

function isTimeline(v: unknown): v is PodTimeline {
  return (
    isObj(v) &&
    typeof v.pod === 'string' &&
    num(v.start) &&
    num(v.end) &&
    num(v.earlierRestarts) &&
    typeof v.caption === 'string' &&
    isObj(v.counts) &&
    ['restarts', 'timed', 'killing', 'restartKills', 'stops'].every((k) => num((v.counts as Record<string, unknown>)[k])) &&
    Array.isArray(v.points) &&
    v.points.every((p) => isObj(p) && num(p.t) && POINT_KINDS.includes(p.kind as PointKind) && typeof p.text === 'string' && (p.approx === undefined || typeof p.approx === 'boolean'))
  );
}

function isGroup(v: unknown): v is EventGroup {
  return isObj(v) && typeof v.reason === 'string' && typeof v.type === 'string' && num(v.total) && optStr(v.firstSeen) && optStr(v.lastSeen) && typeof v.message === 'string';
}

export function isPanelState(v: unknown): v is PanelState {
  return (
    isObj(v) &&
    typeof v.namespace === 'string' &&
    optStr(v.release) &&
    optStr(v.pod) &&
    optStr(v.note) &&
    isObj(v.watch) &&
    isWatchInfo(v.watch.pods) &&
    isWatchInfo(v.watch.events) &&
    num(v.starts) &&
    Array.isArray(v.pods) &&
    v.pods.every(isRow) &&
    Array.isArray(v.timelines) &&
    v.timelines.every(isTimeline) &&
    Array.isArray(v.groups) &&
    v.groups.every(isGroup) &&
    typeof v.totals === 'string' &&
    optNum(v.failureThreshold) &&
    optStr(v.ratio) &&
    num(v.now)
  );
}

export function isHostMessage(v: unknown): v is HostMessage {
  return isObj(v) && v.type === 'state' && Object.keys(v).length === 2 && isPanelState(v.state);
}
