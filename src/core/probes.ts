/**
 * Kubernetes probes as the form edits them: handler, the five timings, validation with a reason per
 * field, and the budget: how long a worker may block before it is killed, and how long a hung pod
 * runs before it is restarted.
 */

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export const PROBE_KINDS: readonly ProbeKind[] = ['liveness', 'readiness', 'startup'];

export type ProbeHandler =
  | { type: 'httpGet'; path: string; port: number | string; scheme?: 'HTTP' | 'HTTPS'; headers?: Array<{ name: string; value: string }> }
  | { type: 'tcpSocket'; port: number | string }
  | { type: 'exec'; command: string[] }
  | { type: 'grpc'; port: number; service?: string };

export interface ProbeTimings {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface Probe extends ProbeTimings {
  handler: ProbeHandler;
}

export type TimingField = keyof ProbeTimings;
export const TIMING_FIELDS: readonly TimingField[] = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'];

/** Kubernetes' defaults for an unset field (terminationGracePeriodSeconds: the pod's, 30 s by default). */
export const DEFAULTS: Required<ProbeTimings> = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
  terminationGracePeriodSeconds: 30,
};

/** Minimums the API server enforces. */
/** What a timing field counts, in words: seconds, or checks (probes) for the thresholds. */
export function unitOf(f: TimingField, n: number): string {
  if (f === 'successThreshold' || f === 'failureThreshold') return n === 1 ? 'check (probe)' : 'checks (probes)';
  return n === 1 ? 'second' : 'seconds';
}

const MINIMUM: Required<ProbeTimings> = {
  initialDelaySeconds: 0,
  periodSeconds: 1,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 1,
  terminationGracePeriodSeconds: 1,
};

const MAX_SECONDS = 24 * 3600;

export const effective = (p: ProbeTimings, field: TimingField): number => p[field] ?? DEFAULTS[field];

/** Reads a probe from its Kubernetes YAML/JSON shape; undefined for an empty or unknown one. */
export function probeFromObject(o: unknown): Probe | undefined {
  if (!o || typeof o !== 'object') return undefined;
  const r = o as Record<string, unknown>;
  let handler: ProbeHandler | undefined;
  const h = r.httpGet as Record<string, unknown> | undefined;
  const t = r.tcpSocket as Record<string, unknown> | undefined;
  const e = r.exec as Record<string, unknown> | undefined;
  const g = r.grpc as Record<string, unknown> | undefined;
  if (h && typeof h === 'object') {
    handler = {
      type: 'httpGet',
      path: typeof h.path === 'string' ? h.path : '/',
      port: typeof h.port === 'number' || typeof h.port === 'string' ? h.port : '',
      ...(h.scheme === 'HTTPS' || h.scheme === 'HTTP' ? { scheme: h.scheme } : {}),
      ...(Array.isArray(h.httpHeaders) ? { headers: (h.httpHeaders as Array<{ name?: unknown; value?: unknown }>).map((x) => ({ name: String(x?.name ?? ''), value: String(x?.value ?? '') })) } : {}),
    };
  } else if (t && typeof t === 'object') handler = { type: 'tcpSocket', port: typeof t.port === 'number' || typeof t.port === 'string' ? t.port : '' };
  else if (e && typeof e === 'object') handler = { type: 'exec', command: Array.isArray(e.command) ? e.command.map(String) : [] };
  else if (g && typeof g === 'object') handler = { type: 'grpc', port: Number(g.port), ...(typeof g.service === 'string' ? { service: g.service } : {}) };
  if (!handler) return undefined;
  const probe: Probe = { handler };
  for (const f of TIMING_FIELDS) if (typeof r[f] === 'number') probe[f] = r[f] as number;
  return probe;
}

/** The Kubernetes shape of a probe, keys in the usual order, unset timings left out. */
export function probeToObject(p: Probe): Record<string, unknown> {
  const h = p.handler;
  const out: Record<string, unknown> = {};
  if (h.type === 'httpGet') {
    out.httpGet = { path: h.path, port: h.port, ...(h.scheme && h.scheme !== 'HTTP' ? { scheme: h.scheme } : {}), ...(h.headers?.length ? { httpHeaders: h.headers } : {}) };
  } else if (h.type === 'tcpSocket') out.tcpSocket = { port: h.port };
  else if (h.type === 'exec') out.exec = { command: h.command };
  else out.grpc = { port: h.port, ...(h.service ? { service: h.service } : {}) };
  for (const f of TIMING_FIELDS) if (p[f] !== undefined) out[f] = p[f];
  return out;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
}

