/**
 * Messages between the Probe form's host (probePanel.ts) and its page (media/probes/main.ts). Both
 * sides check what they receive; a malformed message is ignored and logged.
 */
import type { Sample } from '../../core/latency';
import type { ContainerPort, Probe, ProbeHandler, ProbeKind, TimingField } from '../../core/probes';
import { PROBE_KINDS, TIMING_FIELDS } from '../../core/probes';
import { nameProblem } from '../../core/names';

export type ProbeSet = Partial<Record<ProbeKind, Probe>>;

/** One probe as the form holds it: the text of each field as typed (invalid text included). */
export interface ProbeFormDraft {
  enabled: boolean;
  type: ProbeHandler['type'];
  path: string;
  port: string;
  scheme: 'HTTP' | 'HTTPS';
  headers: string;
  command: string;
  service: string;
  timings: Record<TimingField, string>;
}

/** The form's unsaved state: kept by the editor for hot exit and to come back to after a reload. */
export type FormDraft = Record<ProbeKind, ProbeFormDraft>;

/** A file of the chart (values.yaml or the deployment template) and a position in it, 1-based. */
export interface FileLocation {
  which: 'values' | 'deployment';
  /** Relative to the workspace, e.g. "charts/w/values.yaml:3:7" without the position. */
  file: string;
  line: number;
  column: number;
}

export interface FormState {
  chart: string;
  /** Where the probes are saved, relative to the workspace. */
  file: string;
  /**
   * values/template: the chart's values.yaml or deployment template, edited as documents (Undo works);
   * helm: probes the files alone do not show (switches, helpers, components), read from Helm's render
   * and saved where Helm reads them, each save verified by a render; none: no probes found.
   */
  location: 'values' | 'template' | 'helm' | 'none';
  note?: string;
  ports: ContainerPort[];
  probes: ProbeSet;
  /** values.yaml (or the template) does not parse: what YAML says and where. */
  problem?: { message: string; at: FileLocation };
}

/** A pod "Measure it" can call. */
export interface MeasurePod {
  name: string;
  status: string;
  ready: boolean;
}

export type HttpGetHandler = Extract<ProbeHandler, { type: 'httpGet' }>;

export interface MeasureRequest {
  type: 'measure';
  pod: string;
  handler: HttpGetHandler;
  durationSeconds: number;
  requestTimeoutSeconds: number;
}

export type MeasureEnd = 'duration' | 'stopped' | 'lost' | 'failed';

/** Where Helm reads each field of each probe, for the form to show beside them. */
export interface WhereInfo {
  /** The workload and container the probes are of, e.g. "Deployment/w-worker", "worker". */
  workload: string;
  container: string;
  fields: Partial<Record<ProbeKind, Array<{ field: string; text: string; editable: boolean }>>>;
  /** A probe's switch, e.g. "livenessProbe.enabled = true (values.yaml:120)". */
  switches: Partial<Record<ProbeKind, string>>;
}

/** A place the shutdown section links to; the page asks the host to open it by id (the host keeps the paths). */
export interface SourceLink {
  id: number;
  /** What the link shows, e.g. "values.yaml:26", "src/Worker/appsettings.json:4". */
  label: string;
}

/** One number of the shutdown budget and where it comes from. */
export interface ShutdownRow {
  /** "terminationGracePeriodSeconds", "ShutdownTimeout", "preStop". */
  name: string;
  /** "30 s", "unknown", "none". */
  value: string;
  /** Where it comes from, in words. */
  from: string;
  link?: SourceLink;
}

/** The shutdown budget as the form shows it (see core/shutdown.ts). */
export interface ShutdownInfo {
  verdict: 'ok' | 'warning' | 'unknown';
  message: string;
  note?: string;
  rows: ShutdownRow[];
  /** Places that also set ShutdownTimeout but lose to the first, or that the host ignores (with why). */
  overridden: Array<ShutdownRow & { ignored?: string }>;
  notes: string[];
  /** The grace period the budget asks for, when the form can set it (the chart exposes it). */
  offer?: { seconds: number };
  /** The chart does not set terminationGracePeriodSeconds: where its template would need it. */
  hint?: { text: string; link?: SourceLink };
  /** Why the chart's side is not shown (Restricted Mode, no helm, a chart Helm cannot render). */
  unavailable?: string;
}

