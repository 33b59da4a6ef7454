/**
 * Preflight: the built image run locally and probed as the kubelet would probe it, before it is
 * pushed. This module is the pure part: the kubelet's probe schedule and thresholds, the messages
 * it writes, what the container's listening sockets say, and the verdict.
 */
import { LatencySummary, formatMs, summarizeSamples, Sample } from './latency';
import { DEFAULTS, Probe, ProbeKind, ProbeTimings, effective, probeBudget } from './probes';

/**
 * How preflight reaches the container's ports: inside its network namespace (root), at its address
 * on a bridge network of this machine (a local Linux engine), or through a published port.
 */
export type ReachMode = 'netns' | 'address' | 'published';
export const REACH_MODES: readonly ReachMode[] = ['netns', 'address', 'published'];

/** The paths a worker's health endpoint is usually served on, tried when the probe's path is a 404. */
export const HEALTH_PATH_CANDIDATES: readonly string[] = ['/healthz', '/health', '/health/live', '/health/ready', '/healthz/live', '/healthz/ready', '/livez', '/readyz', '/live', '/ready', '/alive', '/hc', '/status', '/ping', '/'];

/** One probe as preflight runs it: the chart's probe with its port resolved to a number. */
export interface PreflightProbe {
  kind: ProbeKind;
  probe: Probe;
  /** The container port the handler names (httpGet, tcpSocket, grpc), resolved from a name. */
  port?: number;
}

/** One check, as the kubelet would have made it. */
export interface CheckResult {
  kind: ProbeKind;
  /** ms since the container started. */
  at: number;
  ok: boolean;
  /** How long it took (to the answer, the error or the timeout). */
  ms: number;
  status?: number;
  /** ECONNREFUSED, ETIMEDOUT, ECONNRESET, … for a connection that failed. */
  code?: string;
  /** The kubelet's words for a failure ("HTTP probe failed with statuscode: 503"). */
  message?: string;
}

/** A probe crossing its threshold, as the kubelet acts on it. */
export interface ProbeEvent {
  kind: ProbeKind;
  /** ms since the container started. */
  at: number;
  what: 'killed' | 'unready' | 'ready' | 'started';
  /** The failed checks behind a kill or unready. */
  failures: number;
}

/** The kubelet's state for one probe: when it next runs and its consecutive results. */
export class ProbeSchedule {
  private failures = 0;
  private successes = 0;
  private ready = false;
  private nextAt: number;
  /** The startup probe has succeeded (or there is none): liveness and readiness may run. */
  done = false;

  constructor(readonly p: PreflightProbe) {
    this.nextAt = effective(p.probe, 'initialDelaySeconds') * 1000;
  }

  /** When this probe runs next, in ms since the start (or since startup succeeded: see `shift`). */
  get due(): number {
    return this.nextAt;
  }

  /** Liveness and readiness start counting their delay when the startup probe succeeds. */
  shift(toMs: number): void {
    this.nextAt = toMs + effective(this.p.probe, 'initialDelaySeconds') * 1000;
  }

  /** Records a check made at `at`; returns what the kubelet does about it, if anything. */
  record(r: CheckResult): ProbeEvent | undefined {
    this.nextAt = r.at + effective(this.p.probe, 'periodSeconds') * 1000;
    const kind = this.p.kind;
    if (r.ok) {
      this.failures = 0;
      this.successes++;
      // Liveness and startup need one success (the API server enforces successThreshold 1 for them).
      const need = kind === 'readiness' ? effective(this.p.probe, 'successThreshold') : 1;
      if (kind === 'startup' && !this.done && this.successes >= 1) {
        this.done = true;
        return { kind, at: r.at, what: 'started', failures: 0 };
      }
      if (kind === 'readiness' && !this.ready && this.successes >= need) {
        this.ready = true;
        return { kind, at: r.at, what: 'ready', failures: 0 };
      }
      return undefined;
    }
    this.successes = 0;
    this.failures++;
    if (this.failures < effective(this.p.probe, 'failureThreshold')) return undefined;
    const failures = this.failures;
    if (kind === 'readiness') {
      const was = this.ready;
      this.ready = false;
      this.failures = 0;
      return was || failures === effective(this.p.probe, 'failureThreshold') ? { kind, at: r.at, what: 'unready', failures } : undefined;
    }
    return { kind, at: r.at, what: 'killed', failures };
  }
}

