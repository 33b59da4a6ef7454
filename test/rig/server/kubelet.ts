// The rig's kubelet. Each pod runs on one of two runtimes, chosen per pod or namespace:
// - docker: real containers in the rig's Docker engine (see runtime.ts): the image is pulled from
//   its registry with the pod's imagePullSecrets or the node's credentials, probes reach the real
//   process at real timing, a kill is SIGTERM + grace + SIGKILL, exit codes, OOMKilled and logs are
//   the container's own;
// - simulated: containers as state machines that follow the probe specs (at the probes' timing ×
//   timeScale) against a health behaviour set by the test — for tests that need hundreds of pods.
// Both share Kubernetes' events, restarts and crash-loop back-off.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { clone, nowIso, type Obj, type Store } from './store';
import type { Events } from './events';
import { DockerRuntime, nanoCpus, quantityBytes, registryOf, type RegistryAuth } from './runtime';

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
/** `docker` or `simulated`, on a pod or its namespace (annotation or label); else the node default. */
export const RUNTIME_ANNOTATION = 'rig.aks-worker.test/runtime';
export type RuntimeKind = 'docker' | 'simulated';

export interface NodeOptions {
  /** the real container runtime (absent: docker pods fail with a clear event) */
  runtime?: DockerRuntime;
  /** the runtime of pods that do not choose one */
  defaultRuntime: RuntimeKind;
  /** registries whose credentials the node gets when the registry is attached (az aks update --attach-acr) */
  registries: Array<{ server: string; username: string; password: string }>;
}

/** One finished real container, for tests (GET /rig/v1/node). */
export interface ContainerRecord {
  namespace: string;
  pod: string;
  container: string;
  id: string;
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
}

interface RealContainer {
  id: string;
  /** lines of this container instance (moved to prevLogs when it ends; late lines still land) */
  lines: { ts: string; line: string }[];
  logsDone: Promise<void>;
  /** resolves once the exit has been recorded (state terminated) */
  exited: Promise<void>;
  killing: boolean;
}

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
  /** docker runtime: the running (or last) container, the one before it (kept for --previous), attempts */
  rt?: RealContainer;
  prevId?: string;
  attempt: number;
  probing: Set<ProbeKind>;
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
  runtime: RuntimeKind;
  /** graceful deletion under way: exits are not restarted */
  deleting: boolean;
}

const MAX_BACKOFF = 300;
const INITIAL_BACKOFF = 10;
let ipSeq = 10;

export class Kubelet {
  timeScale: number;
  health = new Map<string, Health>();
  sims = new Map<string, PodSim>();

  /** registries the node may pull from with its own credentials (attached) */
  attached = new Set<string>();
  /** images pulled by the node (IfNotPresent looks here, not at images built on the same engine) */
  nodeImages = new Set<string>();
  containerHistory: ContainerRecord[] = [];
  private pullBackoff = new Map<string, { dur: number; lastUpdateMs: number; message: string }>();
  private node: NodeOptions;