export type HostMessage =
  | { type: 'state'; state: FormState; reason: 'open' | 'external' | 'saved' | 'reverted' | 'moved' | 'added'; draft?: FormDraft }
  | { type: 'where'; where: WhereInfo }
  | { type: 'shutdown'; shutdown: ShutdownInfo }
  /** The grace period was set (or could not be): the sentence to show. */
  | { type: 'graceSet'; ok: boolean; message: string }
  | { type: 'error'; message: string; at?: FileLocation }
  | { type: 'pods'; release: string; namespace: string; pods: MeasurePod[]; error?: string }
  | { type: 'measureStarted'; pod: string; port: number; localPort: number; durationSeconds: number; requestTimeoutSeconds: number; startedAt: number }
  | { type: 'measureSamples'; samples: Sample[] }
  | { type: 'measureDone'; ended: MeasureEnd; message?: string };

export type PageMessage =
  | { type: 'ready' }
  | { type: 'save'; probes: ProbeSet }
  /** The form changed: `dirty` when it departs from the files; `probes` only when every field is valid, else `error` says why not. */
  | { type: 'changed'; dirty: boolean; draft: FormDraft; probes?: ProbeSet; error?: string }
  | { type: 'revert' }
  | { type: 'openFile' }
  | { type: 'openAt'; at: FileLocation }
  | { type: 'moveToValues' }
  | { type: 'addToValues' }
  | { type: 'listPods' }
  /** Opens a file the shutdown section links to. */
  | { type: 'openSource'; id: number }
  /** Sets the pod's terminationGracePeriodSeconds where Helm reads it (checked by a render). */
  | { type: 'setGrace'; seconds: number }
  | { type: 'refreshShutdown' }
  | MeasureRequest
  | { type: 'stopMeasure' };

/** Measuring limits: a duration up to an hour, a request timeout up to 10 minutes. */
export const MEASURE_LIMITS = { durationSeconds: 3600, requestTimeoutSeconds: 600 } as const;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 64);

export function isHandler(v: unknown): v is ProbeHandler {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'httpGet':
      return (
        typeof v.path === 'string' &&
        v.path.length <= 2048 &&
        isPort(v.port) &&
        (v.scheme === undefined || v.scheme === 'HTTP' || v.scheme === 'HTTPS') &&
        (v.headers === undefined || (Array.isArray(v.headers) && v.headers.length <= 50 && v.headers.every((h) => isObj(h) && typeof h.name === 'string' && typeof h.value === 'string')))
      );
    case 'tcpSocket':
      return isPort(v.port);
    case 'exec':
      return Array.isArray(v.command) && v.command.length <= 100 && v.command.every((c) => typeof c === 'string' && c.length <= 4096);
    case 'grpc':
      return typeof v.port === 'number' && (v.service === undefined || typeof v.service === 'string');
    default:
      return false;
  }
}

export function isProbe(v: unknown): v is Probe {
  if (!isObj(v) || !isHandler(v.handler)) return false;
  for (const k of Object.keys(v)) if (k !== 'handler' && !(TIMING_FIELDS as readonly string[]).includes(k)) return false;
  return TIMING_FIELDS.every((f) => v[f] === undefined || (typeof v[f] === 'number' && Number.isFinite(v[f] as number)));
}

export function isProbeSet(v: unknown): v is ProbeSet {
  return isObj(v) && Object.entries(v).every(([k, p]) => (PROBE_KINDS as readonly string[]).includes(k) && (p === undefined || isProbe(p)));
}

const HANDLER_TYPES = ['httpGet', 'tcpSocket', 'exec', 'grpc'];
const isText = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;

export function isFormDraft(v: unknown): v is FormDraft {
  if (!isObj(v) || Object.keys(v).length !== PROBE_KINDS.length) return false;
  return PROBE_KINDS.every((k) => {
    const f = v[k];
    if (!isObj(f) || typeof f.enabled !== 'boolean' || !HANDLER_TYPES.includes(f.type as string) || (f.scheme !== 'HTTP' && f.scheme !== 'HTTPS')) return false;
    if (!['path', 'port', 'headers', 'command', 'service'].every((x) => isText(f[x], 20_000))) return false;
    const t = f.timings;
    return isObj(t) && Object.keys(t).length === TIMING_FIELDS.length && TIMING_FIELDS.every((x) => isText(t[x], 200));
  });
}

