/**
 * Why a container last restarted, or why it is not running: a liveness or startup probe kill (with
 * the failed checks that led to it), an OOM kill (with the memory limit), a crash (exit code, what
 * the code means, the previous container's last lines), a worker whose main returned, an image the
 * node could not pull (the registry's own message, and the fix), an eviction, or a probe that
 * checks where nothing answers. From a pod (PodSummary or Pod JSON) and the events about it.
 */
import type { KubeEvent } from './events';
import { ContainerSummary, PodSummary, ProbeFacts, summarizePod } from './pods';

export type RestartKind =
  | 'liveness'
  | 'startup'
  | 'probeMisconfigured'
  | 'oom'
  | 'crash'
  | 'completed'
  | 'imagePull'
  | 'evicted'
  | 'createFailed';

export const RESTART_KINDS: readonly RestartKind[] = ['liveness', 'startup', 'probeMisconfigured', 'oom', 'crash', 'completed', 'imagePull', 'evicted', 'createFailed'];

/** A fix the extension can run (a command) and the CLI can name. */
export interface ReasonFix {
  command: 'aksWorker.attachRegistry' | 'aksWorker.pushImage';
  /** The command's title, for the button. */
  title: string;
  /** The same fix outside VS Code. */
  hint: string;
  /** The registry the image comes from (attach: the one to pick). */
  registry?: string;
}

export const FIX_COMMANDS: readonly ReasonFix['command'][] = ['aksWorker.attachRegistry', 'aksWorker.pushImage'];

export interface ProbeFailures {
  probe: 'liveness' | 'startup' | 'readiness';
  /** Failed checks of this probe in the events Kubernetes still keeps. */
  failures: number;
  /** Kills by this probe in those events. */
  kills: number;
  /** The probe's failureThreshold: the failures in a row that make one kill. */
  failureThreshold: number;
  /** The latest failure's message, as the kubelet wrote it. */
  lastMessage: string;
  /** What the failures say: the worker stopped answering, answered an error, or nothing listens. */
  cause: 'timeout' | 'refused' | 'status' | 'notFound' | 'other';
}

export interface RestartReason {
  container: string;
  kind: RestartKind;
  /** One line: "Killed by its liveness probe after 6 failed checks in a row". */
  title: string;
  /** What happened and what it means, in a sentence or three. */
  detail: string;
  /** restart: why the container last restarted; waiting: why it does not run now; running: it runs, but its probe checks nowhere. */
  when: 'restart' | 'waiting' | 'running';
  exitCode?: number;
  /** lastState.terminated.finishedAt (or the event's time). */
  at?: string;
  probe?: ProbeFailures;
  /** The previous container's last log lines (a crash), when they were supplied. */
  logLines?: string[];
  /** The registry's or the runtime's own words (image pull, eviction, create failure). */
  message?: string;
  fix?: ReasonFix;
}

/** Common exit codes of a process in a container, in words. */
export function exitCodeMeaning(code: number): string | undefined {
  switch (code) {
    case 0:
      return 'success: the process ended on its own';
    case 1:
      return 'a general error: the program reported a failure';
    case 2:
      return 'misuse of a shell builtin or bad arguments';
    case 126:
      return 'the command is not executable';
    case 127:
      return 'command not found: the image has no such entrypoint';
    case 134:
      return 'SIGABRT: the process aborted (.NET on Linux aborts on an unhandled exception)';
    case 137:
      return 'SIGKILL: killed, by the kernel (out of memory) or the kubelet';
    case 139:
      return 'SIGSEGV: a segmentation fault';
    case 143:
      return 'SIGTERM: asked to stop, and it did';
    default:
      return code > 128 && code < 160 ? `signal ${code - 128}` : undefined;
  }
}

const REFUSED = [/401 unauthorized/i, /\bunauthorized\b/i, /no basic auth credentials/i, /authentication required/i, /\bdenied\b/i, /pull access denied/i];
const MISSING = [/not found/i, /manifest unknown/i, /repository does not exist/i, /name unknown/i];

