import { backoffDelay, sleep } from '../core/backoff';
import { JsonStream } from '../core/jsonStream';
import { checkName } from '../core/names';
import { TOOLS, ToolPaths, toolFile } from './catalog';
import { ToolCancelledError, ToolExitError, ToolNotFoundError } from './errors';
import { LineSink, runTool } from './process';

export interface KubectlOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  sink?: LineSink;
  signal?: AbortSignal;
}

/*
 * The argument builders below are the only places that put a name on a kubectl command line. A
 * name is checked (DNS-1123) and passed as TYPE/NAME or after `--`, so it can never be read as an
 * option: a pod named `--all` is refused, and would otherwise still be the one pod `pod/--all`.
 */

/** A resource kind as kubectl spells it ("pods", "events.events.k8s.io"); never something else. */
function kindArg(kind: string): string {
  if (!/^[a-z][a-z0-9]*(\.[a-z0-9][-a-z0-9]*)*$/.test(kind)) throw new Error(`"${kind}" is not a Kubernetes resource kind.`);
  return kind;
}

/** `config use-context -- NAME`: a context name is any string in the kubeconfig, so it goes after `--`. */
export function useContextArgs(name: string): string[] {
  if (!name) throw new Error('A context name cannot be empty.');
  return ['config', 'use-context', '--', name];
}

export function watchArgs(kind: string, namespace: string, selector?: string): string[] {
  return ['get', kindArg(kind), '--namespace', checkName('namespace', namespace), '--watch', '--output-watch-events', '-o', 'json', ...(selector ? ['--selector', selector] : [])];
}

export function describePodArgs(name: string, namespace: string): string[] {
  return ['describe', `pod/${checkName('pod', name)}`, '--namespace', checkName('namespace', namespace)];
}

export function podLogsArgs(name: string, namespace: string, o: { previous?: boolean; container?: string; tail?: number } = {}): string[] {
  return [
    'logs',
    `pod/${checkName('pod', name)}`,
    '--namespace',
    checkName('namespace', namespace),
    ...(o.previous ? ['--previous'] : []),
    ...(o.container ? [`--container=${o.container}`] : []),
    '--tail',
    String(o.tail ?? 1000),
    '--timestamps',
  ];
}

export function deletePodArgs(name: string, namespace: string): string[] {
  return ['delete', `pod/${checkName('pod', name)}`, '--namespace', checkName('namespace', namespace), '--wait=false'];
}

/** An empty namespace lists a cluster-scoped kind (namespaces). */
export function listJsonArgs(kind: string, namespace: string, selector?: string): string[] {
  const scope = namespace ? ['--namespace', checkName('namespace', namespace)] : [];
  return ['get', kindArg(kind), ...scope, '-o', 'json', ...(selector ? ['--selector', selector] : [])];
}

export function portForwardArgs(pod: string, remotePort: number, namespace: string, localPort?: number): string[] {
  if (!Number.isInteger(remotePort) || remotePort < 1 || remotePort > 65535) throw new Error(`${remotePort} is not a port number.`);
  if (localPort !== undefined && (!Number.isInteger(localPort) || localPort < 0 || localPort > 65535)) throw new Error(`${localPort} is not a port number.`);
  return ['port-forward', `pod/${checkName('pod', pod)}`, `${localPort ?? ''}:${remotePort}`, '--namespace', checkName('namespace', namespace), '--address', '127.0.0.1'];
}

/** `kubectl config use-context NAME`: kubectl writes the file that holds current-context. */
export async function useContext(name: string, options: KubectlOptions = {}): Promise<void> {
  await runTool(TOOLS.kubectl, toolFile('kubectl', options.paths), useContextArgs(name), {
    env: options.env,
    sink: options.sink,
    signal: options.signal,
    timeoutMs: 30_000,
  });
}

export interface WatchStatus {
  state: 'connecting' | 'watching' | 'retrying' | 'stopped' | 'failed';
  message?: string;
  /** Set when the watch failed because kubectl itself was not found: its setting, to offer the fix. */
  missingToolSetting?: string;
}

/** The largest object a watch takes (a pod with huge annotations); a larger one is skipped and the watch re-lists. */
export const MAX_WATCH_OBJECT_CHARS = 16 * 1024 * 1024;

