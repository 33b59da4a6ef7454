/**
 * Reaching a container's ports from inside its network namespace, as the kubelet reaches a pod's:
 * a small relay started there with nsenter listens on a unix socket (a path-bound socket is not tied
 * to a network namespace) and opens TCP connections on our behalf. No port is published, so what
 * answers is exactly what a probe to the pod's IP would reach. Linux, a local engine, and the right
 * to enter the namespace (root) are needed: `netnsAvailable` says whether they are there.
 */
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolDescriptor } from './errors';
import { runTool } from './process';
import { lookUp } from './which';
import { RELAY_JS, connectThrough } from './relayScript';

const NSENTER: ToolDescriptor = {
  name: 'nsenter',
  setting: 'PATH',
  install: 'nsenter comes with util-linux (Debian/Ubuntu: apt install util-linux).',
  url: 'https://man7.org/linux/man-pages/man1/nsenter.1.html',
};

/** The address the relay gives the container when it has none but loopback: a pod IP of its own. */
export const RELAY_POD_IP = '10.244.0.10';


/** Whether the Docker engine runs on this Linux machine (its bridge networks are this machine's). */
export function localLinuxEngine(env: Record<string, string | undefined> = {}): { ok: boolean; why?: string } {
  if (process.platform !== 'linux') return { ok: false, why: `the Docker engine runs in a VM on ${process.platform === 'darwin' ? 'macOS' : process.platform === 'win32' ? 'Windows' : process.platform}` };
  const host = env.DOCKER_HOST ?? process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) return { ok: false, why: `DOCKER_HOST (${host}) is another machine's engine` };
  return { ok: true };
}

/**
 * Whether this process can enter a local container's network namespace: Linux, nsenter on PATH,
 * root, and a Docker engine on this machine (no DOCKER_HOST to another one).
 */
export async function netnsAvailable(env: Record<string, string | undefined> = {}): Promise<{ ok: boolean; why?: string }> {
  const local = localLinuxEngine(env);
  if (!local.ok) return local;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, why: 'entering a container\'s network namespace needs root' };
  const found = await lookUp('nsenter', { ...process.env, ...env });
  if (!found.path) return { ok: false, why: 'nsenter is not on PATH' };
  return { ok: true };
}

export interface Relay {
  /** The address probes go to inside the namespace. */
  host: string;
  /** A TCP connection to host:port in the namespace (rejects with ECONNREFUSED etc. as a dial would). */
  connect(port: number, timeoutMs: number, host?: string): Promise<net.Socket>;
  /** Ends the relay and removes its socket. */
  stop(): void;
}

/**
 * Starts the relay inside the network namespace of process `pid`. When the container has no address
 * of its own (`ip` absent: network none, or an engine without a bridge), RELAY_POD_IP is added to its
 * loopback, so a worker that listens on 127.0.0.1 only is refused as the kubelet's probe would be.
 */
export async function startRelay(pid: number, o: { ip?: string; env?: Record<string, string | undefined>; signal?: AbortSignal } = {}): Promise<Relay> {
  const dir = mkdtempSync(join(tmpdir(), 'aks-worker-relay-'));
  const path = join(dir, 'relay.sock');
  let host = o.ip;
  if (!host) {
    try {
      await runTool(NSENTER, 'nsenter', ['-t', String(pid), '-n', '--', 'ip', 'addr', 'add', `${RELAY_POD_IP}/32`, 'dev', 'lo'], { env: o.env, logCommand: false, timeoutMs: 10_000 });
      host = RELAY_POD_IP;
    } catch {
      host = '127.0.0.1'; // no `ip` here: loopback it is (a worker bound to 127.0.0.1 would then answer)
    }
  }
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const isReady = new Promise<void>((res, rej) => {
    ready = res;
    failed = rej;
  });
  const running = runTool(NSENTER, 'nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY_JS, path], {
    env: { ...o.env, ELECTRON_RUN_AS_NODE: '1' },
    logCommand: false,
    signal: ctrl.signal,
    killGraceMs: 500,
    onStdoutLine: (l) => {
      if (l.trim() === 'ready') ready();
    },
  });
  running.then(
    () => failed(new Error('the relay into the container ended before it was ready')),
    (e: Error) => failed(new Error(`could not enter the container's network namespace: ${e.message}`)),
  );
  const timer = setTimeout(() => failed(new Error('the relay into the container did not start within 10 s')), 10_000);
  try {
    await isReady;
  } catch (e) {
    ctrl.abort();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const relayHost = host;
  return {
    host: relayHost,
    connect: (port, timeoutMs, to) => connectThrough(path, to ?? relayHost, port, timeoutMs),
    stop: () => {
      o.signal?.removeEventListener('abort', onAbort);
      ctrl.abort();
      running.catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