/** A TCP socket listening in the container, read from /proc/<pid>/net/tcp{,6}. */
export interface Listener {
  address: string;
  port: number;
}

/** The listening sockets (state 0A) in /proc/net/tcp or tcp6 text. */
export function parseProcNetTcp(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[3] !== '0A') continue;
    const [hexAddr, hexPort] = cols[1].split(':');
    if (!hexAddr || !hexPort) continue;
    const port = parseInt(hexPort, 16);
    let address: string;
    if (hexAddr.length === 8) {
      // little-endian IPv4
      const b = hexAddr.match(/../g)!.map((h) => parseInt(h, 16)).reverse();
      address = b.join('.');
    } else {
      const words = hexAddr.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
      const hex = words.join('');
      if (/^0+$/.test(hex)) address = '::';
      else if (hex === '00000000000000000000000000000001') address = '::1';
      else if (hex.startsWith('00000000000000000000ffff')) {
        const v4 = hex.slice(24).match(/../g)!.map((h) => parseInt(h, 16));
        address = `::ffff:${v4.join('.')}`;
      } else address = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
    }
    if (!out.some((l) => l.address === address && l.port === port)) out.push({ address, port });
  }
  return out;
}

/** "0.0.0.0:8080", "[::]:8080". */
export const listenerText = (l: Listener) => (l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`);

/** Only loopback: the kubelet, which probes the pod IP, cannot reach it. */
export const isLoopbackOnly = (a: string) => a === '::1' || a.startsWith('127.') || a === '::ffff:127.0.0.1';

export interface StartInfo {
  /** The container was running when probing began. */
  running: boolean;
  /** It exited (before or during the checks). */
  exited?: { exitCode: number; oomKilled: boolean; afterMs: number; error?: string };
}

export interface StopInfo {
  graceSeconds: number;
  /** How long `docker stop` took: SIGTERM until the process was gone. */
  seconds: number;
  exitCode?: number;
  /** It was still running at the end of the grace period and was killed (137). */
  killed: boolean;
}

export interface PathProbe {
  path: string;
  status?: number;
  error?: string;
}

export type ProblemKind =
  | 'crashed'
  | 'no-listener'
  | 'loopback-only'
  | 'wrong-path'
  | 'unhealthy'
  | 'slow'
  | 'slow-start'
  | 'killed'
  | 'startup-killed'
  | 'not-ready'
  | 'slow-stop'
  | 'stop-exit'
  | 'unsupported';

export interface Problem {
  kind: ProblemKind;
  /** error: the release would restart the pod (Ship stops before the push); warning: worth a look. */
  severity: 'error' | 'warning';
  message: string;
  probe?: ProbeKind;
}

export interface PreflightReport {
  image: string;
  reach: ReachMode;
  /** Where the checks were sent: "10.88.0.2:8080 inside the container's network namespace". */
  reachDetail: string;
  /** Where the probes come from: the chart's render, or the worker chart's defaults. */
  probeSource: string;
  /** Environment the chart takes from Secrets or ConfigMaps, which preflight cannot read. */
  unsetEnv?: string[];
  /** The file of local values given for them (docker's --env-file). */
  envFile?: string;
  probes: PreflightProbe[];
  durationSeconds: number;
  start: StartInfo;
  checks: CheckResult[];
  events: ProbeEvent[];
  /** The health endpoint sampled once a second between the kubelet's checks (httpGet probes). */
  samples: Sample[];
  latency?: LatencySummary;
  /** The liveness probe's budget: the longest block survived, the worst case until a restart. */
  budget?: { maxBlockSeconds: number; worstCaseRestartSeconds: number };
  listeners?: Listener[];
  /**
   * One more check of each probe whose checks had all failed, made just before the stop: whether it
   * answers now (a worker that was still starting). The kubelet's thresholds do not count it.
   */
  finalChecks?: CheckResult[];
  /** When the probe's path answered 404: what other paths answered. */
  paths?: PathProbe[];
  stop?: StopInfo;
  /** The container's last log lines (on a failure). */
  logTail: string[];
  problems: Problem[];
  /** No problem of severity error. */
  ok: boolean;
  /** Preflight was cancelled before the end. */
  cancelled?: boolean;
}

/** What kind of check a probe makes, in words. */
export function describeProbe(p: PreflightProbe): string {
  const h = p.probe.handler;
  if (h.type === 'httpGet') return `GET ${h.path} on ${p.port ?? h.port}`;
  if (h.type === 'tcpSocket') return `TCP connect to ${p.port ?? h.port}`;
  if (h.type === 'exec') return `exec ${h.command.join(' ')}`;
  return `gRPC health on ${h.port}`;
}

/**
 * How long preflight probes by default: long enough to see the liveness probe's first checks after
 * the startup probe's allowance and a kill of a worker that never answers, at least 30 s.
 */
export function defaultDurationSeconds(probes: readonly PreflightProbe[]): number {
  const byKind = (k: ProbeKind) => probes.find((p) => p.kind === k)?.probe;
  const live = byKind('liveness');
  const start = byKind('startup');
  let need = 30;
  if (live) {
    const startAllowance = start ? effective(start, 'initialDelaySeconds') + effective(start, 'periodSeconds') : 0;
    need = Math.max(need, startAllowance + effective(live, 'initialDelaySeconds') + effective(live, 'failureThreshold') * effective(live, 'periodSeconds') + effective(live, 'timeoutSeconds'));
  }
  return Math.min(Math.ceil(need), 300);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The verdict: every problem the run showed, worst first, each in words a user can act on. Pure:
 * the report's facts in, problems out.
 */
export function preflightProblems(r: Omit<PreflightReport, 'problems' | 'ok'>): Problem[] {
  const out: Problem[] = [];
  const exited = r.start.exited;
  if (exited) {
    const how = exited.oomKilled ? 'was killed for using more memory than its limit (OOMKilled)' : exited.exitCode === 0 ? 'exited with code 0: a worker must keep running' : `exited with code ${exited.exitCode}`;
    const unset = r.unsetEnv?.length && !r.envFile ? ` The chart takes ${r.unsetEnv.join(', ')} from Secrets or ConfigMaps, which preflight does not read: if the worker needs them to start, give local values in a file of NAME=value lines (--env-file, or the setting aksWorker.preflight.envFile).` : '';
    out.push({ kind: 'crashed', severity: 'error', message: `The container ${how} ${seconds(exited.afterMs)} after it started${exited.error ? `: ${exited.error}` : ''}.${r.logTail.length ? ' Its last lines are below.' : ''}${unset}` });
  }
  for (const p of r.probes) {
    if (p.probe.handler.type === 'grpc') out.push({ kind: 'unsupported', severity: 'warning', probe: p.kind, message: `The ${p.kind} probe is a gRPC probe: preflight does not run gRPC health checks, so it was not checked.` });
  }
  const checks = r.checks;
  const httpOrTcp = r.probes.filter((p) => p.probe.handler.type === 'httpGet' || p.probe.handler.type === 'tcpSocket');
  const finals = r.finalChecks ?? [];
  const onPort = (c: CheckResult) => httpOrTcp.some((p) => p.kind === c.kind);
  const portChecks = checks.filter(onPort);
  const allRefused = portChecks.length > 0 && portChecks.every((c) => c.code === 'ECONNREFUSED');
  if (!exited && httpOrTcp.length && allRefused) {
    const port = httpOrTcp[0].port ?? (httpOrTcp[0].probe.handler as { port: number | string }).port;
    const listening = (r.listeners ?? []).filter((l) => l.port === port);
    const onLoopback = listening.filter((l) => isLoopbackOnly(l.address));
    // A worker still starting refuses the first checks: it is missing only if it still refuses at the end.
    const answersNow = finals.some((c) => onPort(c) && c.code !== 'ECONNREFUSED') || listening.some((l) => !isLoopbackOnly(l.address));
    if (onLoopback.length && !answersNow) {
      out.push({ kind: 'loopback-only', severity: 'error', message: `The worker listens on ${onLoopback.map(listenerText).join(', ')} only: the kubelet probes the pod's IP, so every check is refused. Listen on all addresses (ASPNETCORE_URLS=http://+:${port}, or http://*:${port} with HttpListener).` });
    } else if (!answersNow) {
      const others = (r.listeners ?? []).filter((l) => l.port !== port);
      const also = others.length ? ` It listens on ${others.map(listenerText).join(', ')}: point the probe at that port, or serve the endpoint on ${port}.` : r.listeners ? ' It listens on no TCP port at all: the worker serves no HTTP endpoint. Add one (AKS Worker: Add Health Endpoint), or probe with exec.' : ' Add a health endpoint (AKS Worker: Add Health Endpoint), or probe with exec.';
      out.push({ kind: 'no-listener', severity: 'error', message: `Nothing listens on ${port}: every check was refused ("connection refused"), the last one ${seconds(Math.max(...portChecks.map((c) => c.at), ...finals.map((c) => c.at)))} after the start.${also}` });
    }
  }
  // Checks refused while the worker started, then answers: how close that came to a kill.
  for (const p of httpOrTcp) {
    const mine = checks.filter((c) => c.kind === p.kind);
    const early = mine.findIndex((c) => c.code !== 'ECONNREFUSED');
    const refusedFirst = early < 0 ? (finals.some((c) => c.kind === p.kind && c.code !== 'ECONNREFUSED') ? mine.length : 0) : early;
    const threshold = effective(p.probe, 'failureThreshold');
    if (p.kind !== 'readiness' && refusedFirst > 0 && refusedFirst < threshold && refusedFirst >= Math.max(1, threshold - 1)) {
      out.push({ kind: 'slow-start', severity: 'warning', probe: p.kind, message: `The first ${refusedFirst} ${p.kind} checks were refused while the worker started; ${threshold} in a row would kill it. Give it time: a startupProbe, or initialDelaySeconds.` });
    }
  }
  const answered = [...checks, ...finals].filter((c) => c.status !== undefined);
  const notFound = answered.filter((c) => c.status === 404);
  if (notFound.length && notFound.length === answered.length) {
    const h = r.probes.find((p) => p.kind === notFound[0].kind)?.probe.handler as { path?: string } | undefined;
    const answered = (r.paths ?? []).filter((p) => p.status !== undefined && p.status !== 404);
    const list = answered.length ? ` These paths answered: ${answered.map((p) => `${p.path} (${p.status})`).join(', ')}.` : ' No usual health path answered either (tried ' + (r.paths ?? []).map((p) => p.path).join(', ') + ').';
    out.push({ kind: 'wrong-path', severity: 'error', message: `No endpoint at ${h?.path ?? '/'}: the worker answers 404 there.${list}` });
  }
  for (const e of r.events) {
    if (e.what === 'killed') {
      const p = r.probes.find((x) => x.kind === e.kind)!;
      const last = [...checks].reverse().find((c) => c.kind === e.kind && !c.ok);
      out.push({
        kind: e.kind === 'startup' ? 'startup-killed' : 'killed',
        severity: 'error',
        probe: e.kind,
        message: `The kubelet would kill the container ${seconds(e.at)} after it started: ${e.failures} ${e.kind} checks failed in a row (failureThreshold ${effective(p.probe, 'failureThreshold')}, every ${effective(p.probe, 'periodSeconds')} s)${last?.message ? `; the last one: ${last.message}` : ''}.`,
      });
    }
  }
  const unhealthy = checks.filter((c) => !c.ok && c.status !== undefined && c.status !== 404);
  if (unhealthy.length && !out.some((p) => p.kind === 'killed' || p.kind === 'startup-killed')) {
    const codes = [...new Set(unhealthy.map((c) => c.status))].join(', ');
    out.push({ kind: 'unhealthy', severity: 'warning', message: `${unhealthy.length} of ${checks.length} checks got ${codes}: the endpoint answered but reported failure.` });
  }
  const timeouts = checks.filter((c) => c.code === 'ETIMEDOUT');
  if (timeouts.length && !out.some((p) => p.kind === 'killed' || p.kind === 'startup-killed')) {
    out.push({ kind: 'slow', severity: 'warning', message: `${timeouts.length} of ${checks.length} checks timed out: the endpoint answered slower than the probe's timeoutSeconds.` });
  }
  if (r.latency && r.latency.slowerThanProbe && !timeouts.length) {
    out.push({ kind: 'slow', severity: 'warning', message: `${r.latency.slowerThanProbe} of ${r.latency.count} requests took longer than the liveness probe's timeout; each would have been a failed check.` });
  }
  for (const e of r.events) {
    if (e.what === 'unready' && !out.some((p) => p.kind === 'killed' || p.kind === 'crashed')) {
      out.push({ kind: 'not-ready', severity: 'warning', probe: 'readiness', message: `The pod would be marked not ready ${seconds(e.at)} after it started: ${e.failures} readiness checks failed in a row.` });
    }
  }
  if (r.stop) {
    if (r.stop.killed) {
      out.push({ kind: 'slow-stop', severity: 'warning', message: `The worker did not stop within terminationGracePeriodSeconds (${r.stop.graceSeconds} s) after SIGTERM and was killed (exit 137): a rollout or scale-down would cut its work off. Let it stop sooner (HostOptions.ShutdownTimeout, a loop that watches its stopping token) or raise the grace period.` });
    } else if (r.stop.exitCode !== undefined && r.stop.exitCode !== 0 && r.stop.exitCode !== 143) {
      out.push({ kind: 'stop-exit', severity: 'warning', message: `After SIGTERM the worker exited with code ${r.stop.exitCode}, not 0.` });
    }
  }
  const rank = (p: Problem) => (p.severity === 'error' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b));
}

