/**
 * Messages between the Pod panel's host (podPanel.ts) and its page (media/pods/main.ts). Both sides
 * check what they receive; a malformed message is ignored and logged.
 */
import type { EventGroup } from '../../core/events';
import type { PodRow, PodTimeline, PointKind } from '../../core/podTimeline';
import { FIX_COMMANDS, RESTART_KINDS, type ReasonFix, type RestartReason } from '../../core/restartReason';

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
  /** The workspace is trusted: the fix buttons (which run az or docker) work. */
  trusted: boolean;
}

export type HostMessage = { type: 'state'; state: PanelState };

export type PageMessage = { type: 'ready' } | { type: 'retry' } | { type: 'fix'; command: ReasonFix['command']; pod: string; container: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown) => v === undefined || typeof v === 'string';
const optNum = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

export function isPageMessage(v: unknown): v is PageMessage {
  if (!isObj(v)) return false;
  if (v.type === 'fix') {
    return Object.keys(v).length === 4 && FIX_COMMANDS.includes(v.command as ReasonFix['command']) && typeof v.pod === 'string' && typeof v.container === 'string';
  }
  return (v.type === 'ready' || v.type === 'retry') && Object.keys(v).length === 1;
}

const PROBES: readonly string[] = ['liveness', 'readiness', 'startup'];
const CAUSES: readonly string[] = ['timeout', 'refused', 'status', 'notFound', 'other'];

function isFix(v: unknown): v is ReasonFix {
  return isObj(v) && FIX_COMMANDS.includes(v.command as ReasonFix['command']) && typeof v.title === 'string' && typeof v.hint === 'string' && optStr(v.registry);
}

export function isReason(v: unknown): v is RestartReason {
  return (
    isObj(v) &&
    typeof v.container === 'string' &&
    RESTART_KINDS.includes(v.kind as RestartReason['kind']) &&
    typeof v.title === 'string' &&
    typeof v.detail === 'string' &&
    (v.when === 'restart' || v.when === 'waiting' || v.when === 'running') &&
    optNum(v.exitCode) &&
    optStr(v.at) &&
    optStr(v.message) &&
    (v.logLines === undefined || (Array.isArray(v.logLines) && v.logLines.every((l) => typeof l === 'string'))) &&
    (v.fix === undefined || isFix(v.fix)) &&
    (v.probe === undefined ||
      (isObj(v.probe) && PROBES.includes(String(v.probe.probe)) && num(v.probe.failures) && num(v.probe.kills) && num(v.probe.failureThreshold) && typeof v.probe.lastMessage === 'string' && CAUSES.includes(String(v.probe.cause))))
  );
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
    optStr(v.notReadyReason) &&
    (v.reasons === undefined || (Array.isArray(v.reasons) && v.reasons.every(isReason)))
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
    num(v.now) &&
    typeof v.trusted === 'boolean'
  );
}

export function isHostMessage(v: unknown): v is HostMessage {
  return isObj(v) && v.type === 'state' && Object.keys(v).length === 2 && isPanelState(v.state);
}
