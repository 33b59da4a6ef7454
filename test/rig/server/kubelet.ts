// Simulated kubelet: runs each pod's containers as state machines that follow the containers'
// startup/liveness/readiness probe specs (at the probes' real timing × timeScale) against a health
// behaviour set by the test, with Kubernetes' events, restarts and crash-loop back-off.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { clone, nowIso, type Obj, type Store } from './store';
import type { Events } from './events';

export interface Health {
  /** healthy | hang (probes time out N s every M s) | fail (probes fail) | crash (exit E) | oom (OOMKilled, 137) */
  mode: 'healthy' | 'hang' | 'fail' | 'crash' | 'oom';
  /** hang: the health endpoint hangs for hangSeconds starting every everySeconds of container uptime */
  hangSeconds?: number;
  everySeconds?: number;
  /** crash/oom: seconds of uptime before the process exits (default 2) */
  afterSeconds?: number;
  /** crash: exit code (default 1) */
  exitCode?: number;
  /** probes are refused (connection refused) for the first startupSeconds of each container start */
  startupSeconds?: number;
  /** only this container (default: all) */
  container?: string;
}

export const HEALTH_ANNOTATION = 'rig.aks-worker.test/health';

type ProbeKind = 'startup' | 'liveness' | 'readiness';

interface CSim {
  name: string;
  spec: Obj;
  gen: number; // container instance; bumps cancel timers of the previous instance
  restartCount: number;
  state: Obj;
  lastState: Obj;
  ready: boolean;
  started: boolean;
  startedAtMs: number;
  containerId: string;
  fails: Record<ProbeKind, number>;
  succ: Record<ProbeKind, number>;
  backoff?: { dur: number; lastUpdateMs: number };
  logs: { ts: string; line: string }[];
  prevLogs?: { ts: string; line: string }[];
  listeners: Set<(line: string | null, ts: string) => void>;
  /** connections into this container (port-forward), reset when the container stops */
  conns: Set<net.Socket>;
}

interface PodSim {
  ns: string;
  name: string;
  uid: string;
  ip: string;
  startTime: string;
  everStarted: boolean;
  containers: CSim[];
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
}

const MAX_BACKOFF = 300;
const INITIAL_BACKOFF = 10;
let ipSeq = 10;

export class Kubelet {
  timeScale: number;
  health = new Map<string, Health>();
  sims = new Map<string, PodSim>();

  constructor(private store: Store, private events: Events, timeScale: number) {
    this.timeScale = timeScale;
    store.hooks.push((e) => {
      if (e.key !== 'core/pods') return;
      if (e.type === 'ADDED') this.startPod(e.obj);
      if (e.type === 'DELETED') this.stopPod(e.obj.metadata.uid);
    });
    store.gracefulPodDelete = (ns, name, grace) => this.gracefulDelete(ns, name, grace);
  }

  /** Graceful pod deletion: deletionTimestamp now, the containers get SIGTERM (Killing "Stopping
   * container"), exit within min(grace, 1 s) × timeScale, then the pod object is removed. */
  gracefulDelete(ns: string, name: string, graceSeconds?: number): Obj | undefined {
    const pod = this.store.get('core/pods', ns, name);
    if (!pod) return undefined;
    if (pod.metadata.deletionTimestamp) return pod;
    const sim = this.sims.get(pod.metadata.uid);
    const grace = graceSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (!sim || grace === 0) return undefined;
    const upd = clone(pod);
    upd.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    upd.metadata.deletionGracePeriodSeconds = grace;
    const terminating = this.store.update('core/pods', upd);
    for (const c of sim.containers) {
      c.gen++; // stops probes, pending restarts and exits
      if (c.state.running) {
        this.ev(sim, c, 'Normal', 'Killing', `Stopping container ${c.name}`);
        this.log(c, 'info: Microsoft.Hosting.Lifetime[0] Application is shutting down...');
      }
    }
    this.after(sim, Math.min(grace, 1), () => {
      const finishedAt = nowIso();
      for (const c of sim.containers) {
        if (c.state.running) c.state = { terminated: { exitCode: 0, reason: 'Completed', startedAt: c.state.running.startedAt, finishedAt, containerID: `containerd://${c.containerId}` } };
        c.ready = false;
        c.started = false;
      }
      this.publish(sim);
      if (this.store.get('core/pods', sim.ns, sim.name)?.metadata.uid === sim.uid) this.store.delete('core/pods', sim.ns, sim.name);
    });
    return terminating;
  }