export interface ProbeProblems {
  /** Errors by field ("periodSeconds", "handler.port", …): the probe cannot be saved. */
  errors: Record<string, string>;
  /** Warnings by field: allowed, but probably not meant. */
  warnings: Record<string, string>;
}

/** Validation as you type, with the reason next to each field. */
export function validateProbe(kind: ProbeKind, p: Probe, ports: readonly ContainerPort[] = []): ProbeProblems {
  const errors: Record<string, string> = {};
  const warnings: Record<string, string> = {};
  for (const f of TIMING_FIELDS) {
    const v = p[f];
    if (v === undefined) continue;
    if (!Number.isInteger(v)) errors[f] = `Use a whole number of ${unitOf(f, 2)}.`;
    else if (v < MINIMUM[f]) errors[f] = `Must be at least ${MINIMUM[f]} ${unitOf(f, MINIMUM[f])}.`;
    else if (v > MAX_SECONDS && f !== 'successThreshold' && f !== 'failureThreshold') errors[f] = 'Longer than a day: is that meant?';
  }
  if ((kind === 'liveness' || kind === 'startup') && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errors.successThreshold = `Must be 1 for a ${kind} probe (Kubernetes rejects anything else).`;
  }
  if (kind === 'readiness' && p.terminationGracePeriodSeconds !== undefined) {
    errors.terminationGracePeriodSeconds = 'Only liveness and startup probes may set it.';
  }
  if (!errors.timeoutSeconds && !errors.periodSeconds && effective(p, 'timeoutSeconds') > effective(p, 'periodSeconds')) {
    warnings.timeoutSeconds = `Longer than the period (${effective(p, 'periodSeconds')} s): the next probe starts before this one gives up.`;
  }
  const h = p.handler;
  const checkPort = (port: number | string) => {
    if (typeof port === 'number' || /^\d+$/.test(String(port))) {
      const n = Number(port);
      if (!Number.isInteger(n) || n < 1 || n > 65535) errors['handler.port'] = 'A port number from 1 to 65535, or the name of a container port.';
    } else if (!port) {
      errors['handler.port'] = 'Give a port number or the name of a container port.';
    } else if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(port) || port.length > 15) {
      errors['handler.port'] = 'A port name is up to 15 lower-case letters, digits and "-".';
    } else if (ports.length && !ports.some((cp) => cp.name === port)) {
      errors['handler.port'] = `The container has no port named "${port}" (it has ${ports.map((cp) => cp.name ?? cp.containerPort).join(', ')}).`;
    }
  };
  if (h.type === 'httpGet') {
    if (!h.path.startsWith('/')) errors['handler.path'] = 'The path starts with "/".';
    checkPort(h.port);
    for (const [i, hd] of (h.headers ?? []).entries()) if (!/^[A-Za-z0-9-]+$/.test(hd.name)) errors[`handler.headers.${i}`] = 'A header name is letters, digits and "-".';
  } else if (h.type === 'tcpSocket') checkPort(h.port);
  else if (h.type === 'exec') {
    if (h.command.length === 0 || !h.command[0]) errors['handler.command'] = 'Give the command to run, one argument per item.';
  } else if (!Number.isInteger(h.port) || h.port < 1 || h.port > 65535) errors['handler.port'] = 'gRPC probes need a port number from 1 to 65535 (not a name).';
  return { errors, warnings };
}

export interface Budget {
  /** The longest the worker may block without being killed: (failureThreshold − 1) × period + timeout. */
  maxBlockSeconds: number;
  /** The seed's rule of thumb: timeout × failureThreshold. */
  ruleOfThumbSeconds: number;
  /** A hang that starts just after a successful probe: F × period + timeout, then the grace period. */
  worstCaseRestartSeconds: number;
  /** Time until the kill starts in that worst case (before the grace period). */
  worstCaseDetectSeconds: number;
  /** When the first liveness check may run after the container starts. */
  firstLivenessCheckSeconds: number;
  /** How long startup may take before the startup probe (if any) kills the container. */
  startupAllowanceSeconds?: number;
  /** Set when a p99 was given. */
  coversP99?: boolean;
  /** Why the two block figures differ, in words. */
  explanation: string;
}

/**
 * The budget of a liveness probe (with the startup probe, when there is one). A block that starts
 * just before a probe fires fails that probe and the next F − 1, the last of which gives up
 * `timeout` seconds after it fires at (F − 1) × period: anything shorter is survived.
 */
