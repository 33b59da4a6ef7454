/**
 * Preflight: runs the built image in the local Docker engine and probes it exactly as the kubelet
 * would, with the chart's probes (path, port, headers, timeouts, periods and thresholds), then stops
 * it with SIGTERM and the chart's grace period. Reached inside the container's network namespace
 * (Linux, root) or, elsewhere, through a port published on 127.0.0.1.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { Sample, resolveProbePort } from '../core/latency';
import {
  CheckResult,
  HEALTH_PATH_CANDIDATES,
  Listener,
  PathProbe,
  PreflightProbe,
  PreflightReport,
  ProbeEvent,
  ProbeSchedule,
  ReachMode,
  StartInfo,
  StopInfo,
  budgetOf,
  defaultDurationSeconds,
  defaultWorkerProbes,
  latencyOf,
  parseProcNetTcp,
  preflightProblems,
} from '../core/preflight';
import { PROBE_KINDS, ProbeKind, effective } from '../core/probes';
import { ToolPaths } from './catalog';
import { ChartModel, discoverChartProbes } from './chartModel';
import { ContainerState, containerLogs, execInContainer, inspectContainer, removeContainer, runContainer, stopContainer } from './docker';
import { ActionableError, ToolNotFoundError } from './errors';
import { Relay, localLinuxEngine, netnsAvailable, startRelay } from './netns';
import { LineSink, registerCleanup } from './process';

export interface PreflightRequest {
  /** The image to run (built already). */
  image: string;
  /** The chart whose probes, environment and grace period to use; without one, the worker chart's defaults. */
  chartDir?: string;
  valuesFiles?: string[];
  /** The workload and container to run when the chart renders several (`Deployment/x`, `worker`). */
  workload?: string;
  container?: string;
  release?: string;
  namespace?: string;
  /** Seconds of probing; default: enough to see a kill by the liveness probe (at least 30). */
  durationSeconds?: number;
  /** Ship's preflight: stop probing once every probe has passed (or one has failed for good). */
  quick?: boolean;
  /** A docker network to run in (default: the engine's default). */
  network?: string;
  /** How to reach the container; default: its network namespace when possible, else a published port. */
  reach?: ReachMode;
  /** Local values for what the chart takes from Secrets and ConfigMaps: docker's --env-file. */
  envFile?: string;
  /** Without a chart: the health endpoint's port and path (default 8080, /healthz). */
  healthPort?: number;
  healthPath?: string;
}

export interface PreflightProgress {
  /** What is happening, in words. */
  message: string;
  /** 0–1 of the probing time, when probing. */
  fraction?: number;
  check?: CheckResult;
}

export interface PreflightOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  sink?: LineSink;
  signal?: AbortSignal;
  onProgress?: (p: PreflightProgress) => void;
}

/** Bad input for preflight: a chart it cannot use, a reach mode this machine cannot do. */
export class PreflightInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightInputError';
  }
}

interface Plan {
  probes: PreflightProbe[];
  probeSource: string;
  graceSeconds: number;
  env: Array<[string, string]>;
  skippedEnv: string[];
  command?: string[];
  args?: string[];
  memoryBytes?: number;
  user?: string;
}