  // ---- public -----------------------------------------------------------------------------------

  setHealth(ns: string, target: { deployment?: string; pod?: string }, h: Health): void {
    const key = target.pod ? `pod/${ns}/${target.pod}` : `deploy/${ns}/${target.deployment}`;
    if (h.mode === 'healthy' && !h.startupSeconds) this.health.delete(key);
    else this.health.set(key, h);
    for (const sim of this.sims.values()) {
      if (sim.ns !== ns) continue;
      for (const c of sim.containers) if (c.state.running) this.scheduleExit(sim, c);
    }
  }

  podReady(pod: Obj): boolean {
    return (pod.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
  }

  container(ns: string, pod: string, container?: string): CSim | undefined {
    const sim = [...this.sims.values()].find((s) => s.ns === ns && s.name === pod);
    if (!sim) return undefined;
    return container ? sim.containers.find((c) => c.name === container) : sim.containers[0];
  }

  appendLog(ns: string, pod: string, container: string | undefined, lines: string[]): boolean {
    const c = this.container(ns, pod, container);
    if (!c) return false;
    for (const l of lines) this.log(c, l);
    return true;
  }


  // ---- pod network (port-forward) ---------------------------------------------------------------

  private podNet?: Promise<number>;
  private podNetConns = new Map<number, { sim: PodSim; c: CSim; gen: number }>();

  /** An in-process HTTP server that stands for every container's health endpoint. */
  private podNetPort(): Promise<number> {
    this.podNet ??= new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => this.serveHealth(req, res));
      server.keepAliveTimeout = 60_000;
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
      server.unref();
    });
    return this.podNet;
  }

  /**
   * Connects to a port of a pod, as the container runtime does for port-forward. A port the
   * container does not listen on (not among its ports or its probes' ports), a container that is not
   * running or still starting: connection refused, with the runtime's message.
   */
  async dial(ns: string, podName: string, port: number): Promise<net.Socket | { error: string }> {
    const sim = [...this.sims.values()].find((s) => s.ns === ns && s.name === podName);
    const refused = { error: `failed to connect to localhost:${port} inside namespace "${sim?.uid ?? ''}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused ` };
    if (!sim) return refused;
    const c = sim.containers.find((x) => listensOn(x.spec, port));
    if (!c || !c.state.running) return refused;
    const h = this.healthFor(sim, c);
    const uptime = (Date.now() - c.startedAtMs) / 1000 / this.timeScale;
    if (h.startupSeconds && uptime < h.startupSeconds) return refused;
    const serverPort = await this.podNetPort();
    const gen = c.gen;
    const socket = net.connect(serverPort, '127.0.0.1');
    // registered before any write, so the server knows the connection before the request arrives
    socket.once('connect', () => {
      if (socket.localPort) this.podNetConns.set(socket.localPort, { sim, c, gen });
    });
    socket.on('close', () => {
      c.conns.delete(socket);
      if (socket.localPort && this.podNetConns.get(socket.localPort)?.c === c) this.podNetConns.delete(socket.localPort);
    });
    c.conns.add(socket);
    return socket;
  }

  private resetConns(c: CSim): void {
    for (const s of c.conns) s.destroy(new Error('read: connection reset by peer'));
    c.conns.clear();
  }

  /**
   * The worker's health endpoint: 200 "Healthy" on /healthz and on its probes' httpGet paths, 404
   * elsewhere; under `hang` the answer waits until the hang ends (or never), under `fail` it is 503.
   */
  private serveHealth(req: http.IncomingMessage, res: http.ServerResponse): void {
    const info = this.podNetConns.get(req.socket.remotePort ?? 0);
    if (!info) {
      res.destroy();
      return;
    }
    const { sim, c, gen } = info;
    const alive = () => c.gen === gen && !!c.state.running && !sim.stopped;
    const send = (code: number, body: string) => {
      if (!alive()) return void res.destroy();
      res.writeHead(code, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store, no-cache', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    const paths = new Set(['/healthz']);
    for (const k of ['startupProbe', 'livenessProbe', 'readinessProbe']) if (c.spec[k]?.httpGet) paths.add(c.spec[k].httpGet.path ?? '/');
    if (!paths.has(path ?? '/')) return send(404, '');
    const h = this.healthFor(sim, c);
    if (h.mode === 'fail') return send(503, 'Unhealthy');
    if (h.mode === 'hang') {
      const uptime = (Date.now() - c.startedAtMs) / 1000 / this.timeScale;
      const every = h.everySeconds ?? 0;
      const hang = h.hangSeconds ?? Infinity;
      let left = 0;
      if (every <= 0) left = hang === Infinity ? Infinity : Math.max(0, hang - uptime);
      else if (uptime >= every && uptime % every < hang) left = hang - (uptime % every);
      if (left === Infinity) return; // never answers; the connection ends with the container or the client
      if (left > 0) {
        const t = setTimeout(() => send(200, 'Healthy'), left * 1000 * this.timeScale);
        res.on('close', () => clearTimeout(t));
        return;
      }
    }
    send(200, 'Healthy');
  }

  // ---- pod lifecycle ----------------------------------------------------------------------------

  private after(sim: PodSim, seconds: number, f: () => void): void {
    const t = setTimeout(() => {
      sim.timers.delete(t);
      if (!sim.stopped) {
        try {
          f();
        } catch (e) {
          console.error('kubelet:', e);
        }
      }
    }, Math.max(0, seconds * 1000 * this.timeScale));
    sim.timers.add(t);
  }

  private startPod(pod: Obj): void {
    const sim: PodSim = {
      ns: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
      ip: `10.244.0.${(ipSeq = ipSeq >= 250 ? 10 : ipSeq + 1)}`,
      startTime: nowIso(),
      everStarted: false,
      timers: new Set(),
      stopped: false,
      containers: (pod.spec.containers ?? []).map((spec: Obj) => ({
        name: spec.name,
        spec,
        gen: 0,
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
        lastState: {},
        ready: false,
        started: false,
        startedAtMs: 0,
        containerId: '',
        fails: { startup: 0, liveness: 0, readiness: 0 },
        succ: { startup: 0, liveness: 0, readiness: 0 },
        logs: [],
        listeners: new Set(),
        conns: new Set(),
      })),
    };
    this.sims.set(sim.uid, sim);
    this.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${sim.ns}/${sim.name} to rig-node`, 'default-scheduler');
    this.publish(sim);
    this.after(sim, 0.5, () => {
      for (const c of sim.containers) this.startContainer(sim, c);
    });
  }

  private stopPod(uid: string): void {
    const sim = this.sims.get(uid);
    if (!sim) return;
    sim.stopped = true;
    for (const t of sim.timers) clearTimeout(t);
    for (const c of sim.containers) for (const l of c.listeners) l(null, nowIso());
    for (const c of sim.containers) this.resetConns(c);
    this.sims.delete(uid);
  }

  private podObj(sim: PodSim): Obj | undefined {
    return this.store.get('core/pods', sim.ns, sim.name);
  }

  private healthFor(sim: PodSim, c: CSim): Health {
    let h = this.health.get(`pod/${sim.ns}/${sim.name}`);
    const pod = this.podObj(sim);
    if (!h && pod) {
      const rsName = (pod.metadata.ownerReferences ?? []).find((r: Obj) => r.kind === 'ReplicaSet')?.name;
      const rs = rsName ? this.store.get('apps/replicasets', sim.ns, rsName) : undefined;
      const dName = (rs?.metadata.ownerReferences ?? []).find((r: Obj) => r.kind === 'Deployment')?.name;
      if (dName) h = this.health.get(`deploy/${sim.ns}/${dName}`);
      if (!h && pod.metadata.annotations?.[HEALTH_ANNOTATION]) {
        try {
          h = JSON.parse(pod.metadata.annotations[HEALTH_ANNOTATION]);
        } catch {
          /* ignore a bad annotation */
        }
      }
    }
    if (!h || (h.container && h.container !== c.name)) return { mode: 'healthy' };
    return h;
  }

  private ev(sim: PodSim, c: CSim | undefined, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const pod = this.podObj(sim) ?? { apiVersion: 'v1', kind: 'Pod', metadata: { name: sim.name, namespace: sim.ns, uid: sim.uid } };
    this.events.record(pod, type, reason, message, 'kubelet', c ? `spec.containers{${c.name}}` : undefined);
  }

  private log(c: CSim, line: string): void {
    const ts = new Date().toISOString().replace(/Z$/, '000000Z').replace(/(\.\d{9})\d*Z$/, '$1Z');
    c.logs.push({ ts, line });
    if (c.logs.length > 5000) c.logs.shift();
    for (const l of c.listeners) l(line, ts);
  }

  private startContainer(sim: PodSim, c: CSim): void {
    c.gen++;
    const gen = c.gen;
    c.containerId = randomBytes(32).toString('hex');
    c.startedAtMs = Date.now();
    c.state = { running: { startedAt: nowIso() } };
    c.fails = { startup: 0, liveness: 0, readiness: 0 };
    c.succ = { startup: 0, liveness: 0, readiness: 0 };
    c.started = !c.spec.startupProbe;
    c.ready = c.started && !c.spec.readinessProbe;
    c.logs = [];
    sim.everStarted = true;
    this.ev(sim, c, 'Normal', 'Pulled', `Container image "${c.spec.image}" already present on machine`);
    this.ev(sim, c, 'Normal', 'Created', `Created container: ${c.name}`);
    this.ev(sim, c, 'Normal', 'Started', `Started container ${c.name}`);
    this.log(c, `info: Microsoft.Hosting.Lifetime[0] Application started (rig container ${c.name}, image ${c.spec.image}, restart ${c.restartCount})`);
    this.log(c, `info: Microsoft.Hosting.Lifetime[0] Hosting environment: Production`);
    this.publish(sim);
    for (const kind of ['startup', 'liveness', 'readiness'] as ProbeKind[]) {
      const probe = c.spec[`${kind}Probe`];
      if (probe) this.after(sim, probe.initialDelaySeconds ?? 0, () => this.probeTick(sim, c, gen, kind));
    }
    this.scheduleExit(sim, c);
  }

  private scheduledExitGen = new WeakMap<CSim, number>();
  private scheduleExit(sim: PodSim, c: CSim): void {
    const h = this.healthFor(sim, c);
    if (h.mode !== 'crash' && h.mode !== 'oom') return;
    if (this.scheduledExitGen.get(c) === c.gen) return;
    this.scheduledExitGen.set(c, c.gen);
    const gen = c.gen;
    const uptime = (Date.now() - c.startedAtMs) / 1000 / this.timeScale;
    this.after(sim, Math.max(0, (h.afterSeconds ?? 2) - uptime), () => {
      if (c.gen !== gen || !c.state.running) return;
      const now = this.healthFor(sim, c);
      if (now.mode === 'oom') {
        this.log(c, 'rig: simulated out-of-memory: the process was killed by the kernel (OOM)');
        this.terminate(sim, c, 137, 'OOMKilled');
      } else if (now.mode === 'crash') {
        const code = now.exitCode ?? 1;
        this.log(c, `fail: Worker[0] Unhandled exception. System.InvalidOperationException: rig simulated crash (exit code ${code})`);
        this.terminate(sim, c, code, code === 0 ? 'Completed' : 'Error');
      }
    });
  }

  private probeResult(sim: PodSim, c: CSim, probe: Obj): { ok: true } | { ok: false; message: string; slow: boolean } {
    const h = this.healthFor(sim, c);
    const uptime = (Date.now() - c.startedAtMs) / 1000 / this.timeScale;
    const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port ?? 8080;
    const url = probe.httpGet ? `${(probe.httpGet.scheme ?? 'HTTP').toLowerCase()}://${sim.ip}:${port}${probe.httpGet.path ?? '/'}` : '';
    if (h.startupSeconds && uptime < h.startupSeconds) {
      const msg = probe.httpGet ? `Get "${url}": dial tcp ${sim.ip}:${port}: connect: connection refused` : probe.exec ? `command exited with 1: not ready` : `dial tcp ${sim.ip}:${port}: connect: connection refused`;
      return { ok: false, message: msg, slow: false };
    }
    let hanging = false;
    if (h.mode === 'hang') {
      const every = h.everySeconds ?? 0;
      const hang = h.hangSeconds ?? Infinity;
      if (every <= 0) hanging = uptime < hang || hang === Infinity;
      else hanging = uptime >= every && uptime % every < hang;
    }
    if (hanging) {
      const t = probe.timeoutSeconds ?? 1;
      const msg = probe.httpGet
        ? `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
        : probe.exec
          ? `command timed out: "${(probe.exec.command ?? []).join(' ')}" timed out after ${t}s`
          : probe.grpc
            ? `timeout: health rpc did not complete within ${t}s`
            : `dial tcp ${sim.ip}:${port}: i/o timeout`;
      return { ok: false, message: msg, slow: true };
    }
    if (h.mode === 'fail') {
      const msg = probe.httpGet ? 'HTTP probe failed with statuscode: 503' : probe.exec ? 'command exited with 1' : probe.grpc ? 'service unhealthy (responded with "NOT_SERVING")' : `dial tcp ${sim.ip}:${port}: connect: connection refused`;
      return { ok: false, message: msg, slow: false };
    }
    return { ok: true };
  }

  private probeTick(sim: PodSim, c: CSim, gen: number, kind: ProbeKind): void {
    if (c.gen !== gen || !c.state.running) return;
    const probe = c.spec[`${kind}Probe`];
    const period = probe.periodSeconds ?? 10;
    this.after(sim, period, () => this.probeTick(sim, c, gen, kind));
    if (kind === 'startup' && c.started) return;
    if (kind !== 'startup' && !c.started) return;
    const r = this.probeResult(sim, c, probe);
    if (r.ok) {
      this.onProbe(sim, c, gen, kind, probe, true, '');
    } else if (r.slow) {
      this.after(sim, probe.timeoutSeconds ?? 1, () => this.onProbe(sim, c, gen, kind, probe, false, r.message));
    } else {
      this.onProbe(sim, c, gen, kind, probe, false, r.message);
    }
  }

  private onProbe(sim: PodSim, c: CSim, gen: number, kind: ProbeKind, probe: Obj, ok: boolean, message: string): void {
    if (c.gen !== gen || !c.state.running) return;
    const threshold = probe.failureThreshold ?? 3;
    if (ok) {
      c.fails[kind] = 0;
      c.succ[kind]++;
      if (kind === 'startup' && !c.started) {
        c.started = true;
        if (!c.spec.readinessProbe) c.ready = true;
        this.publish(sim);
      }
      if (kind === 'readiness' && !c.ready && c.succ[kind] >= (probe.successThreshold ?? 1)) {
        c.ready = true;
        this.publish(sim);
      }
      return;
    }
    c.succ[kind] = 0;
    c.fails[kind]++;
    const label = kind[0]!.toUpperCase() + kind.slice(1);
    this.ev(sim, c, 'Warning', 'Unhealthy', `${label} probe failed: ${message}`);
    if (kind === 'readiness') {
      if (c.ready && c.fails[kind] >= threshold) {
        c.ready = false;
        this.publish(sim);
      }
      return;
    }
    if (c.fails[kind] >= threshold) {
      this.ev(sim, c, 'Normal', 'Killing', `Container ${c.name} failed ${kind} probe, will be restarted`);
      this.log(c, `info: Microsoft.Hosting.Lifetime[0] Application is shutting down...`);
      this.terminate(sim, c, 137, 'Error');
    }
  }

  private terminate(sim: PodSim, c: CSim, exitCode: number, reason: string): void {
    const finishedAt = nowIso();
    const finishedMs = Date.now();
    c.gen++;
    c.lastState = { terminated: { exitCode, reason, startedAt: c.state.running?.startedAt ?? finishedAt, finishedAt, containerID: `containerd://${c.containerId}` } };
    c.state = clone(c.lastState);
    c.ready = false;
    c.started = false;
    c.prevLogs = c.logs;
    c.logs = [];
    for (const l of c.listeners) l(null, finishedAt);
    c.listeners.clear();
    this.resetConns(c);
    this.publish(sim);
    const policy = this.podObj(sim)?.spec?.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) return;
    const gen = c.gen;
    const scaledMs = (s: number) => s * 1000 * this.timeScale;
    const b = c.backoff;
    if (b && finishedMs - b.lastUpdateMs < scaledMs(b.dur)) {
      // in back-off: CrashLoopBackOff until lastUpdate + dur
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${fmtDur(b.dur)} restarting failed container=${c.name} pod=${sim.name}_${sim.ns}(${sim.uid})` } };
      this.ev(sim, c, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${sim.name}_${sim.ns}(${sim.uid})`);
      this.publish(sim);
      const waitMs = b.lastUpdateMs + scaledMs(b.dur) - Date.now();
      this.after(sim, waitMs / 1000 / this.timeScale, () => c.gen === gen && this.restart(sim, c));
    } else {
      this.after(sim, 0.2, () => c.gen === gen && this.restart(sim, c));
    }
  }

  private restart(sim: PodSim, c: CSim): void {
    const now = Date.now();
    const b = c.backoff;
    if (!b || now - b.lastUpdateMs > 2 * MAX_BACKOFF * 1000 * this.timeScale) c.backoff = { dur: INITIAL_BACKOFF, lastUpdateMs: now };
    else c.backoff = { dur: Math.min(b.dur * 2, MAX_BACKOFF), lastUpdateMs: now };
    c.restartCount++;
    this.startContainer(sim, c);
  }

  private publish(sim: PodSim): void {
    const pod = this.podObj(sim);
    if (!pod || pod.metadata.uid !== sim.uid) return;
    const upd = clone(pod);
    const now = nowIso();
    const prev: Obj[] = pod.status?.conditions ?? [];
    const cond = (type: string, ok: boolean): Obj => {
      const p = prev.find((x) => x.type === type);
      const status = ok ? 'True' : 'False';
      return { type, status, lastProbeTime: null, lastTransitionTime: p && p.status === status ? p.lastTransitionTime : now };
    };
    const allReady = sim.containers.every((c) => c.ready);
    upd.status = {
      phase: sim.everStarted ? 'Running' : 'Pending',
      conditions: [cond('PodReadyToStartContainers', true), cond('Initialized', true), cond('Ready', allReady), cond('ContainersReady', allReady), cond('PodScheduled', true)],
      hostIP: '10.224.0.4',
      hostIPs: [{ ip: '10.224.0.4' }],
      podIP: sim.ip,
      podIPs: [{ ip: sim.ip }],
      startTime: sim.startTime,
      containerStatuses: sim.containers.map((c) => ({
        name: c.name,
        state: c.state,
        lastState: c.lastState,
        ready: c.ready,
        restartCount: c.restartCount,
        image: c.spec.image,
        imageID: c.containerId ? `${c.spec.image}@sha256:${c.containerId.slice(0, 64)}` : '',
        ...(c.containerId ? { containerID: `containerd://${c.containerId}` } : {}),
        started: c.started && !!c.state.running,
      })),
      qosClass: 'BestEffort',
    };
    this.store.update('core/pods', upd);
  }
}

/** The ports a simulated container listens on: its declared ports and its probes' ports. */
function listensOn(spec: Obj, port: number): boolean {
  if ((spec.ports ?? []).some((p: Obj) => p.containerPort === port)) return true;
  return ['startupProbe', 'livenessProbe', 'readinessProbe'].some((k) => {
    const pr = spec[k];
    const p = pr?.httpGet?.port ?? pr?.tcpSocket?.port ?? pr?.grpc?.port;
    return p === port || (typeof p === 'string' && (spec.ports ?? []).some((x: Obj) => x.name === p && x.containerPort === port));
  });
}

function fmtDur(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  return r ? `${m}m${r}s` : `${m}m0s`;
}