/** The default waits before each restart of a watch after a failure: 1 s doubling to 30 s. */
export const WATCH_BACKOFF_MS: readonly number[] = [1000, 2000, 4000, 8000, 16_000, 30_000];

/** A watch that ran this long before it ended starts its back-off over. */
export const WATCH_HEALTHY_MS = 60_000;

export interface WatchOptions extends KubectlOptions {
  namespace: string;
  /** A label selector, e.g. app.kubernetes.io/instance=my-release. */
  selector?: string;
  /** Called with each event (ADDED/MODIFIED/DELETED/ERROR) as kubectl prints it. */
  onEvent: (e: { type: string; object: unknown }) => void;
  /** A re-list began (`true`) or its initial burst ended (`false`): drop what it did not bring back. */
  onResync?: (begin: boolean) => void;
  onStatus?: (s: WatchStatus) => void;
  /** Waits before each restart after a failure, in ms; the last one repeats. Default WATCH_BACKOFF_MS. */
  backoffMs?: readonly number[];
  /** A watch that ran this long before it ended starts its back-off over. Default WATCH_HEALTHY_MS. */
  healthyMs?: number;
  /** Quiet time that ends a (re)list's initial burst. */
  settleMs?: number;
  /** The largest object taken, in characters. Default MAX_WATCH_OBJECT_CHARS. */
  maxObjectChars?: number;
  /** Called when kubectl is started (each (re)list), e.g. to count restarts. */
  onSpawn?: () => void;
}

/** A size in characters (a byte each in kubectl's JSON, but for non-ASCII text) as "60 MB". */
const megabytes = (chars: number) => (chars >= 1024 * 1024 ? `${Math.round(chars / (1024 * 1024))} MB` : `${Math.max(1, Math.round(chars / 1024))} KB`);
/** A limit in characters as "16 MiB". */
const limitText = (chars: number) => (chars >= 1024 * 1024 ? `${Math.round(chars / (1024 * 1024))} MiB` : `${Math.max(1, Math.round(chars / 1024))} KiB`);

/**
 * `kubectl get <kind> --watch --output-watch-events -o json`, kept alive: when the stream ends,
 * fails, brings a Status (410 Gone) or an object over the size limit, it re-lists and watches again
 * after a back-off that grows with each failure in a row (1 s doubling to 30 s) and starts over once
 * a watch has run a healthy minute. Each (re)list is a resync, so nothing deleted meanwhile
 * survives. Stops on `stop()` or the caller's signal, when kubectl is missing, or when its kubectl is ended from outside
 * (the extension or the CLI shutting down). Nothing of the stream is kept beyond the object being
 * read, and that is bounded by the size limit.
 */