/** The probes, environment and grace period preflight uses, from the chart's render. */
async function planFromChart(req: PreflightRequest, o: PreflightOptions): Promise<Plan> {
  if (!req.chartDir) {
    return { probes: defaultWorkerProbes(req.healthPort, req.healthPath), probeSource: 'no chart: the worker chart\'s liveness probe (httpGet, every 10 s, timeout 5 s, 6 failures)', graceSeconds: 30, env: [], skippedEnv: [] };
  }
  let model: ChartModel;
  try {
    model = await discoverChartProbes(req.chartDir, { paths: o.paths, env: o.env, signal: o.signal, valuesFiles: req.valuesFiles, workload: req.workload, container: req.container, release: req.release, namespace: req.namespace, trace: false });
  } catch (err) {
    if (err instanceof ToolNotFoundError) throw err;
    throw new PreflightInputError(`${req.chartDir}: ${(err as Error).message}`);
  }
  if (!model.target) throw new PreflightInputError(`${req.chartDir}: ${model.targetProblem ?? 'the chart renders no workload with a container'}`);
  const containers = model.target.workload.containers;
  const probes: PreflightProbe[] = [];
  for (const kind of PROBE_KINDS) {
    const probe = model.probes[kind].probe;
    if (!probe) continue;
    const h = probe.handler;
    let port: number | undefined;
    if (h.type === 'httpGet' || h.type === 'tcpSocket' || h.type === 'grpc') {
      port = resolveProbePort(h.port, containers);
      if (port === undefined) throw new PreflightInputError(`${req.chartDir}: the ${kind} probe's port "${String(h.port)}" names no port of container ${model.target.container.name}.`);
    }
    probes.push({ kind, probe, port });
  }
  const spec = (model.target.workload.podSpec?.containers as Array<Record<string, unknown>> | undefined)?.find((c) => c.name === model.target!.container.name) ?? {};
  const env: Array<[string, string]> = [];
  const skippedEnv: string[] = [];
  for (const e of (spec.env as Array<{ name?: string; value?: unknown; valueFrom?: unknown }> | undefined) ?? []) {
    if (!e?.name) continue;
    if (e.valueFrom !== undefined) skippedEnv.push(e.name);
    else env.push([e.name, e.value === undefined || e.value === null ? '' : String(e.value)]);
  }
  for (const f of (spec.envFrom as Array<{ configMapRef?: { name?: string }; secretRef?: { name?: string } }> | undefined) ?? []) {
    if (f?.secretRef) skippedEnv.push(`all of Secret ${f.secretRef.name ?? '?'}`);
    else if (f?.configMapRef) skippedEnv.push(`all of ConfigMap ${f.configMapRef.name ?? '?'}`);
  }
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
  const limits = (spec.resources as { limits?: { memory?: unknown } } | undefined)?.limits;
  const runAsUser = (spec.securityContext as { runAsUser?: unknown } | undefined)?.runAsUser ?? (model.target.workload.podSpec?.securityContext as { runAsUser?: unknown } | undefined)?.runAsUser;
  return {
    probes,
    probeSource: `${model.target.workload.kind}/${model.target.workload.name}, container ${model.target.container.name}, as helm renders ${req.chartDir}`,
    graceSeconds: model.terminationGracePeriodSeconds ?? 30,
    env,
    skippedEnv,
    command: strings(spec.command),
    args: strings(spec.args),
    memoryBytes: quantityBytes(limits?.memory),
    user: typeof runAsUser === 'number' ? String(runAsUser) : undefined,
  };
}

/** Kubernetes memory quantities ("512Mi", "1G", "268435456") in bytes. */
export function quantityBytes(q: unknown): number | undefined {
  if (q === undefined || q === null) return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|e\d+)?$/.exec(String(q).trim());
  if (!m) return undefined;
  const unit: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  const mult = m[2] ? (m[2].startsWith('e') ? 10 ** Number(m[2].slice(1)) : unit[m[2]]) : 1;
  return Math.floor(Number(m[1]) * mult);
}