  constructor(private store: Store, private events: Events, timeScale: number, node?: Partial<NodeOptions>) {
    this.timeScale = timeScale;
    this.node = { defaultRuntime: 'simulated', registries: [], ...node };
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
    if (sim.runtime === 'docker') {
      this.deleteReal(sim, grace);
      return terminating;
    }
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
    if (sim.runtime === 'docker') return this.dialReal(sim, port, refused);
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

  // ---- real containers (docker runtime) ---------------------------------------------------------

  private runtimeFor(pod: Obj): RuntimeKind {
    const pick = (v: unknown): RuntimeKind | undefined => (v === 'docker' || v === 'simulated' ? v : undefined);
    const ns = this.store.get('core/namespaces', '', pod.metadata.namespace);
    return (
      pick(pod.metadata.annotations?.[RUNTIME_ANNOTATION]) ??
      pick(pod.metadata.labels?.[RUNTIME_ANNOTATION]) ??
      pick(ns?.metadata.annotations?.[RUNTIME_ANNOTATION]) ??
      pick(ns?.metadata.labels?.[RUNTIME_ANNOTATION]) ??
      this.node.defaultRuntime
    );
  }

  /** az aks update --attach-acr: the node may pull from the registry with its own identity. */
  attachRegistry(server: string): boolean {
    if (!this.node.registries.some((r) => r.server === server)) return false;
    this.attached.add(server);
    return true;
  }

  detachRegistry(server: string): void {
    this.attached.delete(server);
  }

  nodeInfo(): Obj {
    return {
      defaultRuntime: this.node.defaultRuntime,
      runtime: this.node.runtime ? 'docker' : 'none',
      registries: this.node.registries.map((r) => r.server),
      attached: [...this.attached],
      images: [...this.nodeImages],
      containers: this.containerHistory,
    };
  }

  /** Removes every container a kubelet of this rig created (left by an API server that died). */
  async removeLeftovers(): Promise<number> {
    const rt = this.node.runtime;
    if (!rt) return 0;
    const ids = await rt.list(`${RUNTIME_ANNOTATION}=docker`);
    await Promise.all(ids.map((id) => rt.remove(id).catch(() => undefined)));
    return ids.length;
  }

  /** Stops every real container at once (the API server is going away). */
  async shutdown(): Promise<void> {
    const rt = this.node.runtime;
    if (!rt) return;
    const ids: string[] = [];
    for (const sim of this.sims.values()) {
      sim.stopped = true;
      for (const t of sim.timers) clearTimeout(t);
      for (const c of sim.containers) for (const id of [c.rt?.id, c.prevId]) if (id) ids.push(id);
    }
    await Promise.all(ids.map((id) => rt.remove(id).catch(() => undefined)));
    rt.close();
  }

  /** Credentials for a pull: the pod's imagePullSecrets for that registry, else the node's when attached. */
  private authFor(sim: PodSim, image: string): RegistryAuth | undefined {
    const registry = registryOf(image);
    const pod = this.podObj(sim);
    for (const ref of pod?.spec?.imagePullSecrets ?? []) {
      const secret = ref?.name ? this.store.get('core/secrets', sim.ns, ref.name) : undefined;
      if (!secret?.data) continue;
      let auths: Obj | undefined;
      try {
        if (secret.type === 'kubernetes.io/dockerconfigjson' && secret.data['.dockerconfigjson']) auths = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8')).auths;
        else if (secret.type === 'kubernetes.io/dockercfg' && secret.data['.dockercfg']) auths = JSON.parse(Buffer.from(secret.data['.dockercfg'], 'base64').toString('utf8'));
      } catch {
        continue; // a broken secret: the kubelet ignores it too
      }
      for (const [key, v] of Object.entries(auths ?? {})) {
        const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
        if (host !== registry || !v || typeof v !== 'object') continue;
        const e = v as Obj;
        let username = e.username;
        let password = e.password;
        if (e.auth) [username, password] = Buffer.from(String(e.auth), 'base64').toString('utf8').split(/:(.*)/s);
        if (username !== undefined) return { username, password: password ?? '', serveraddress: registry };
      }
    }
    if (this.attached.has(registry)) {
      const r = this.node.registries.find((x) => x.server === registry);
      if (r) return { username: r.username, password: r.password, serveraddress: registry };
    }
    return undefined;
  }

  private pullPolicy(c: CSim): string {
    const image = String(c.spec.image ?? '');
    if (c.spec.imagePullPolicy) return c.spec.imagePullPolicy;
    const lastSeg = image.slice(image.lastIndexOf('/') + 1);
    return image.includes('@') ? 'IfNotPresent' : !lastSeg.includes(':') || lastSeg.endsWith(':latest') ? 'Always' : 'IfNotPresent';
  }

  private waiting(sim: PodSim, c: CSim, reason: string, message: string): void {
    c.state = { waiting: { reason, message } };
    c.ready = false;
    c.started = false;
    this.publish(sim);
  }

  /** Makes the image present on the node, as the kubelet's image manager does (with its back-off). */
  private async ensureImage(sim: PodSim, c: CSim, gen: number): Promise<boolean> {
    const rt = this.node.runtime!;
    const image = String(c.spec.image ?? '');
    const policy = this.pullPolicy(c);
    if (policy === 'Never') {
      if (this.nodeImages.has(image)) return true;
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      this.ev(sim, c, 'Warning', 'ErrImageNeverPull', msg);
      this.waiting(sim, c, 'ErrImageNeverPull', msg);
      this.after(sim, INITIAL_BACKOFF, () => c.gen === gen && void this.startReal(sim, c, gen));
      return false;
    }
    if (policy === 'IfNotPresent' && this.nodeImages.has(image)) {
      this.ev(sim, c, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return true;
    }
    const key = `${sim.uid}/${image}`;
    const b = this.pullBackoff.get(key);
    if (b && Date.now() - b.lastUpdateMs < b.dur * 1000) {
      this.ev(sim, c, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      this.ev(sim, c, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      this.waiting(sim, c, 'ImagePullBackOff', `Back-off pulling image "${image}": ErrImagePull: ${b.message}`);
      this.after(sim, (b.lastUpdateMs + b.dur * 1000 - Date.now()) / 1000, () => c.gen === gen && void this.startReal(sim, c, gen));
      return false;
    }
    this.ev(sim, c, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = Date.now();
    try {
      const { size } = await rt.pull(image, this.authFor(sim, image));
      if (c.gen !== gen || sim.stopped) return false;
      this.nodeImages.add(image);
      this.pullBackoff.delete(key);
      const took = fmtSeconds((Date.now() - t0) / 1000);
      this.ev(sim, c, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`);
      return true;
    } catch (e) {
      if (c.gen !== gen || sim.stopped) return false;
      const message = (e as Error).message;
      this.pullBackoff.set(key, { dur: b ? Math.min(b.dur * 2, MAX_BACKOFF) : INITIAL_BACKOFF, lastUpdateMs: Date.now(), message });
      this.ev(sim, c, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
      this.ev(sim, c, 'Warning', 'Failed', 'Error: ErrImagePull');
      this.waiting(sim, c, 'ErrImagePull', message);
      // the next sync finds the image in back-off (ImagePullBackOff) until the back-off ends
      this.after(sim, 1, () => c.gen === gen && void this.startReal(sim, c, gen));
      return false;
    }
  }

  /** The container's environment as the kubelet resolves it (value, fieldRef, secret and config map refs). */
  private containerEnv(sim: PodSim, c: CSim): string[] {
    const pod = this.podObj(sim);
    const out = new Map<string, string>();
    const fromMap = (kind: 'secrets' | 'configmaps', name: string): Record<string, string> => {
      const o = this.store.get(`core/${kind}`, sim.ns, name);
      if (!o) return {};
      if (kind === 'secrets') return Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
      return { ...(o.data ?? {}) };
    };
    for (const ef of c.spec.envFrom ?? []) {
      const m = ef.configMapRef?.name ? fromMap('configmaps', ef.configMapRef.name) : ef.secretRef?.name ? fromMap('secrets', ef.secretRef.name) : {};
      for (const [k, v] of Object.entries(m)) out.set(`${ef.prefix ?? ''}${k}`, v);
    }
    const fields: Record<string, string | undefined> = {
      'metadata.name': sim.name,
      'metadata.namespace': sim.ns,
      'metadata.uid': sim.uid,
      'status.podIP': sim.ip,
      'status.hostIP': '10.224.0.4',
      'spec.nodeName': 'rig-node',
      'spec.serviceAccountName': pod?.spec?.serviceAccountName ?? 'default',
    };
    for (const e of c.spec.env ?? []) {
      if (!e?.name) continue;
      let v: string | undefined = e.value !== undefined ? String(e.value) : undefined;
      const vf = e.valueFrom;
      if (vf?.fieldRef?.fieldPath) v = fields[vf.fieldRef.fieldPath] ?? '';
      else if (vf?.secretKeyRef) v = fromMap('secrets', vf.secretKeyRef.name)[vf.secretKeyRef.key];
      else if (vf?.configMapKeyRef) v = fromMap('configmaps', vf.configMapKeyRef.name)[vf.configMapKeyRef.key];
      // $(VAR) references to earlier variables, as the kubelet expands them
      if (v !== undefined) v = v.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => out.get(n) ?? m);
      out.set(e.name, v ?? '');
    }
    return [...out].map(([k, v]) => `${k}=${v}`);
  }

  /** Pull, create and start a real container, then follow its logs and its exit. */
  private async startReal(sim: PodSim, c: CSim, retryOf?: number): Promise<void> {
    const rt = this.node.runtime;
    if (retryOf === undefined) c.gen++;
    const gen = c.gen;
    if (!rt) {
      const msg = "the rig's kubelet has no container runtime (start the rig with its docker engine: RIG_DOCKER_SOCKET)";
      this.ev(sim, c, 'Warning', 'Failed', `Error: ${msg}`);
      this.waiting(sim, c, 'CreateContainerConfigError', msg);
      return;
    }
    try {
      if (!(await this.ensureImage(sim, c, gen))) return;
    } catch (e) {
      console.error('kubelet: pull:', e);
      return;
    }
    if (c.gen !== gen || sim.stopped || sim.deleting) return;
    const pod = this.podObj(sim);
    const limits = c.spec.resources?.limits ?? {};
    const runAsUser = c.spec.securityContext?.runAsUser ?? pod?.spec?.securityContext?.runAsUser;
    c.attempt++;
    let id: string;
    try {
      id = await rt.create({
        name: `k8s_${c.name}_${sim.name}_${sim.ns}_${sim.uid}_${c.attempt - 1}`,
        image: c.spec.image,
        ...(c.spec.command?.length ? { entrypoint: c.spec.command.map(String) } : {}),
        ...(c.spec.args ? { cmd: c.spec.args.map(String) } : {}),
        env: this.containerEnv(sim, c),
        ...(c.spec.workingDir ? { workingDir: c.spec.workingDir } : {}),
        ...(runAsUser !== undefined ? { user: String(runAsUser) } : {}),
        hostname: sim.name,
        ...(quantityBytes(limits.memory) ? { memoryBytes: quantityBytes(limits.memory)! } : {}),
        ...(nanoCpus(limits.cpu) ? { nanoCpus: nanoCpus(limits.cpu)! } : {}),
        labels: {
          [RUNTIME_ANNOTATION]: 'docker',
          'io.kubernetes.pod.name': sim.name,
          'io.kubernetes.pod.namespace': sim.ns,
          'io.kubernetes.pod.uid': sim.uid,
          'io.kubernetes.container.name': c.name,
        },
      });
    } catch (e) {
      if (c.gen !== gen || sim.stopped) return;
      const msg = (e as Error).message;
      this.ev(sim, c, 'Warning', 'Failed', `Error: ${msg}`);
      this.waiting(sim, c, 'CreateContainerError', msg);
      this.after(sim, INITIAL_BACKOFF, () => c.gen === gen && void this.startReal(sim, c, gen));
      return;
    }
    if (c.gen !== gen || sim.stopped || sim.deleting) {
      void rt.remove(id).catch(() => undefined);
      return;
    }
    // keep one dead container per container (for --previous); remove the one before it
    if (c.prevId) void rt.remove(c.prevId).catch(() => undefined);
    c.prevId = c.rt?.id;
    c.containerId = id;
    this.ev(sim, c, 'Normal', 'Created', `Created container: ${c.name}`);
    const lines: { ts: string; line: string }[] = [];
    let resolveExited!: () => void;
    const real: RealContainer = { id, lines, logsDone: Promise.resolve(), exited: new Promise((r) => (resolveExited = r)), killing: false };
    c.rt = real;
    let started: { pid: number; startedAt: string };
    try {
      started = await rt.start(id);
    } catch (e) {
      const msg = (e as Error).message;
      this.ev(sim, c, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${msg}`);
      c.logs = lines;
      this.terminate(sim, c, 128, 'StartError', { message: msg });
      resolveExited();
      return;
    }
    c.startedAtMs = Date.now();
    c.state = { running: { startedAt: k8sTime(started.startedAt) } };
    c.fails = { startup: 0, liveness: 0, readiness: 0 };
    c.succ = { startup: 0, liveness: 0, readiness: 0 };
    c.started = !c.spec.startupProbe;
    c.ready = c.started && !c.spec.readinessProbe;
    c.logs = lines;
    sim.everStarted = true;
    this.ev(sim, c, 'Normal', 'Started', `Started container ${c.name}`);
    real.logsDone = rt
      .logs(id, (ts, line) => {
        lines.push({ ts, line });
        if (lines.length > 5000) lines.shift();
        if (c.logs === lines) for (const l of c.listeners) l(line, ts);
      })
      .catch((e: Error) => console.error(`kubelet: logs of ${id.slice(0, 12)}:`, e.message));
    void rt.startRelay(id, started.pid, sim.ip).catch((e: Error) => console.error(`kubelet: relay into ${id.slice(0, 12)}:`, e.message));
    this.publish(sim);
    for (const kind of ['startup', 'liveness', 'readiness'] as ProbeKind[]) {
      const probe = c.spec[`${kind}Probe`];
      if (probe) this.after(sim, probe.initialDelaySeconds ?? 0, () => this.probeTick(sim, c, gen, kind));
    }
    void rt
      .wait(id)
      .then(async (x) => {
        // the last lines arrive with the end of the log stream
        await Promise.race([real.logsDone, new Promise((r) => setTimeout(r, 2000))]);
        rt.stopRelay(id);
        if (c.rt !== real || sim.stopped) return;
        const reason = x.oomKilled ? 'OOMKilled' : x.exitCode === 0 ? 'Completed' : 'Error';
        this.containerHistory.push({ namespace: sim.ns, pod: sim.name, container: c.name, id, exitCode: x.exitCode, reason, startedAt: k8sTime(x.startedAt), finishedAt: k8sTime(x.finishedAt) });
        if (this.containerHistory.length > 500) this.containerHistory.shift();
        this.terminate(sim, c, x.exitCode, reason, { startedAt: k8sTime(x.startedAt), finishedAt: k8sTime(x.finishedAt), ...(x.error ? { message: x.error } : {}) });
      })
      .catch((e: Error) => console.error(`kubelet: waiting for ${id.slice(0, 12)}:`, e.message))
      .finally(resolveExited);
  }

  /** A probe kill: SIGTERM, the grace period, SIGKILL; the exit is recorded when it happens. */
  private killReal(c: CSim, graceSeconds: number): void {
    const real = c.rt;
    c.gen++; // no more probes for this container
    if (!real || real.killing || !c.state.running) return;
    real.killing = true;
    void this.node.runtime!.stop(real.id, graceSeconds).catch((e: Error) => console.error(`kubelet: stopping ${real.id.slice(0, 12)}:`, e.message));
  }

  /** Graceful pod deletion with real containers: each gets SIGTERM and the grace period; the pod
   * object goes once all have exited (their terminated state is published first). */
  private deleteReal(sim: PodSim, graceSeconds: number): void {
    sim.deleting = true;
    const waits: Promise<void>[] = [];
    for (const c of sim.containers) {
      c.gen++; // stops probes, pending restarts and pulls
      if (c.rt && c.state.running) {
        this.ev(sim, c, 'Normal', 'Killing', `Stopping container ${c.name}`);
        c.rt.killing = true;
        void this.node.runtime!.stop(c.rt.id, graceSeconds).catch((e: Error) => console.error(`kubelet: stopping ${c.rt?.id.slice(0, 12)}:`, e.message));
        waits.push(c.rt.exited);
      } else {
        c.state = c.state.running || c.state.terminated ? c.state : { terminated: { exitCode: 0, reason: 'Completed', startedAt: nowIso(), finishedAt: nowIso() } };
      }
    }
    void Promise.all(waits).then(() => {
      this.publish(sim);
      if (this.store.get('core/pods', sim.ns, sim.name)?.metadata.uid === sim.uid) this.store.delete('core/pods', sim.ns, sim.name);
    });
  }

  /** Port-forward into a real container: localhost:port inside its network namespace. */
  private async dialReal(sim: PodSim, port: number, refused: { error: string }): Promise<net.Socket | { error: string }> {
    const c = sim.containers.find((x) => x.rt && x.state.running && listensOn(x.spec, port)) ?? sim.containers.find((x) => x.rt && x.state.running);
    if (!c?.rt) return refused;
    try {
      const s = await this.node.runtime!.connect(c.rt.id, '127.0.0.1', port, 10_000);
      c.conns.add(s);
      s.on('close', () => c.conns.delete(s));
      return s;
    } catch {
      return refused;
    }
  }

  /** One probe against the real process, with the kubelet's own failure messages. */
  private async realProbe(sim: PodSim, c: CSim, probe: Obj): Promise<{ ok: true } | { ok: false; message: string }> {
    const rt = this.node.runtime!;
    const real = c.rt;
    if (!real) return { ok: false, message: 'container not running' };
    const timeoutS = probe.timeoutSeconds ?? 1;
    const timeoutMs = timeoutS * 1000;
    if (probe.exec) {
      const cmd: string[] = (probe.exec.command ?? []).map(String);
      const r = await rt.exec(real.id, cmd, timeoutMs);
      if ('timedOut' in r) return { ok: false, message: `command timed out: "${cmd.join(' ')}" timed out after ${timeoutS}s` };
      if (r.exitCode === 0) return { ok: true };
      return { ok: false, message: r.output.trim() || `command "${cmd.join(' ')}" exited with ${r.exitCode}` };
    }
    if (probe.grpc) return { ok: false, message: "grpc probes are not supported by the rig's kubelet" };
    const handler = probe.httpGet ?? probe.tcpSocket ?? {};
    const port = resolvePort(c.spec, handler.port);
    const host: string = handler.host ?? sim.ip;
    if (port === undefined) return { ok: false, message: `port "${handler.port}" not found in the container's ports` };
    const scheme = String(probe.httpGet?.scheme ?? 'HTTP').toLowerCase();
    const path = probe.httpGet?.path ?? '/';
    const url = `${scheme}://${host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
    const prefix = probe.httpGet ? `Get "${url}": ` : '';
    const deadline = Date.now() + timeoutMs;
    let sock: net.Socket;
    try {
      sock = await rt.connect(real.id, host, port, timeoutMs);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ETIMEDOUT') return { ok: false, message: probe.httpGet ? `${prefix}context deadline exceeded (Client.Timeout exceeded while awaiting headers)` : `dial tcp ${host}:${port}: i/o timeout` };
      const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'EHOSTUNREACH' ? 'no route to host' : (e as Error).message;
      return { ok: false, message: `${prefix}dial tcp ${host}:${port}: connect: ${why}` };
    }
    if (!probe.httpGet) {
      sock.destroy();
      return { ok: true };
    }
    const stream: net.Socket = scheme === 'https' ? tls.connect({ socket: sock, rejectUnauthorized: false, servername: undefined }) : sock;
    const headers: Record<string, string> = { Host: `${host}:${port}`, 'User-Agent': `kube-probe/1.33`, Accept: '*/*', Connection: 'close' };
    for (const h of probe.httpGet.httpHeaders ?? []) if (h?.name) headers[h.name] = String(h.value ?? '');
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: { ok: true } | { ok: false; message: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stream.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => done({ ok: false, message: `${prefix}context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }), Math.max(0, deadline - Date.now()));
      const req = http.request({ createConnection: () => stream, method: 'GET', path, headers }, (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => done(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` }));
        res.on('error', () => done(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` }));
      });
      req.on('socket', () => stream.resume()); // the http client listens by now
      req.on('error', (e: Error & { code?: string }) => done({ ok: false, message: `${prefix}${e.code === 'ECONNRESET' ? 'read: connection reset by peer' : e.message === 'socket hang up' ? 'EOF' : e.message}` }));
      req.end();
    });
  }

  // ---- pod lifecycle ----------------------------------------------------------------------------

  /** Real containers run in real time; simulated ones at timeScale. */
  private scale(sim: PodSim): number {
    return sim.runtime === 'docker' ? 1 : this.timeScale;
  }

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
    }, Math.max(0, seconds * 1000 * this.scale(sim)));
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
      runtime: this.runtimeFor(pod),
      deleting: false,
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
        attempt: 0,
        probing: new Set(),
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
    if (sim.runtime === 'docker') {
      for (const c of sim.containers) {
        for (const id of [c.rt?.id, c.prevId]) if (id) void this.node.runtime?.remove(id).catch((e) => console.error(`kubelet: removing container ${id.slice(0, 12)}:`, e.message));
      }
      for (const k of [...this.pullBackoff.keys()]) if (k.startsWith(`${sim.uid}/`)) this.pullBackoff.delete(k);
    }
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
    if (sim.runtime === 'docker') {
      void this.startReal(sim, c);
      return;
    }
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
    const named = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port ?? 8080;
    const port = resolvePort(c.spec, named) ?? named; // the kubelet writes the number of a named port
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
    if (sim.runtime === 'docker') {
      // one probe of a kind at a time: a tick that finds the last one still running is dropped
      if (c.probing.has(kind)) return;
      c.probing.add(kind);
      void this.realProbe(sim, c, probe)
        .catch((e: Error) => ({ ok: false as const, message: e.message }))
        .then((r) => {
          c.probing.delete(kind);
          this.onProbe(sim, c, gen, kind, probe, r.ok, r.ok ? '' : r.message);
        });
      return;
    }
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
      if (sim.runtime === 'docker') {
        this.killReal(c, probe.terminationGracePeriodSeconds ?? this.podObj(sim)?.spec?.terminationGracePeriodSeconds ?? 30);
        return;
      }
      this.log(c, `info: Microsoft.Hosting.Lifetime[0] Application is shutting down...`);
      this.terminate(sim, c, 137, 'Error');
    }
  }

  private terminate(sim: PodSim, c: CSim, exitCode: number, reason: string, times?: { startedAt?: string; finishedAt?: string; message?: string }): void {
    const finishedAt = times?.finishedAt ?? nowIso();
    const finishedMs = Date.now();
    c.gen++;
    const startedAt = times?.startedAt ?? c.state.running?.startedAt ?? finishedAt;
    c.lastState = { terminated: { exitCode, reason, ...(times?.message ? { message: times.message } : {}), startedAt, finishedAt, containerID: `${sim.runtime === 'docker' ? 'docker' : 'containerd'}://${c.containerId}` } };
    c.state = clone(c.lastState);
    c.ready = false;
    c.started = false;
    c.prevLogs = c.logs;
    c.logs = [];
    for (const l of c.listeners) l(null, finishedAt);
    c.listeners.clear();
    this.resetConns(c);
    this.publish(sim);
    if (sim.deleting) return;
    const policy = this.podObj(sim)?.spec?.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) return;
    const gen = c.gen;
    const scaledMs = (s: number) => s * 1000 * this.scale(sim);
    const b = c.backoff;
    if (b && finishedMs - b.lastUpdateMs < scaledMs(b.dur)) {
      // in back-off: CrashLoopBackOff until lastUpdate + dur
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${fmtDur(b.dur)} restarting failed container=${c.name} pod=${sim.name}_${sim.ns}(${sim.uid})` } };
      this.ev(sim, c, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${sim.name}_${sim.ns}(${sim.uid})`);
      this.publish(sim);
      const waitMs = b.lastUpdateMs + scaledMs(b.dur) - Date.now();
      this.after(sim, waitMs / 1000 / this.scale(sim), () => c.gen === gen && this.restart(sim, c));
    } else {
      this.after(sim, 0.2, () => c.gen === gen && this.restart(sim, c));
    }
  }

  private restart(sim: PodSim, c: CSim): void {
    const now = Date.now();
    const b = c.backoff;
    if (!b || now - b.lastUpdateMs > 2 * MAX_BACKOFF * 1000 * this.scale(sim)) c.backoff = { dur: INITIAL_BACKOFF, lastUpdateMs: now };
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
        ...(c.containerId ? { containerID: `${sim.runtime === 'docker' ? 'docker' : 'containerd'}://${c.containerId}` } : {}),
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

/** A container port by number or by name (from the container's ports). */
function resolvePort(spec: Obj, p: unknown): number | undefined {
  if (typeof p === 'number') return p;
  if (typeof p === 'string' && /^\d+$/.test(p)) return Number(p);
  if (typeof p === 'string') return (spec.ports ?? []).find((x: Obj) => x.name === p)?.containerPort;
  return undefined;
}

/** Docker's RFC 3339 with nanoseconds → Kubernetes' seconds. */
function k8sTime(t: string | undefined): string {
  if (!t || t.startsWith('0001-')) return nowIso();
  return t.replace(/\.\d+Z$/, 'Z').replace(/\.\d+([+-])/, '$1');
}

/** Go's time.Duration rounding as the kubelet prints a pull time (1.234s, 512ms). */
function fmtSeconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)}ms` : `${s.toFixed(3).replace(/\.?0+$/, '')}s`;
}

function fmtDur(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  return r ? `${m}m${r}s` : `${m}m0s`;
}