export function watchKind(kind: string, o: WatchOptions): { stop(): void; done: Promise<void> } {
  const controller = new AbortController();
  const backoff = o.backoffMs ?? WATCH_BACKOFF_MS;
  const healthyMs = o.healthyMs ?? WATCH_HEALTHY_MS;
  const maxObjectChars = o.maxObjectChars ?? MAX_WATCH_OBJECT_CHARS;
  /** Failures in a row: picks the wait before the next restart. */
  let failures = 0;
  let args: string[] = [];
  let refused: string | undefined;
  try {
    args = watchArgs(kind, o.namespace, o.selector);
  } catch (err) {
    refused = err instanceof Error ? err.message : String(err); // nothing runs with a bad name
  }
  let attempt = 0;
  const stop = () => controller.abort();
  // The caller's signal stops the watch too: one listener for the watch's whole life.
  if (o.signal?.aborted) controller.abort();
  else o.signal?.addEventListener('abort', stop, { once: true });
  const done = (async () => {
    if (refused !== undefined) {
      await Promise.resolve(); // report after the caller holds the handle, as a run would
      o.onStatus?.({ state: 'failed', message: refused });
      o.signal?.removeEventListener('abort', stop);
      return;
    }
    try {
      while (!controller.signal.aborted) {
        o.onStatus?.({ state: attempt === 0 ? 'connecting' : 'retrying' });
        let settle: NodeJS.Timeout | undefined;
        let resyncOpen = true;
        const endResync = () => {
          if (resyncOpen) {
            resyncOpen = false;
            o.onResync?.(false);
            o.onStatus?.({ state: 'watching' });
          }
        };
        const arm = () => {
          if (settle) clearTimeout(settle);
          if (resyncOpen) settle = setTimeout(endResync, o.settleMs ?? 600);
        };
        o.onResync?.(true);
        arm();
        const inner = new AbortController();
        const abortInner = () => inner.abort();
        controller.signal.addEventListener('abort', abortInner, { once: true });
        /** Why this watch cut its own kubectl short, if it did: then it is not a stop from outside. */
        let cut: string | undefined;
        const restartBecause = (why: string) => {
          if (cut === undefined) cut = why;
          inner.abort();
        };
        const startedAt = Date.now();
        const stream = new JsonStream(
          (v) => {
            if (cut !== undefined) return;
            const e = v as { type?: string; object?: { kind?: string; code?: number; message?: string } };
            if (e.type === 'ERROR' || e.object?.kind === 'Status' || (v as { kind?: string }).kind === 'Status') {
              // 410 Gone (the resource version expired) or another error: re-list and watch again
              restartBecause(`the API server ended the watch${e.object?.message ? `: ${e.object.message}` : ''}`);
              return;
            }
            if (e.type && e.object) {
              o.onEvent({ type: e.type, object: e.object });
              arm();
            }
          },
          undefined,
          {
            maxValueChars: maxObjectChars,
            onOversize: (chars: number) => {
              const what = kind === 'pods' ? 'a pod object' : kind === 'events' ? 'an event object' : `a ${kind} object`;
              restartBecause(`${what} of ${megabytes(chars)} was over the ${limitText(maxObjectChars)} limit; re-listing`);
            },
          },
        );
        let outside = false;
        try {
          o.onSpawn?.();
          await runTool(TOOLS.kubectl, toolFile('kubectl', o.paths), args, {
            env: o.env,
            signal: inner.signal,
            logCommand: attempt === 0,
            logStdout: false,
            sink: o.sink,
            killGraceMs: 1000,
            // Parsed as it arrives; runTool keeps only a short tail of it.
            onStdoutChunk: (chunk) => stream.push(chunk),
            keepStdout: false,
          });
        } catch (err) {
          if (err instanceof ToolNotFoundError) {
            // Ends the (empty) list here, so the `finally` below does not report it as watching.
            if (resyncOpen) {
              resyncOpen = false;
              o.onResync?.(false);
            }
            o.onStatus?.({ state: 'failed', message: err.message, missingToolSetting: err.descriptor.setting });
            return;
          }
          if (err instanceof ToolCancelledError) {
            // Cancelled but not by this watch: its owner is shutting down (endAllRunning). Do not respawn.
            if (cut === undefined && !controller.signal.aborted) outside = true;
          } else if (cut === undefined) {
            o.onStatus?.({ state: 'retrying', message: err instanceof ToolExitError ? err.stderrTail || err.message : err instanceof Error ? err.message : String(err) });
          }
        } finally {
          if (settle) clearTimeout(settle);
          controller.signal.removeEventListener('abort', abortInner);
          if (resyncOpen && !controller.signal.aborted && cut === undefined && !outside) endResync();
        }
        if (cut !== undefined && !controller.signal.aborted) o.onStatus?.({ state: 'retrying', message: cut });
        if (controller.signal.aborted || outside) break;
        // Every end is a failure of sorts: wait before the next kubectl, longer after each one in a row,
        // unless the watch ran a healthy while.
        failures = Date.now() - startedAt >= healthyMs ? 1 : failures + 1;
        attempt++;
        await sleep(backoffDelay(failures, backoff), controller.signal);
      }
      o.onStatus?.({ state: 'stopped' });
    } finally {
      o.signal?.removeEventListener('abort', stop);
    }
  })();
  return { stop, done };
}

export async function describePod(name: string, namespace: string, o: KubectlOptions = {}): Promise<string> {
  const r = await runTool(TOOLS.kubectl, toolFile('kubectl', o.paths), describePodArgs(name, namespace), { env: o.env, sink: o.sink, signal: o.signal, timeoutMs: 60_000, logStdout: false });
  return r.stdout;
}

export async function podLogs(name: string, namespace: string, o: KubectlOptions & { previous?: boolean; container?: string; tail?: number } = {}): Promise<string> {
  const args = podLogsArgs(name, namespace, o);
  const r = await runTool(TOOLS.kubectl, toolFile('kubectl', o.paths), args, { env: o.env, sink: o.sink, signal: o.signal, timeoutMs: 60_000, logStdout: false });
  return r.stdout;
}