/** One way into the container: where a TCP connection to a container port goes. */
interface Reach {
  mode: ReachMode;
  /** The address a check names (the pod IP as the kubelet would use it). */
  host: string;
  detail: string;
  connect(port: number, timeoutMs: number): Promise<net.Socket>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Runs the image and probes it; the report says what a release would see. The container is always removed. */
export async function preflight(req: PreflightRequest, o: PreflightOptions = {}): Promise<PreflightReport> {
  const plan = await planFromChart(req, o);
  const progress = (message: string, extra: Omit<PreflightProgress, 'message'> = {}) => {
    o.onProgress?.({ message, ...extra });
    o.sink?.info(message);
  };
  let mode: ReachMode;
  if (req.reach) mode = req.reach;
  else mode = (await netnsAvailable(o.env)).ok ? 'netns' : localLinuxEngine(o.env).ok ? 'address' : 'published';
  if (req.reach === 'netns' || req.reach === 'address') {
    const can = req.reach === 'netns' ? await netnsAvailable(o.env) : localLinuxEngine(o.env);
    if (!can.ok) throw new PreflightInputError(`--reach ${req.reach} is not possible here: ${can.why}. Use --reach published.`);
  }
  const ports = [...new Set(plan.probes.map((p) => p.port).filter((p): p is number => p !== undefined))];
  const name = `aks-worker-preflight-${randomBytes(4).toString('hex')}`;
  const dockerOptions = { paths: o.paths, env: o.env, sink: o.sink, signal: o.signal };
  progress(`Starting ${req.image} (container ${name})…`);
  const id = await runContainer(
    {
      image: req.image,
      name,
      labels: { 'aks-worker.preflight': '1' },
      network: req.network,
      env: plan.env,
      command: plan.command,
      args: plan.args,
      memoryBytes: plan.memoryBytes,
      user: plan.user,
      envFile: req.envFile,
      publish: mode === 'published' ? ports : undefined,
    },
    dockerOptions,
  );
  const started = Date.now();
  // A shutdown in the middle (Ctrl-C, VS Code closing) removes the container too.
  const unregister = registerCleanup(() => removeContainer(id, { paths: o.paths, env: o.env }));
  let relay: Relay | undefined;
  const checks: CheckResult[] = [];
  const finalChecks: CheckResult[] = [];
  const events: ProbeEvent[] = [];
  const samples: Sample[] = [];
  let start: StartInfo = { running: true };
  let listeners: Listener[] | undefined;
  let paths: PathProbe[] | undefined;
  let stop: StopInfo | undefined;
  let logTail: string[] = [];
  let durationSeconds = req.durationSeconds ?? defaultDurationSeconds(plan.probes);
  let reachDetail = '';
  let cancelled = false;
  try {
    let state = await inspectContainer(id, { ...dockerOptions, sink: undefined });
    let reach: Reach;
    if (!state.running) {
      // Gone before the first check: there is nothing to probe.
      start = exitedStart(state, started);
      reach = { mode, host: '', detail: 'nowhere (the container is not running)', connect: () => Promise.reject(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })) };
    } else if (mode === 'netns') {
      {
        relay = await startRelay(state.pid, { ip: state.ip, env: o.env, signal: o.signal });
        const r = relay;
        reach = { mode, host: r.host, detail: `${r.host} inside the container's network namespace`, connect: (port, t) => r.connect(port, t) };
      }
    } else if (mode === 'address') {
      const ip = state.ip;
      if (!ip) {
        throw new ActionableError(
          'docker',
          'no-address',
          `The container has no address on a network of this machine${req.network ? ` (network ${req.network})` : ''}: network none, or an engine without a bridge network. Run it on a bridge network (--network bridge, or a network of your own), or as root, where preflight enters its network namespace (--reach netns).`,
        );
      }
      reach = { mode, host: ip, detail: `${ip}, the container's address on its network`, connect: (port, t) => connectTcp(ip, port, t) };
    } else {
      const published = state.published;
      const missing = ports.filter((p) => !published[p]);
      if (missing.length) {
        throw new ActionableError(
          'docker',
          'not-published',
          `The Docker engine did not publish port ${missing.join(', ')} of the container${req.network ? ` on network ${req.network}` : ''}: its network has no port mapping (an engine without a bridge network, or --network none/host). Run preflight in the container's network namespace instead (--reach netns, Linux as root), or on a bridge network (--network bridge).`,
        );
      }
      reach = {
        mode,
        host: state.ip ?? '127.0.0.1',
        detail: `ports published on 127.0.0.1 (${ports.map((p) => `${published[p] ?? '?'} → ${p}`).join(', ')})`,
        connect: (port, t) => connectTcp('127.0.0.1', published[port] ?? 0, t),
      };
    }
    reachDetail = reach.detail;
    const check = (p: PreflightProbe, at: number, pathOverride?: string) => runCheck(p, reach, id, at, dockerOptions, pathOverride);

