/**
 * Messages between the Probe form's host (probePanel.ts) and its page (media/probes/main.ts). Both
 * sides check what they receive; a malformed message is ignored and logged.
 */
import type { ContainerPort, Probe, ProbeHandler, ProbeKind } from '../../core/probes';
import { PROBE_KINDS, TIMING_FIELDS } from '../../core/probes';

export type ProbeSet = Partial<Record<ProbeKind, Probe>>;

export interface FormState {
  chart: string;
  /** Where the probes are saved, relative to the workspace. */
  file: string;
  location: 'values' | 'template' | 'none';
  note?: string;
  ports: ContainerPort[];
  probes: ProbeSet;
}

export type HostMessage =
  | { type: 'state'; state: FormState; reason: 'open' | 'external' | 'saved' | 'reverted' | 'moved' | 'added' }
  | { type: 'error'; message: string };

export type PageMessage =
  | { type: 'ready' }
  | { type: 'save'; probes: ProbeSet }
  | { type: 'revert' }
  | { type: 'openFile' }
  | { type: 'moveToValues' }
  | { type: 'addToValues' };

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
    default:
      return false;
  }
}
