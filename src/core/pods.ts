import { ResyncMap } from './resync';

/**
 * Pods as the Pods view and panel show them, reduced from Kubernetes Pod JSON and watch events.
 */

/** The label Helm charts put on a release's pods: the Pods view, the pod panel, Measure and `aks-worker pods` select by it. */
export const RELEASE_LABEL = 'app.kubernetes.io/instance';

export interface Termination {
  reason?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
}

export interface ContainerSummary {
  name: string;
  ready: boolean;
  restartCount: number;
  /** running, waiting or terminated. */
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** CrashLoopBackOff, ContainerCreating, Error, OOMKilled, … */
  reason?: string;
  message?: string;
  startedAt?: string;
  lastTermination?: Termination;
  /** The current state when it is terminated (restartPolicy Never or OnFailure, or a pod being stopped). */
  terminated?: Termination;
  /** The container's declared ports, from the pod spec. */
  ports: Array<{ name?: string; containerPort: number }>;
  /** The image the spec asks for. */
  image?: string;
  /** resources.limits.memory from the spec ("128Mi"). */
  memoryLimit?: string;
  /** The spec's probes, reduced to what explains a failure. */
  probes?: Partial<Record<'liveness' | 'readiness' | 'startup', ProbeFacts>>;
}

/** A probe as the restart reasons need it: where it checks, how often, how many failures kill. */
export interface ProbeFacts {
  type: 'httpGet' | 'tcpSocket' | 'exec' | 'grpc' | 'unknown';
  port?: number | string;
  path?: string;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export interface PodSummary {
  uid: string;
  name: string;
  namespace: string;
  release?: string;
  phase: string;
  /** What kubectl's STATUS column would say. */
  status: string;
  ready: number;
  total: number;
  restarts: number;
  createdAt?: string;
  node?: string;
  terminating: boolean;
  containers: ContainerSummary[];
  /** Why the pod is not ready, in words (undefined when it is). */
  notReadyReason?: string;
  /** A coarse state for icons. */
  health: 'ready' | 'running' | 'pending' | 'crashloop' | 'failed' | 'terminating' | 'succeeded';
  /** spec.restartPolicy (Always when the spec leaves it out). */
  restartPolicy?: string;
  /** spec.terminationGracePeriodSeconds (30 when the spec leaves it out). */
  gracePeriodSeconds?: number;
  /** status.reason and status.message of the pod itself (Evicted, "The node was low on resource: memory."). */
  podReason?: string;
  podMessage?: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON */
const posNum = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback);

function probeFacts(p: any): ProbeFacts | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const type: ProbeFacts['type'] = p.httpGet ? 'httpGet' : p.tcpSocket ? 'tcpSocket' : p.exec ? 'exec' : p.grpc ? 'grpc' : 'unknown';
  const port = p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
  return {
    type,
    ...(typeof port === 'number' || typeof port === 'string' ? { port } : {}),
    ...(typeof p.httpGet?.path === 'string' ? { path: p.httpGet.path } : type === 'httpGet' ? { path: '/' } : {}),
    initialDelaySeconds: posNum(p.initialDelaySeconds, 0),
    periodSeconds: posNum(p.periodSeconds, 10) || 10,
    timeoutSeconds: posNum(p.timeoutSeconds, 1) || 1,
    failureThreshold: posNum(p.failureThreshold, 3) || 3,
  };
}

function specFacts(sc: any): Pick<ContainerSummary, 'image' | 'memoryLimit' | 'probes'> {
  if (!sc || typeof sc !== 'object') return {};
  const probes: NonNullable<ContainerSummary['probes']> = {};
  for (const k of ['liveness', 'readiness', 'startup'] as const) {
    const f = probeFacts(sc[`${k}Probe`]);
    if (f) probes[k] = f;
  }
  const mem = sc.resources?.limits?.memory;
  return {
    ...(typeof sc.image === 'string' ? { image: sc.image } : {}),
    ...(typeof mem === 'string' || typeof mem === 'number' ? { memoryLimit: String(mem) } : {}),
    ...(Object.keys(probes).length ? { probes } : {}),
  };
}

function termination(t: any): Termination | undefined {
  if (!t) return undefined;
  return { reason: t.reason, exitCode: t.exitCode, startedAt: t.startedAt, finishedAt: t.finishedAt, message: t.message };
}