    // The kubelet's schedule: the startup probe first; liveness and readiness once it has succeeded.
    const schedules = new Map<ProbeKind, ProbeSchedule>(plan.probes.filter((p) => p.probe.handler.type !== 'grpc').map((p) => [p.kind, new ProbeSchedule(p)]));
    const startup = schedules.get('startup');
    let startupDone = !startup;
    const endAt = durationSeconds * 1000;
    const sampled = plan.probes.find((p) => p.kind === 'liveness' && p.probe.handler.type === 'httpGet') ?? plan.probes.find((p) => p.probe.handler.type === 'httpGet');
    let nextSample = 0;
    let nextInspect = 1000;
    const passed = new Set<ProbeKind>();
    let over = false;
    if (!start.exited) progress(`Probing for ${durationSeconds} s as the kubelet would (${reach.detail})…`, { fraction: 0 });
    while (!over && !start.exited) {
      if (o.signal?.aborted) {
        cancelled = true;
        break;
      }
      const now = Date.now() - started;
      if (now >= endAt) break;
      if (now >= nextInspect) {
        nextInspect = now + 1000;
        state = await inspectContainer(id, { ...dockerOptions, sink: undefined, signal: undefined });
        if (!state.running) {
          start = exitedStart(state, started);
          progress(`The container exited with code ${state.exitCode}.`);
          break;
        }
      }
      const due: Array<{ kind: ProbeKind; s: ProbeSchedule }> = [];
      for (const [kind, s] of schedules) {
        if (kind !== 'startup' && !startupDone) continue;
        if (s.due <= now) due.push({ kind, s });
      }
      // The checks due now run side by side, as the kubelet's probe workers do.
      const results = await Promise.all(due.map(({ s }) => check(s.p, now)));
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        const s = due[i].s;
        checks.push(r);
        if (r.ok) passed.add(r.kind);
        progress(`${(r.at / 1000).toFixed(1)} s ${r.kind}: ${r.ok ? `ok (${r.status ?? 'ok'}, ${r.ms} ms)` : r.message ?? 'failed'}`, { fraction: Math.min(1, r.at / endAt), check: r });
        const e = s.record(r);
        if (!e) continue;
        events.push(e);
        if (e.what === 'started') {
          startupDone = true;
          for (const [k, other] of schedules) if (k !== 'startup') other.shift(r.at);
        }
        if (e.what === 'killed') over = true;
      }
      if (over) break;
      if (req.quick && passedAll(plan.probes, passed, startupDone)) break;
      if (sampled && Date.now() - started >= nextSample) {
        const at = Date.now() - started;
        nextSample = at + 1000;
        const r = await check(sampled, at);
        samples.push({ at, ms: r.ms, outcome: r.ok ? 'ok' : r.code === 'ETIMEDOUT' ? 'timeout' : r.status !== undefined ? 'status' : 'error', status: r.status, error: r.status === undefined && !r.ok ? r.message : undefined });
      }
      const wake = Math.min(...[...schedules.entries()].filter(([k]) => k === 'startup' || startupDone).map(([, s]) => s.due), sampled ? nextSample : Infinity, nextInspect, endAt);
      await sleep(Math.max(20, wake - (Date.now() - started)), o.signal);
    }
    durationSeconds = cancelled || start.exited || over || req.quick ? Math.round((Date.now() - started) / 100) / 10 : durationSeconds;

    if (!cancelled && !start.exited && !over) {
      // A probe whose checks all failed: does it answer now (a worker that was still starting)?
      for (const p of plan.probes) {
        const mine = checks.filter((c) => c.kind === p.kind);
        if (p.probe.handler.type === 'grpc' || (mine.length && mine.some((c) => c.ok))) continue;
        finalChecks.push(await check(p, Date.now() - started));
      }
    }
    if (!cancelled && !start.exited) {
      // What the worker listens on, when the checks found nothing there (needs the namespace).
      if ([...checks, ...finalChecks].some((c) => c.code === 'ECONNREFUSED') && mode !== 'published') listeners = await readListeners(state.pid);
      const pathProbe = plan.probes.find((p) => p.probe.handler.type === 'httpGet');
      if (pathProbe && [...checks, ...finalChecks].some((c) => c.status === 404)) {
        progress('The probe\'s path answered 404: trying the usual health paths…');
        paths = [];
        for (const path of HEALTH_PATH_CANDIDATES) {
          const r = await check(pathProbe, Date.now() - started, path);
          paths.push({ path, status: r.status, error: r.status === undefined ? r.message : undefined });
        }
      }
      // The stop: SIGTERM, the grace period, then SIGKILL, as a pod's deletion does.
      state = await inspectContainer(id, { ...dockerOptions, sink: undefined, signal: undefined });
      if (state.running) {
        progress(`Stopping it with SIGTERM (terminationGracePeriodSeconds ${plan.graceSeconds})…`);
        const ms = await stopContainer(id, plan.graceSeconds, { ...dockerOptions, signal: undefined });
        const after = await inspectContainer(id, { ...dockerOptions, sink: undefined, signal: undefined });
        const took = ms;
        stop = { graceSeconds: plan.graceSeconds, seconds: took / 1000, exitCode: after.exitCode, killed: after.exitCode === 137 && took >= plan.graceSeconds * 1000 - 250 };
      } else {
        start = exitedStart(state, started);
      }
    }
    logTail = await containerLogs(id, 20, { ...dockerOptions, sink: undefined, signal: undefined }).catch(() => []);
  } finally {
    relay?.stop();
    await removeContainer(id, { ...dockerOptions, sink: undefined, signal: undefined }).catch(() => undefined);
    unregister();
  }
  const liveness = plan.probes.find((p) => p.kind === 'liveness')?.probe;
  const facts = {
    image: req.image,
    reach: mode,
    reachDetail,
    probeSource: plan.probeSource,
    ...(plan.skippedEnv.length ? { unsetEnv: plan.skippedEnv } : {}),
    ...(req.envFile ? { envFile: req.envFile } : {}),
    probes: plan.probes,
    durationSeconds,
    start,
    checks,
    events,
    samples,
    latency: latencyOf(samples, liveness),
    budget: budgetOf(plan.probes, plan.graceSeconds),
    listeners,
    ...(finalChecks.length ? { finalChecks } : {}),
    paths,
    stop,
    logTail,
    ...(cancelled ? { cancelled } : {}),
  };
  const problems = preflightProblems(facts);
  return { ...facts, problems, ok: !cancelled && !problems.some((p) => p.severity === 'error') };
}