export function isFileLocation(v: unknown): v is FileLocation {
  return isObj(v) && (v.which === 'values' || v.which === 'deployment') && isText(v.file, 4096) && Number.isInteger(v.line) && Number.isInteger(v.column) && (v.line as number) >= 1 && (v.column as number) >= 1;
}

const inRange = (v: unknown, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= max;

const OUTCOMES = ['ok', 'status', 'timeout', 'error'];
export function isSample(v: unknown): v is Sample {
  return isObj(v) && typeof v.at === 'number' && typeof v.ms === 'number' && OUTCOMES.includes(v.outcome as string) && (v.status === undefined || typeof v.status === 'number') && (v.error === undefined || typeof v.error === 'string');
}

export function isPageMessage(v: unknown): v is PageMessage {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'ready':
    case 'revert':
    case 'openFile':
    case 'moveToValues':
    case 'addToValues':
      return Object.keys(v).length === 1;
    case 'save':
      return Object.keys(v).length === 2 && isProbeSet(v.probes);
    case 'changed':
      return (
        typeof v.dirty === 'boolean' &&
        isFormDraft(v.draft) &&
        (v.probes === undefined || isProbeSet(v.probes)) &&
        (v.error === undefined || isText(v.error, 4096)) &&
        Object.keys(v).every((k) => ['type', 'dirty', 'draft', 'probes', 'error'].includes(k))
      );
    case 'openAt':
      return Object.keys(v).length === 2 && isFileLocation(v.at);
    case 'listPods':
    case 'stopMeasure':
    case 'refreshShutdown':
      return Object.keys(v).length === 1;
    case 'openSource':
      return Object.keys(v).length === 2 && Number.isInteger(v.id) && (v.id as number) >= 0 && (v.id as number) < 1000;
    case 'setGrace':
      return Object.keys(v).length === 2 && Number.isInteger(v.seconds) && (v.seconds as number) >= 0 && (v.seconds as number) <= 86_400;
    case 'measure':
      return (
        Object.keys(v).length === 5 &&
        typeof v.pod === 'string' &&
        nameProblem('pod', v.pod) === undefined &&
        isHandler(v.handler) &&
        v.handler.type === 'httpGet' &&
        inRange(v.durationSeconds, MEASURE_LIMITS.durationSeconds) &&
        inRange(v.requestTimeoutSeconds, MEASURE_LIMITS.requestTimeoutSeconds)
      );
    default:
      return false;
  }
}

const isLink = (v: unknown): v is SourceLink => isObj(v) && Number.isInteger(v.id) && isText(v.label, 4096) && Object.keys(v).length === 2;
const isRow = (v: unknown): v is ShutdownRow =>
  isObj(v) && isText(v.name, 200) && isText(v.value, 200) && isText(v.from, 8192) && (v.link === undefined || isLink(v.link)) && (v.ignored === undefined || isText(v.ignored, 4096));

/** The page's check of a shutdown message from the host. */
export function isShutdownInfo(v: unknown): v is ShutdownInfo {
  if (!isObj(v) || !['ok', 'warning', 'unknown'].includes(v.verdict as string) || !isText(v.message, 8192)) return false;
  if (v.note !== undefined && !isText(v.note, 8192)) return false;
  if (!Array.isArray(v.rows) || v.rows.length > 10 || !v.rows.every(isRow)) return false;
  if (!Array.isArray(v.overridden) || v.overridden.length > 50 || !v.overridden.every(isRow)) return false;
  if (!Array.isArray(v.notes) || v.notes.length > 20 || !v.notes.every((n) => isText(n, 8192))) return false;
  if (v.offer !== undefined && !(isObj(v.offer) && Number.isInteger(v.offer.seconds))) return false;
  if (v.hint !== undefined && !(isObj(v.hint) && isText(v.hint.text, 8192) && (v.hint.link === undefined || isLink(v.hint.link)))) return false;
  return v.unavailable === undefined || isText(v.unavailable, 8192);
}