export async function deletePod(name: string, namespace: string, o: KubectlOptions = {}): Promise<void> {
  await runTool(TOOLS.kubectl, toolFile('kubectl', o.paths), deletePodArgs(name, namespace), { env: o.env, sink: o.sink, signal: o.signal, timeoutMs: 60_000 });
}

/** `kubectl get <kind> -o json` items; an empty namespace lists a cluster-scoped kind (namespaces). */
export async function listJson(kind: string, namespace: string, o: KubectlOptions & { selector?: string } = {}): Promise<unknown[]> {
  const r = await runTool(TOOLS.kubectl, toolFile('kubectl', o.paths), listJsonArgs(kind, namespace, o.selector), {
    env: o.env,
    sink: o.sink,
    signal: o.signal,
    timeoutMs: 60_000,
    logStdout: false,
    logCommand: false,
  });
  return ((JSON.parse(r.stdout) as { items?: unknown[] }).items ?? []) as unknown[];
}

/** `Forwarding from 127.0.0.1:41235 -> 8080` (kubectl prints one line per address). */
export function parseForwardingLine(line: string): { address: string; localPort: number; remotePort: number } | undefined {
  const m = /^Forwarding from (\[[^\]]+\]|[^\s:]+):(\d+) -> (\d+)\s*$/.exec(line.trim());
  return m ? { address: m[1].replace(/^\[|\]$/g, ''), localPort: Number(m[2]), remotePort: Number(m[3]) } : undefined;
}

export interface PortForward {
  /** The local port once kubectl listens (it picks a free one when none was asked for). */
  ready: Promise<number>;
  /** Settles when kubectl exits: resolves after `stop()`, rejects with the reason otherwise. */
  done: Promise<void>;
  stop(): void;
}

/**
 * `kubectl port-forward pod/NAME [LOCAL]:REMOTE --address 127.0.0.1`, kept running until `stop()`.
 * kubectl ends the forward itself when the pod goes away or the container restarts ("lost
 * connection to pod"): `done` then rejects with kubectl's message.
 */
export function portForward(pod: string, remotePort: number, o: KubectlOptions & { namespace: string; localPort?: number; readyTimeoutMs?: number }): PortForward {
  const args = portForwardArgs(pod, remotePort, o.namespace, o.localPort); // throws before anything runs on a bad name
  const controller = new AbortController();
  const stopOuter = () => controller.abort();
  o.signal?.addEventListener('abort', stopOuter, { once: true });
  let resolveReady!: (p: number) => void;
  let rejectReady!: (e: unknown) => void;
  const ready = new Promise<number>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  let listening = false;
  const readyTimer = setTimeout(() => {
    if (listening) return;
    rejectReady(new Error(`kubectl port-forward to ${pod} did not start listening within ${Math.round((o.readyTimeoutMs ?? 30_000) / 1000)} s.`));
    controller.abort();
  }, o.readyTimeoutMs ?? 30_000);
  const errors: string[] = [];
  const done = runTool(TOOLS.kubectl, toolFile('kubectl', o.paths), args, {
    env: o.env,
    sink: o.sink,
    signal: controller.signal,
    killGraceMs: 1000,
    onStdoutLine: (line) => {
      const f = parseForwardingLine(line);
      if (f && !listening) {
        listening = true;
        clearTimeout(readyTimer);
        resolveReady(f.localPort);
      }
    },
    onStderrLine: (line) => {
      if (/error|lost connection/i.test(line)) errors.push(line);
    },
  }).then(
    () => {
      // kubectl exited 0 without being stopped: it was told to stop from outside
      if (!controller.signal.aborted) throw new Error(`kubectl port-forward to ${pod} ended.`);
    },
    (err: unknown) => {
      if (err instanceof ToolCancelledError) return;
      if (!listening) rejectReady(err);
      throw err;
    },
  ).finally(() => {
    clearTimeout(readyTimer);
    o.signal?.removeEventListener('abort', stopOuter);
    if (!listening) rejectReady(new Error(errors.join('\n') || `kubectl port-forward to ${pod} ended before it listened.`));
  });
  ready.catch(() => undefined);
  done.catch(() => undefined);
  return { ready, done, stop: stopOuter };
}
