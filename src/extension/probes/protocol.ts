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

export type HostMessage =
  | { type: 'state'; state: FormState; reason: 'open' | 'external' | 'saved' | 'reverted' | 'moved' | 'added'; draft?: FormDraft }
  | { type: 'where'; where: WhereInfo }
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
      return Object.keys(v).length === 1;
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