function passedAll(probes: readonly PreflightProbe[], passed: Set<ProbeKind>, startupDone: boolean): boolean {
  return startupDone && probes.filter((p) => p.probe.handler.type !== 'grpc').every((p) => passed.has(p.kind));
}

/** A container that is no longer running: how it ended and how long after its start (the engine's own times when it has them). */
function exitedStart(state: ContainerState, started: number): StartInfo {
  const s = Date.parse(state.startedAt ?? '');
  const f = Date.parse(state.finishedAt ?? '');
  const afterMs = Number.isFinite(s) && Number.isFinite(f) && f >= s ? f - s : Date.now() - started;
  return { running: false, exited: { exitCode: state.exitCode, oomKilled: state.oomKilled, afterMs, error: state.error || undefined } };
}

async function readListeners(pid: number): Promise<Listener[] | undefined> {
  const out: Listener[] = [];
  for (const f of ['tcp', 'tcp6']) {
    try {
      out.push(...parseProcNetTcp(await readFile(`/proc/${pid}/net/${f}`, 'utf8')));
    } catch {
      // no IPv6, or the process is gone
    }
  }
  return out;
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error(`dial tcp ${host}:${port}: i/o timeout`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** One probe check, with the kubelet's words for its failure. */
async function runCheck(p: PreflightProbe, reach: Reach, id: string, at: number, o: { paths?: ToolPaths; env?: Record<string, string | undefined> }, pathOverride?: string): Promise<CheckResult> {
  const h = p.probe.handler;
  const timeoutMs = effective(p.probe, 'timeoutSeconds') * 1000;
  const t0 = Date.now();
  const done = (r: Omit<CheckResult, 'kind' | 'at' | 'ms'>): CheckResult => ({ kind: p.kind, at, ms: Date.now() - t0, ...r });
  if (h.type === 'exec') {
    const r = await execInContainer(id, h.command, timeoutMs, o).catch((e: Error) => ({ exitCode: -1, output: e.message }));
    if ('timedOut' in r) return done({ ok: false, code: 'ETIMEDOUT', message: `command timed out after ${timeoutMs / 1000} s` });
    return r.exitCode === 0 ? done({ ok: true }) : done({ ok: false, message: r.output.trim() || `command "${h.command.join(' ')}" exited with ${r.exitCode}` });
  }
  if (h.type === 'grpc') return done({ ok: false, message: 'gRPC probes are not run by preflight' });
  const port = p.port ?? 0;
  const dial = `dial tcp ${reach.host}:${port}`;
  const path = pathOverride ?? (h.type === 'httpGet' ? h.path || '/' : '/');
  const scheme = h.type === 'httpGet' ? (h.scheme ?? 'HTTP') : 'HTTP';
  const url = `${scheme.toLowerCase()}://${reach.host}:${port}${path}`;
  const prefix = h.type === 'httpGet' ? `Get "${url}": ` : '';
  let socket: net.Socket;
  try {
    socket = await reach.connect(port, timeoutMs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ETIMEDOUT') return done({ ok: false, code, message: h.type === 'httpGet' ? `${prefix}context deadline exceeded (Client.Timeout exceeded while awaiting headers)` : `${dial}: i/o timeout` });
    const why = code === 'ECONNREFUSED' || code === 'ECONNRESET' ? 'connect: connection refused' : (e as Error).message;
    return done({ ok: false, code: code === 'ECONNRESET' ? 'ECONNREFUSED' : code, message: `${prefix}${dial}: ${why}` });
  }
  if (h.type === 'tcpSocket') {
    // Through a published port, docker's proxy accepts first: a connection it closes at once found nothing.
    if (reach.mode === 'published') {
      const closed = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 200);
        socket.once('close', () => {
          clearTimeout(t);
          resolve(true);
        });
        socket.resume();
      });
      if (closed) return done({ ok: false, code: 'ECONNREFUSED', message: `${dial}: connect: connection refused` });
    }
    socket.destroy();
    return done({ ok: true });
  }
  const headers: Record<string, string> = { Host: `${reach.host}:${port}`, 'User-Agent': 'kube-probe/1.33', Accept: '*/*', Connection: 'close' };
  for (const x of h.headers ?? []) {
    // A probe header replaces the default of the same name (Host and User-Agent included), as the kubelet's does.
    for (const k of Object.keys(headers)) if (k.toLowerCase() === x.name.toLowerCase()) delete headers[k];
    headers[x.name] = x.value;
  }
  return new Promise<CheckResult>((resolve) => {
    let settled = false;
    let stream: net.Socket | tls.TLSSocket = socket;
    const finish = (r: Omit<CheckResult, 'kind' | 'at' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      socket.destroy();
      resolve(done(r));
    };
    const timer = setTimeout(() => finish({ ok: false, code: 'ETIMEDOUT', message: `${prefix}context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }), Math.max(1, timeoutMs - (Date.now() - t0)));
    if (scheme === 'HTTPS') stream = tls.connect({ socket, rejectUnauthorized: false, servername: undefined });
    let head = '';
    stream.setEncoding('latin1');
    stream.on('data', (d: string) => {
      head += d;
      const eol = head.indexOf('\r\n');
      if (eol < 0) return;
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head.slice(0, eol));
      if (!m) return finish({ ok: false, message: `${prefix}net/http: HTTP/1.x transport connection broken: malformed HTTP response "${head.slice(0, Math.min(eol, 40))}"` });
      const status = Number(m[1]);
      finish(status >= 200 && status < 400 ? { ok: true, status } : { ok: false, status, message: `HTTP probe failed with statuscode: ${status}` });
    });
    stream.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, code: e.code ?? 'EIO', message: `${prefix}${e.message}` }));
    // A connection closed before any answer: through docker's proxy this is what "refused" looks like.
    stream.on('close', () => finish(reach.mode === 'published' && !head ? { ok: false, code: 'ECONNREFUSED', message: `${prefix}${dial}: connect: connection refused` } : { ok: false, code: 'ECONNRESET', message: `${prefix}EOF` }));
    const request = `GET ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
    stream.write(request);
    socket.resume();
  });
}