/** What a registry's pull error means: the node was refused, the image is missing, or something else. */
export function classifyPullMessage(message: string): 'refused' | 'missing' | 'other' {
  // "pull access denied … repository does not exist or may require authorization" is Docker Hub's
  // answer to both: it names the repository missing, so it is taken as missing first.
  if (/repository does not exist/i.test(message)) return 'missing';
  if (REFUSED.some((r) => r.test(message))) return 'refused';
  if (MISSING.some((r) => r.test(message))) return 'missing';
  return 'other';
}

/** The registry host of an image reference ("x.azurecr.io/app:1" → "x.azurecr.io"; Docker Hub when it has none). */
export function registryOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);
const CREATE_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'PreCreateHookError', 'PostStartHookError']);

const ms = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

/** Whether an event is about this container: by fieldPath, else by a pod with only this container. */
function aboutContainer(e: KubeEvent, container: string, single: boolean): boolean {
  const fp = e.object.fieldPath;
  if (fp) return fp === `spec.containers{${container}}` || fp === `spec.initContainers{${container}}`;
  return single || e.message.includes(container);
}

function failureCause(message: string): ProbeFailures['cause'] {
  if (/context deadline exceeded|Client\.Timeout exceeded|i\/o timeout|timed out|timeout:/i.test(message)) return 'timeout';
  if (/connection refused/i.test(message)) return 'refused';
  if (/statuscode: 404/i.test(message)) return 'notFound';
  if (/statuscode: \d+/i.test(message)) return 'status';
  return 'other';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function portOf(p: ProbeFacts | undefined, c: ContainerSummary): string {
  if (p?.port === undefined) return '?';
  if (typeof p.port === 'number') return String(p.port);
  const named = c.ports.find((x) => x.name === p.port);
  return named ? `${named.containerPort} ("${p.port}")` : `"${p.port}"`;
}

/** What the probe's failures say, in words. */
function causeWords(f: ProbeFailures, probe: ProbeFacts | undefined, c: ContainerSummary): string {
  switch (f.cause) {
    case 'timeout':
      return `the worker stopped answering its health endpoint within timeoutSeconds ${probe?.timeoutSeconds ?? 1} (a hang or a blocked loop)`;
    case 'refused':
      return `nothing accepted the connection on port ${portOf(probe, c)}`;
    case 'notFound':
      return `there is no endpoint at ${probe?.path ?? '/'} on port ${portOf(probe, c)} (404)`;
    case 'status':
      return `the health endpoint answered ${/statuscode: (\d+)/i.exec(f.lastMessage)?.[1] ?? 'an error'}: the worker reports itself unhealthy`;
    default:
      return 'the check failed';
  }
}

/** The failed checks of one probe kind for this container, and its kills. */
function probeFailures(kind: 'liveness' | 'startup' | 'readiness', c: ContainerSummary, events: readonly KubeEvent[], single: boolean): ProbeFailures | undefined {
  // "Liveness probe failed: …", or "Liveness probe errored: …" when the check could not run at all.
  const label = new RegExp(`^${kind[0]!.toUpperCase()}${kind.slice(1)} probe (failed|errored):?\\s*`);
  const mine = events.filter((e) => aboutContainer(e, c.name, single));
  const unhealthy = mine.filter((e) => e.reason === 'Unhealthy' && label.test(e.message)).sort((a, b) => (a.lastSeen ?? '').localeCompare(b.lastSeen ?? ''));
  const kills = mine.filter((e) => e.reason === 'Killing' && new RegExp(`failed ${kind} probe, will be restarted`, 'i').test(e.message));
  if (!unhealthy.length && !kills.length) return undefined;
  const last = unhealthy[unhealthy.length - 1];
  const lastMessage = last ? last.message.replace(label, '') : '';
  return {
    probe: kind,
    failures: unhealthy.reduce((n, e) => n + e.count, 0),
    kills: kills.reduce((n, e) => n + e.count, 0),
    failureThreshold: c.probes?.[kind]?.failureThreshold ?? 3,
    lastMessage,
    cause: failureCause(lastMessage),
  };
}

/** Every failure of every probe of the container said "connection refused" or 404: it never answered there. */
function neverAnswered(c: ContainerSummary, events: readonly KubeEvent[], single: boolean): boolean {
  const fails = events.filter((e) => e.reason === 'Unhealthy' && aboutContainer(e, c.name, single));
  return fails.length > 0 && fails.every((e) => /connection refused|statuscode: 404/i.test(e.message));
}

/**
 * The kill that ended the container: a Killing "failed <probe> probe, will be restarted" for it,
 * seen between the grace period before the container finished and a moment after (the kubelet
 * writes the event, sends SIGTERM, and the container ends within the grace period). Without times
 * on either side, any such kill counts.
 */
function killBy(c: ContainerSummary, finishedAt: string | undefined, grace: number, events: readonly KubeEvent[], single: boolean): { kind: 'liveness' | 'startup'; event: KubeEvent } | undefined {
  const end = ms(finishedAt);
  for (const e of events) {
    if (e.reason !== 'Killing' || !aboutContainer(e, c.name, single)) continue;
    const m = /failed (liveness|startup) probe, will be restarted/i.exec(e.message);
    if (!m) continue;
    const seen = ms(e.lastSeen);
    if (end === undefined || seen === undefined || (seen <= end + 5_000 && seen >= end - (grace + 10) * 1000)) return { kind: m[1]!.toLowerCase() as 'liveness' | 'startup', event: e };
  }
  return undefined;
}

function misconfigTitle(f: ProbeFailures, probe: ProbeFacts | undefined, c: ContainerSummary): string | undefined {
  const port = portOf(probe, c);
  if (f.cause === 'notFound') return `no endpoint at ${probe?.path ?? '/'} on port ${port} — does the worker serve its health endpoint at that path?`;
  if (f.cause === 'refused') return `nothing listens on ${port} — does the worker serve its health endpoint there?`;
  return undefined;
}

function pullReason(c: ContainerSummary, events: readonly KubeEvent[], single: boolean): RestartReason {
  const image = c.image;
  // The registry's words: the latest "Failed to pull image" event, else the waiting message
  // without the back-off's prefix ("Back-off pulling image \"IMG\": ErrImagePull: …").
  const failed = events
    .filter((e) => e.reason === 'Failed' && aboutContainer(e, c.name, single) && /^Failed to pull image/.test(e.message))
    .sort((a, b) => (a.lastSeen ?? '').localeCompare(b.lastSeen ?? ''))
    .pop();
  const fromEvent = failed ? failed.message.replace(/^Failed to pull image "[^"]*":\s*/, '') : undefined;
  const fromState = c.message?.replace(/^Back-off pulling image "[^"]*":\s*/, '').replace(/^ErrImagePull:\s*/, '');
  const message = fromEvent || fromState || c.message || '';
  const registry = registryOf(image);
  const base = { container: c.name, kind: 'imagePull' as const, when: 'waiting' as const, ...(message ? { message } : {}) };
  if (c.reason === 'ErrImageNeverPull') {
    return { ...base, title: `Image ${image ?? ''} is not on the node and imagePullPolicy is Never`.replace('  ', ' '), detail: 'The pod forbids pulling (imagePullPolicy: Never). Set imagePullPolicy to IfNotPresent or Always so the node pulls the image from the registry.' };
  }
  if (c.reason === 'InvalidImageName') {
    return { ...base, title: `Image name ${image ?? ''} is not valid`.replace('  ', ' '), detail: 'The image reference cannot be parsed (registry/repository:tag, lowercase). Fix image.repository and image.tag in the chart values.' };
  }
  const backoff = c.reason === 'ImagePullBackOff' ? ' The kubelet retries with a growing back-off (ImagePullBackOff).' : '';
  switch (classifyPullMessage(message)) {
    case 'refused':
      return {
        ...base,
        title: `Image pull refused: ${registry ?? 'the registry'} did not accept the node's credentials`,
        detail: `The node pulled ${image ?? 'the image'} and the registry said: ${message}. The cluster is not allowed to pull from this registry: attach the registry to the cluster (AcrPull for its kubelet identity) or give the pod an imagePullSecret.${backoff}`,
        fix: { command: 'aksWorker.attachRegistry', title: 'Attach Registry to Cluster', hint: `az aks update --name CLUSTER --resource-group GROUP --attach-acr ${registry && /\.azurecr\.io$/i.test(registry) ? registry.replace(/\.azurecr\.io$/i, '') : `ACR-NAME (the registry whose login server is ${registry ?? 'in the image'})`}`, ...(registry ? { registry } : {}) },
      };
    case 'missing':
      return {
        ...base,
        title: `Image not found: ${image ?? 'the image'} is not in ${registry ?? 'the registry'}`,
        detail: `The registry answered: ${message}. The tag (or the repository) was never pushed, or the chart names another one: push the image, or set image.tag to a tag the registry has.${backoff}`,
        fix: { command: 'aksWorker.pushImage', title: 'Push Image to Registry', hint: `docker push ${image ?? 'IMAGE'}` },
      };
    default:
      return {
        ...base,
        title: `Image pull failed: ${image ?? 'the image'}`,
        detail: `${message ? `The node could not pull it: ${message}.` : 'The node could not pull it.'} Check that the registry is reachable from the node.${backoff}`,
      };
  }
}

export interface ReasonOptions {
  /**
   * False when the caller has no events (a view fed by a pod watch alone): a termination a probe
   * kill could explain (exit 0, 137 or 143 of a container with a liveness or startup probe) is then
   * left out rather than called a crash, and a probe that checks nowhere cannot be told.
   */
  eventsKnown?: boolean;
}

/** The reason for one container of a pod, or undefined when it runs and has never restarted. */
export function containerReason(pod: PodSummary, c: ContainerSummary, events: readonly KubeEvent[], logs?: readonly string[], options: ReasonOptions = {}): RestartReason | undefined {
  const single = pod.containers.length <= 1;
  const podEvents = events.filter((e) => !e.object.name || e.object.name === pod.name);

  if (pod.phase === 'Failed' && pod.podReason === 'Evicted') {
    return {
      container: c.name,
      kind: 'evicted',
      when: 'waiting',
      title: `Evicted: ${pod.podMessage ?? 'the node needed the resources back'}`,
      detail: 'The kubelet evicted the pod to reclaim a node resource (memory, disk or PIDs); its containers are not restarted. The Deployment starts a replacement pod; set resource requests so the scheduler places it where the resource is free.',
      ...(pod.podMessage ? { message: pod.podMessage } : {}),
    };
  }

  if (c.state === 'waiting' && c.reason && PULL_REASONS.has(c.reason)) return pullReason(c, podEvents, single);
  if (c.state === 'waiting' && c.reason && CREATE_REASONS.has(c.reason)) {
    return {
      container: c.name,
      kind: 'createFailed',
      when: 'waiting',
      title: `Cannot start: ${c.reason}`,
      detail: `${c.message ?? 'The kubelet could not create or start the container.'} (a missing ConfigMap or Secret, a bad command, or a volume the container cannot mount).`,
      ...(c.message ? { message: c.message } : {}),
    };
  }

  const term = c.state === 'terminated' ? (c.terminated ?? c.lastTermination) : c.lastTermination;
  if (!term) {
    // Running, never restarted: a probe that checks where nothing answers still deserves a word.
    for (const kind of ['liveness', 'startup', 'readiness'] as const) {
      const f = probeFailures(kind, c, podEvents, single);
      const probe = c.probes?.[kind];
      if (!f || !probe || !neverAnswered(c, podEvents, single) || c.ready) continue;
      const what = misconfigTitle(f, probe, c);
      if (!what) continue;
      return {
        container: c.name,
        kind: 'probeMisconfigured',
        when: 'running',
        title: `${kind[0]!.toUpperCase()}${kind.slice(1)} probe: ${what}`,
        detail: `Every ${kind} check so far failed (${plural(f.failures, 'failure')}, latest: ${f.lastMessage}). ${kind === 'readiness' ? 'The pod never becomes ready.' : `After ${f.failureThreshold} in a row the kubelet kills the container.`} Check the probe's port and path against what the worker serves.`,
        probe: f,
      };
    }
    return undefined;
  }

  const exitCode = term.exitCode;
  const at = term.finishedAt;
  const base = { container: c.name, when: c.state === 'running' ? ('restart' as const) : ('waiting' as const), ...(exitCode !== undefined ? { exitCode } : {}), ...(at ? { at } : {}) };
  const backoff = c.reason === 'CrashLoopBackOff' ? ' It is now in CrashLoopBackOff: the kubelet waits longer before each restart.' : '';

  if (term.reason === 'OOMKilled') {
    return {
      ...base,
      kind: 'oom',
      title: c.memoryLimit ? `OOMKilled: killed for exceeding its memory limit of ${c.memoryLimit}` : 'OOMKilled: killed by the kernel for lack of memory (no memory limit set)',
      detail: c.memoryLimit
        ? `The container used more than resources.limits.memory ${c.memoryLimit} and the kernel killed it (exit ${exitCode ?? 137}). Raise the limit, or bound the worker's memory (.NET: DOTNET_GCHeapHardLimit, smaller batches).${backoff}`
        : `The node ran out of memory and the kernel killed the container (exit ${exitCode ?? 137}). Set resources.limits.memory (and requests) so the worker is placed and bounded.${backoff}`,
    };
  }

  const kill = killBy(c, at, pod.gracePeriodSeconds ?? 30, podEvents, single);
  if (kill) {
    const f = probeFailures(kill.kind, c, podEvents, single) ?? { probe: kill.kind, failures: 0, kills: kill.event.count, failureThreshold: c.probes?.[kill.kind]?.failureThreshold ?? 3, lastMessage: '', cause: 'other' as const };
    const probe = c.probes?.[kill.kind];
    const Kind = `${kill.kind[0]!.toUpperCase()}${kill.kind.slice(1)}`;
    const ran = (ms(at) ?? NaN) - (ms(term.startedAt) ?? NaN);
    // Killed at the earliest a probe can kill (its first failureThreshold checks all failed) and
    // every failure says nothing answers there: the probe points at the wrong port or path.
    const earliest = probe ? (probe.initialDelaySeconds + probe.periodSeconds * probe.failureThreshold + probe.timeoutSeconds + 5) * 1000 + Math.min(pod.gracePeriodSeconds ?? 30, 30) * 1000 : NaN;
    const fromFirst = Number.isNaN(ran) || Number.isNaN(earliest) || ran <= earliest;
    const wrong = f.cause === 'notFound' || (f.cause === 'refused' && fromFirst && neverAnswered(c, podEvents, single));
    const what = wrong ? misconfigTitle(f, probe, c) : undefined;
    const codeWords = exitCode === 137 ? ' It did not stop within terminationGracePeriodSeconds after SIGTERM, so it got SIGKILL (exit 137).' : exitCode === 143 || exitCode === 0 ? ` It stopped on SIGTERM (exit ${exitCode}).` : '';
    if (what) {
      return {
        ...base,
        kind: 'probeMisconfigured',
        title: `${Kind} probe misconfigured: ${what}`,
        detail: `The kubelet killed the container after ${f.failureThreshold} failed ${kill.kind} checks in a row, from its very first checks. The worker may be fine: the probe checks where it does not answer.${backoff}`,
        probe: f,
      };
    }
    return {
      ...base,
      kind: kill.kind,
      title: `Killed by its ${kill.kind} probe after ${f.failureThreshold} failed checks in a row`,
      detail: `${f.lastMessage ? `The checks failed because ${causeWords(f, probe, c)}.` : `The ${kill.kind} probe failed failureThreshold ${f.failureThreshold} times in a row.`}${codeWords}${backoff}`,
      probe: f,
    };
  }

  if (options.eventsKnown === false && (c.probes?.liveness || c.probes?.startup) && (exitCode === 0 || exitCode === 137 || exitCode === 143)) return undefined;

  if (exitCode === 0) {
    if ((pod.restartPolicy ?? 'Always') === 'Always') {
      return {
        ...base,
        kind: 'completed',
        title: "Exited 0: the worker's main returned — a worker must keep running",
        detail: `The process ended on its own with success, and restartPolicy Always starts it again. A worker's host should run until it is stopped: check that ExecuteAsync loops until the stopping token fires and that nothing calls StopApplication.${backoff}`,
        ...(logs?.length ? { logLines: [...logs] } : {}),
      };
    }
    return undefined;
  }

  const meaning = exitCode !== undefined ? exitCodeMeaning(exitCode) : undefined;
  const signal = exitCode === 137 ? ' Nothing in the events shows the kubelet killing it: it was killed from inside the node (the kernel, or a process in the container).' : '';
  return {
    ...base,
    kind: 'crash',
    title: `Crashed with exit code ${exitCode ?? '?'}${meaning && /^(SIG[A-Z]+|signal \d+|command not found)/.test(meaning) ? ` (${/^(SIG[A-Z]+|signal \d+|command not found)/.exec(meaning)![1]})` : ''}`,
    detail: `The container's process ended with ${term.reason ?? 'an error'}${exitCode !== undefined ? `, exit code ${exitCode}` : ''}${meaning ? `: ${meaning}` : ''}.${signal}${logs?.length ? ' Its last lines are below.' : ' Its last lines: kubectl logs --previous.'}${backoff}`,
    ...(logs?.length ? { logLines: [...logs] } : {}),
  };
}

/** One reason per container that restarted or does not run (none for a container that runs and never restarted). */
export function restartReasons(pod: PodSummary, events: readonly KubeEvent[], logs?: Readonly<Record<string, readonly string[]>>, options: ReasonOptions = {}): RestartReason[] {
  const out: RestartReason[] = [];
  for (const c of pod.containers) {
    const r = containerReason(pod, c, events, logs?.[c.name], options);
    if (r) out.push(r);
  }
  return out;
}

/** The same from Kubernetes Pod JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes JSON
export function restartReasonsOfPod(pod: any, events: readonly KubeEvent[], logs?: Readonly<Record<string, readonly string[]>>): RestartReason[] {
  return restartReasons(summarizePod(pod), events, logs);
}

/** The last `n` non-empty lines of a log, without the timestamps `kubectl logs --timestamps` puts first. */
export function lastLines(log: string, n: number): string[] {
  return log
    .split(/\r?\n/)
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) /, ''))
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

/** The probe failures behind a kill in one line: "54 failed liveness checks and 9 kills in the events kept; …". */
export function probeLine(p: ProbeFailures): string {
  return `${plural(p.failures, `failed ${p.probe} check`)} and ${plural(p.kills, 'kill')} in the events kept; failureThreshold ${p.failureThreshold} failures in a row make one kill.`;
}

/** A restart reason in words for a tooltip or a terminal: title, detail, the probe's failures, the fix. */
export function describeReason(r: RestartReason): string {
  return [
    r.title,
    r.detail,
    r.probe && (r.probe.failures || r.probe.kills) ? probeLine(r.probe) : undefined,
    r.probe?.lastMessage ? `Latest failure: ${r.probe.lastMessage}` : undefined,
    r.message && !r.detail.includes(r.message) ? r.message : undefined,
    r.fix ? `Fix: ${r.fix.title} (${r.fix.hint})` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
}