/** The latency of the sampled requests, against the liveness probe's timeout. */
export function latencyOf(samples: readonly Sample[], liveness: ProbeTimings | undefined): LatencySummary | undefined {
  if (!samples.length) return undefined;
  const timeout = liveness ? effective(liveness, 'timeoutSeconds') : DEFAULTS.timeoutSeconds;
  return summarizeSamples(samples, timeout * 1000, timeout);
}

export function budgetOf(probes: readonly PreflightProbe[], graceSeconds: number | undefined): PreflightReport['budget'] {
  const live = probes.find((p) => p.kind === 'liveness')?.probe;
  if (!live) return undefined;
  const b = probeBudget({ ...live, terminationGracePeriodSeconds: live.terminationGracePeriodSeconds ?? graceSeconds }, probes.find((p) => p.kind === 'startup')?.probe);
  return { maxBlockSeconds: b.maxBlockSeconds, worstCaseRestartSeconds: b.worstCaseRestartSeconds };
}

/** The report in lines, as the CLI prints it and the output channel shows it. */
export function formatPreflight(r: PreflightReport): string[] {
  const lines: string[] = [];
  lines.push(`Preflight of ${r.image}: ${r.ok ? (r.problems.length ? 'passed, with warnings' : 'passed') : 'FAILED'}${r.cancelled ? ' (cancelled)' : ''}`);
  lines.push(`  probes: ${r.probeSource}; checks sent to ${r.reachDetail}`);
  if (r.unsetEnv?.length) lines.push(`  not set here (from Secrets or ConfigMaps): ${r.unsetEnv.join(', ')}${r.envFile ? `; local values from ${r.envFile}` : ''}`);
  for (const p of r.probes) {
    const t = p.probe;
    lines.push(`  ${p.kind}: ${describeProbe(p)}, every ${effective(t, 'periodSeconds')} s, timeout ${effective(t, 'timeoutSeconds')} s, failureThreshold ${effective(t, 'failureThreshold')}${effective(t, 'initialDelaySeconds') ? `, initialDelay ${effective(t, 'initialDelaySeconds')} s` : ''}`);
  }
  if (r.start.exited) lines.push(`  started: no: exit code ${r.start.exited.exitCode}${r.start.exited.oomKilled ? ' (OOMKilled)' : ''} after ${seconds(r.start.exited.afterMs)}`);
  else lines.push(`  started: yes; probed for ${r.durationSeconds} s`);
  for (const p of PROBE_ORDER) {
    const cs = r.checks.filter((c) => c.kind === p);
    if (!cs.length) continue;
    const failed = cs.filter((c) => !c.ok);
    lines.push(`  ${p} checks: ${cs.length - failed.length} of ${cs.length} passed${failed.length ? `; first failure at ${seconds(failed[0].at)}: ${failed[0].message ?? 'failed'}` : ''}`);
  }
  for (const c of r.finalChecks ?? []) lines.push(`  ${c.kind}, checked once more before the stop: ${c.ok ? `answers now (${c.status ?? 'ok'}, ${c.ms} ms)` : c.message ?? 'failed'}`);
  if (r.latency && r.latency.p50Ms !== undefined) {
    const l = r.latency;
    const live = r.probes.find((p) => p.kind === 'liveness')?.probe;
    const against = live ? `; the liveness probe's timeout is ${effective(live, 'timeoutSeconds')} s${l.slowerThanProbe ? `: ${l.slowerThanProbe} slower` : ''}` : '';
    lines.push(`  latency (${l.count} requests): p50 ${formatMs(l.p50Ms)}, p99 ${formatMs(l.p99Ms)}${l.p99AtLeast ? '+' : ''}, max ${formatMs(l.maxMs)}${l.maxAtLeast ? '+' : ''}${against}`);
  }
  if (r.budget) lines.push(`  liveness budget: a block of up to ${r.budget.maxBlockSeconds} s is survived; a hung worker is restarted within ${r.budget.worstCaseRestartSeconds} s`);
  if (r.stop) lines.push(`  stop: SIGTERM → ${r.stop.killed ? `still running after ${r.stop.graceSeconds} s, killed (137)` : `exited ${r.stop.exitCode ?? '?'} in ${r.stop.seconds.toFixed(1)} s`} (terminationGracePeriodSeconds ${r.stop.graceSeconds})`);
  for (const p of r.problems) lines.push(`${p.severity === 'error' ? 'error' : 'warning'}: ${p.message}`);
  if (r.logTail.length && !r.ok) {
    lines.push('  last log lines:');
    for (const l of r.logTail) lines.push(`    ${l}`);
  }
  return lines;
}

const PROBE_ORDER: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

/**
 * The probes the worker chart writes when there is no chart to read: httpGet on the health port
 * and path, every 10 s, 5 s timeout, 6 failures (Create Worker Chart's values).
 */
export function defaultWorkerProbes(port = 8080, path = '/healthz'): PreflightProbe[] {
  return [{ kind: 'liveness', port, probe: { handler: { type: 'httpGet', path, port }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 } }];
}

/** The local tag preflight builds a workspace's image under (never pushed). */
export const localPreflightTag = (name: string) => `aks-worker-preflight/${name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'worker'}:latest`;