export function probeBudget(liveness: ProbeTimings, startup?: ProbeTimings, p99Seconds?: number): Budget {
  const P = effective(liveness, 'periodSeconds');
  const T = effective(liveness, 'timeoutSeconds');
  const F = effective(liveness, 'failureThreshold');
  const grace = effective(liveness, 'terminationGracePeriodSeconds');
  const maxBlockSeconds = (F - 1) * P + T;
  const ruleOfThumbSeconds = T * F;
  const worstCaseDetectSeconds = F * P + T;
  const startupAllowanceSeconds = startup ? effective(startup, 'initialDelaySeconds') + effective(startup, 'failureThreshold') * effective(startup, 'periodSeconds') : undefined;
  // With a startup probe, liveness checks begin once it succeeds; at the latest after its allowance.
  const firstLivenessCheckSeconds = (startupAllowanceSeconds ?? 0) + effective(liveness, 'initialDelaySeconds');
  const explanation =
    ruleOfThumbSeconds === maxBlockSeconds
      ? `Here both give ${maxBlockSeconds} s: the timeout equals the period.`
      : `Probes fire every ${P} s whether or not the last one failed, so ${F} failures span ${F - 1} periods plus one timeout (${maxBlockSeconds} s), not ${F} timeouts (${ruleOfThumbSeconds} s). ` +
        (ruleOfThumbSeconds < maxBlockSeconds ? 'The rule of thumb is on the safe side here.' : 'The rule of thumb overstates the budget here: trust the first figure.');
  return {
    maxBlockSeconds,
    ruleOfThumbSeconds,
    worstCaseRestartSeconds: worstCaseDetectSeconds + grace,
    worstCaseDetectSeconds,
    firstLivenessCheckSeconds,
    ...(startupAllowanceSeconds !== undefined ? { startupAllowanceSeconds } : {}),
    ...(p99Seconds !== undefined ? { coversP99: maxBlockSeconds > p99Seconds } : {}),
    explanation,
  };
}

export interface Suggestion extends Required<Pick<ProbeTimings, 'periodSeconds' | 'timeoutSeconds' | 'failureThreshold'>> {
  maxBlockSeconds: number;
  worstCaseDetectSeconds: number;
  label: string;
}

/**
 * Settings whose budget covers a p99 block of `p99Seconds`: for each period, the current timeout
 * (at most the period) and the smallest failureThreshold that covers it, which also gives the
 * shortest time to restart a hung pod for that period. Shortest restart first.
 */
/** Suggestions never go below Kubernetes' default: one slow answer should not restart a worker. */
export const MIN_SUGGESTED_FAILURES = 3;

export function suggestForP99(p99Seconds: number, current: ProbeTimings): Suggestion[] {
  const need = Math.floor(p99Seconds) + 1; // the budget must exceed the p99
  const periods = [...new Set([effective(current, 'periodSeconds'), 5, 10, 15])].filter((p) => p >= 1);
  const out: Suggestion[] = [];
  for (const P of periods) {
    const T = Math.max(1, Math.min(effective(current, 'timeoutSeconds'), P));
    const F = Math.max(MIN_SUGGESTED_FAILURES, Math.ceil((need - T) / P) + 1);
    out.push({
      periodSeconds: P,
      timeoutSeconds: T,
      failureThreshold: F,
      maxBlockSeconds: (F - 1) * P + T,
      worstCaseDetectSeconds: F * P + T,
      label: P === effective(current, 'periodSeconds') ? `keep the ${P} s period` : `probe every ${P} s`,
    });
  }
  return out.sort((a, b) => a.worstCaseDetectSeconds - b.worstCaseDetectSeconds || b.periodSeconds - a.periodSeconds);
}

export type TimelineEvent =
  | { t: number; kind: 'probe'; result: 'ok' | 'timeout'; until: number }
  | { t: number; kind: 'blockStart' }
  | { t: number; kind: 'kill' };

/**
 * The picture's data for the worst case: a probe succeeds at 0 and the worker hangs right after it;
 * probes at P, 2P, … F·P each time out T seconds later, and the F-th failure kills the container.
 */
export function timeline(liveness: ProbeTimings): TimelineEvent[] {
  const P = effective(liveness, 'periodSeconds');
  const T = effective(liveness, 'timeoutSeconds');
  const F = effective(liveness, 'failureThreshold');
  const events: TimelineEvent[] = [
    { t: 0, kind: 'probe', result: 'ok', until: Math.min(T, 0.2) },
    { t: 0, kind: 'blockStart' },
  ];
  for (let k = 1; k <= F; k++) events.push({ t: k * P, kind: 'probe', result: 'timeout', until: k * P + T });
  events.push({ t: F * P + T, kind: 'kill' });
  return events;
}
