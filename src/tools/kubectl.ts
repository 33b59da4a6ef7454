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

export interface WatchOptions extends KubectlOptions {
  namespace: string;
  /** A label selector, e.g. app.kubernetes.io/instance=my-release. */
  selector?: string;
  /** Called with each event (ADDED/MODIFIED/DELETED/ERROR) as kubectl prints it. */
  onEvent: (e: { type: string; object: unknown }) => void;
  /** A re-list began (`true`) or its initial burst ended (`false`): drop what it did not bring back. */
  onResync?: (begin: boolean) => void;
  onStatus?: (s: WatchStatus) => void;
  /** Back-off between reconnects, in ms. */
  backoffMs?: readonly number[];
  /** Quiet time that ends a (re)list's initial burst. */
  settleMs?: number;
}

/**
 * `kubectl get <kind> --watch --output-watch-events -o json`, kept alive: when the stream ends,
 * fails, or brings a Status (410 Gone), it re-lists and watches again with back-off. Each (re)list
 * is a resync, so nothing deleted meanwhile survives. Stops on `stop()` or when kubectl is missing.
 */
export function watchKind(kind: string, o: WatchOptions): { stop(): void; done: Promise<void> } {
  const controller = new AbortController();
  const backoff = o.backoffMs ?? [500, 1000, 2000, 5000, 10_000, 30_000];
  let args: string[] = [];
  let refused: string | undefined;
  try {
    args = watchArgs(kind, o.namespace, o.selector);
  } catch (err) {
    refused = err instanceof Error ? err.message : String(err); // nothing runs with a bad name
  }
  let attempt = 0;
  const done = (async () => {
    if (refused !== undefined) {
      await Promise.resolve(); // report after the caller holds the handle, as a run would
      o.onStatus?.({ state: 'failed', message: refused });
      return;
    }
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
      let gone = false;
      const startedAt = Date.now();
      const stream = new JsonStream((v) => {
        const e = v as { type?: string; object?: { kind?: string; code?: number; message?: string } };
        if (e.type === 'ERROR' || e.object?.kind === 'Status' || (v as { kind?: string }).kind === 'Status') {
          gone = true;
          inner.abort(); // re-list and watch again
          return;
        }
        if (e.type && e.object) {
          o.onEvent({ type: e.type, object: e.object });
          arm();
        }
      });
      try {
        await runTool(TOOLS.kubectl, toolFile('kubectl', o.paths), args, {
          env: o.env,
          signal: inner.signal,
          logCommand: attempt === 0,
          logStdout: false,
          sink: o.sink,
          killGraceMs: 1000,
          onStdoutLine: (line) => stream.push(`${line}\n`),
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
        if (!(err instanceof ToolCancelledError) && err instanceof ToolExitError) {
          o.onStatus?.({ state: 'retrying', message: err.stderrTail || err.message });
        }
      } finally {
        if (settle) clearTimeout(settle);
        controller.signal.removeEventListener('abort', abortInner);
        if (resyncOpen && !controller.signal.aborted && !gone) endResync();
      }
      if (controller.signal.aborted) break;
      // A watch that ran a while resets the back-off; one that failed at once backs off further.
      attempt = Date.now() - startedAt > 30_000 || gone ? 1 : attempt + 1;
      const wait = gone ? 0 : backoff[Math.min(attempt - 1, backoff.length - 1)];
      await new Promise<void>((r) => {
        const t = setTimeout(r, wait);
        controller.signal.addEventListener('abort', () => {
          clearTimeout(t);
          r();
        }, { once: true });
      });
    }
    o.onStatus?.({ state: 'stopped' });
  })();
  return { stop: () => controller.abort(), done };
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