export function summarizePod(pod: any): PodSummary {
  const meta = pod?.metadata ?? {};
  const status = pod?.status ?? {};
  const statuses: any[] = status.containerStatuses ?? [];
  const specContainers: any[] = pod?.spec?.containers ?? [];
  const containers: ContainerSummary[] = (statuses.length ? statuses : specContainers.map((c) => ({ name: c.name }))).map((c) => {
    const st = c.state ?? {};
    const which = st.running ? 'running' : st.waiting ? 'waiting' : st.terminated ? 'terminated' : 'unknown';
    const inner = st.running ?? st.waiting ?? st.terminated ?? {};
    return {
      name: c.name,
      ready: !!c.ready,
      restartCount: c.restartCount ?? 0,
      state: which,
      reason: inner.reason,
      message: inner.message,
      startedAt: st.running?.startedAt ?? st.terminated?.startedAt,
      lastTermination: termination(c.lastState?.terminated),
      ...(st.terminated ? { terminated: termination(st.terminated) } : {}),
      ports: ((specContainers.find((sc) => sc.name === c.name)?.ports ?? []) as any[]).map((pt) => ({ name: pt.name, containerPort: pt.containerPort })),
      ...specFacts(specContainers.find((sc) => sc.name === c.name)),
    } as ContainerSummary;
  });
  const terminating = !!meta.deletionTimestamp;
  const restarts = containers.reduce((n, c) => n + c.restartCount, 0);
  const ready = containers.filter((c) => c.ready).length;
  const total = Math.max(containers.length, specContainers.length);
  const phase: string = status.phase ?? 'Pending';

  // kubectl's STATUS: a waiting/terminated container's reason wins over the phase.
  let shown = status.reason ?? phase;
  for (const c of containers) {
    if (c.state === 'waiting' && c.reason && c.reason !== 'ContainerCreating' && c.reason !== 'PodInitializing') shown = c.reason;
    else if (c.state === 'terminated' && c.reason) shown = c.reason;
    else if (c.state === 'waiting' && c.reason && shown === 'Pending') shown = c.reason;
  }
  if (terminating) shown = 'Terminating';

  const crash = containers.some((c) => c.reason === 'CrashLoopBackOff');
  const health: PodSummary['health'] = terminating
    ? 'terminating'
    : crash
      ? 'crashloop'
      : phase === 'Failed'
        ? 'failed'
        : phase === 'Succeeded'
          ? 'succeeded'
          : phase === 'Pending'
            ? 'pending'
            : ready === total && total > 0
              ? 'ready'
              : 'running';

  let notReadyReason: string | undefined;
  if (health !== 'ready' && health !== 'succeeded') {
    const c = containers.find((x) => !x.ready);
    const readyCond = (status.conditions ?? []).find((x: any) => x.type === 'Ready');
    if (terminating) notReadyReason = 'being deleted';
    else if (c?.reason === 'CrashLoopBackOff') notReadyReason = `${c.name} keeps crashing${c.lastTermination?.reason ? ` (last: ${c.lastTermination.reason}${c.lastTermination.exitCode !== undefined ? `, exit ${c.lastTermination.exitCode}` : ''})` : ''}`;
    else if (c?.state === 'waiting') notReadyReason = `${c.name} is waiting: ${c.reason ?? 'unknown'}${c.message ? ` — ${c.message}` : ''}`;
    else if (c?.state === 'terminated') notReadyReason = `${c.name} terminated: ${c.reason ?? 'unknown'}${c.lastTermination?.exitCode !== undefined ? ` (exit ${c.lastTermination.exitCode})` : ''}`;
    else if (c?.state === 'running') notReadyReason = `${c.name} runs but is not ready (readiness probe)`;
    else if (readyCond?.message) notReadyReason = readyCond.message;
    else if (phase === 'Pending') notReadyReason = 'not scheduled or started yet';
  }

  return {
    uid: meta.uid ?? `${meta.namespace}/${meta.name}`,
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
    release: meta.labels?.[RELEASE_LABEL],
    phase,
    status: shown,
    ready,
    total,
    restarts,
    createdAt: meta.creationTimestamp,
    node: pod?.spec?.nodeName,
    terminating,
    containers,
    notReadyReason,
    health,
    restartPolicy: typeof pod?.spec?.restartPolicy === 'string' ? pod.spec.restartPolicy : 'Always',
    gracePeriodSeconds: posNum(pod?.spec?.terminationGracePeriodSeconds, 30),
    ...(typeof status.reason === 'string' ? { podReason: status.reason } : {}),
    ...(typeof status.message === 'string' ? { podMessage: status.message } : {}),
  };
}

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: any };

/* eslint-enable @typescript-eslint/no-explicit-any */

/** The pods a watch has seen: upserts, deletes, and a sweep of pods a re-list did not bring back. */
export class PodStore {
  private readonly pods = new ResyncMap<PodSummary>();

  get size(): number {
    return this.pods.size;
  }

  list(): PodSummary[] {
    return [...this.pods.values()].sort((a, b) => (a.release ?? '').localeCompare(b.release ?? '') || a.name.localeCompare(b.name));
  }

  get(uidOrName: string): PodSummary | undefined {
    return this.pods.get(uidOrName) ?? [...this.pods.values()].find((p) => p.name === uidOrName);
  }

  /** Applies one watch event; returns true when the view should change. */
  apply(e: WatchEvent): boolean {
    if (e.type === 'BOOKMARK' || e.type === 'ERROR' || !e.object?.metadata) return false;
    const p = summarizePod(e.object);
    this.pods.seen(p.uid);
    if (e.type === 'DELETED') return this.pods.delete(p.uid);
    this.pods.set(p.uid, p);
    return true;
  }

  /** Starts a re-list: pods not seen again before `endResync` are dropped. */
  beginResync(): void {
    this.pods.beginResync();
  }

  /** Drops every pod the re-list did not bring back; returns how many. */
  endResync(): number {
    return this.pods.endResync();
  }

  clear(): void {
    this.pods.clear();
  }
}
