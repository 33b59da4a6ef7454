// The rig node's container runtime: real containers in the rig's Docker engine, driven through the
// Engine API on its unix socket (API 1.41, what Debian's docker.io 20.10 serves), the way the
// kubelet's dockershim drove Docker. Each container gets its own network namespace (network mode
// "none": loopback only); the kubelet reaches a container's ports through a relay process started
// inside that namespace with nsenter, which listens on a unix socket in the rig's folder (path-bound
// unix sockets are not tied to a network namespace). The pod's IP is added to the namespace's
// loopback so probes reach <podIP>:<port> as on a node, and a worker bound to 127.0.0.1 only is
// unreachable to them, as it would be in a cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { RELAY_JS, connectThrough } from '../../../src/tools/relayScript';

export interface RuntimeOptions {
  /** unix socket path of the Docker engine */
  socket: string;
  /** a folder for relay sockets */
  dir: string;
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** overrides the image's ENTRYPOINT when set (Kubernetes' command) */
  entrypoint?: string[];
  /** the image's CMD replaced (Kubernetes' args; with command only, CMD is dropped) */
  cmd?: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  hostname: string;
  memoryBytes?: number;
  nanoCpus?: number;
  labels: Record<string, string>;
}

export interface ExitInfo {
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  error: string;
}

export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const API = '/v1.41';


export class DockerRuntime {
  private relays = new Map<string, { child: ChildProcess; path: string; ready: Promise<void> }>();

  constructor(private opts: RuntimeOptions) {
    mkdirSync(opts.dir, { recursive: true });
  }

  // ---- Engine API ------------------------------------------------------------------------------

  private request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 0): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = http.request(
        {
          socketPath: this.opts.socket,
          method,
          path: API + path,
          headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {}), ...headers },
        },
        resolve,
      );
      if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`docker engine: ${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>, timeoutMs = 120_000): Promise<T> {
    const res = await this.request(method, path, body, headers, timeoutMs);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) >= 300 && res.statusCode !== 304) throw new EngineError(res.statusCode ?? 500, engineMessage(text));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Pulls an image; resolves with its size in bytes or rejects with the daemon's own message. */
  async pull(image: string, auth: RegistryAuth | undefined): Promise<{ size: number }> {
    const { name, tag } = splitImage(image);
    const headers: Record<string, string> = {};
    // base64 URL alphabet with padding: what the daemon's decoder (base64.URLEncoding) reads
    if (auth) headers['X-Registry-Auth'] = Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    const q = new URLSearchParams({ fromImage: name, tag });
    const res = await this.request('POST', `/images/create?${q}`, undefined, headers, 300_000);
    const text = await readAll(res);
    if ((res.statusCode ?? 500) >= 300) throw new EngineError(res.statusCode ?? 500, engineMessage(text));
    // the stream ends with an error object when the pull failed part-way
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const o = JSON.parse(line);
        if (o.error) throw new EngineError(500, String(o.errorDetail?.message ?? o.error));
      } catch (e) {
        if (e instanceof EngineError) throw e;
      }
    }
    const info = await this.call<{ Size?: number }>('GET', `/images/${encodeURIComponent(image)}/json`);
    return { size: info.Size ?? 0 };
  }

  async create(spec: ContainerSpec): Promise<string> {
    const body = {
      Image: spec.image,
      Hostname: spec.hostname,
      Env: spec.env,
      Labels: spec.labels,
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      ...(spec.cmd ? { Cmd: spec.cmd } : spec.entrypoint ? { Cmd: [] } : {}),
      ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
      ...(spec.user ? { User: spec.user } : {}),
      HostConfig: {
        NetworkMode: 'none',
        ...(spec.memoryBytes ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
        ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
      },
    };
    const r = await this.call<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(spec.name)}`, body);
    return r.Id;
  }

  async start(id: string): Promise<{ pid: number; startedAt: string }> {
    await this.call('POST', `/containers/${id}/start`);
    const i = await this.inspect(id);
    return { pid: i.State.Pid, startedAt: i.State.StartedAt };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Docker's inspect JSON
  inspect(id: string): Promise<any> {
    return this.call('GET', `/containers/${id}/json`);
  }

  /** Resolves when the container exits (a long poll), with the exit as inspect reports it. */
  async wait(id: string): Promise<ExitInfo> {
    await this.call('POST', `/containers/${id}/wait?condition=not-running`, undefined, undefined, 0);
    const i = await this.inspect(id);
    return { exitCode: i.State.ExitCode, oomKilled: !!i.State.OOMKilled, startedAt: i.State.StartedAt, finishedAt: i.State.FinishedAt, error: i.State.Error ?? '' };
  }

  /** SIGTERM (the image's stop signal), then SIGKILL after graceSeconds: what the kubelet does. */
  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.call('POST', `/containers/${id}/stop?t=${Math.max(0, Math.floor(graceSeconds))}`, undefined, undefined, (graceSeconds + 30) * 1000);
    } catch (e) {
      if (!(e instanceof EngineError) || (e.status !== 304 && e.status !== 404)) throw e;
    }
  }

  async remove(id: string): Promise<void> {
    this.stopRelay(id);
    try {
      await this.call('DELETE', `/containers/${id}?force=1&v=1`);
    } catch (e) {
      if (!(e instanceof EngineError) || e.status !== 404) throw e;
    }
  }

  /** Containers carrying a label (to clean up what an earlier run of the rig left). */
  async list(label: string): Promise<string[]> {
    const q = new URLSearchParams({ all: '1', filters: JSON.stringify({ label: [label] }) });
    const r = await this.call<Array<{ Id: string }>>('GET', `/containers/json?${q}`);
    return r.map((c) => c.Id);
  }

  /** Follows the container's output (stdout and stderr) with Docker's timestamps, line by line,
   * until the container stops; resolves then. */
  async logs(id: string, onLine: (ts: string, line: string) => void): Promise<void> {
    const res = await this.request('GET', `/containers/${id}/logs?follow=1&stdout=1&stderr=1&timestamps=1`);
    if ((res.statusCode ?? 500) >= 300) throw new EngineError(res.statusCode ?? 500, engineMessage(await readAll(res)));
    const partial: Record<number, string> = { 1: '', 2: '' };
    const emit = (stream: number, text: string) => {
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const l of lines) {
        const sp = l.indexOf(' ');
        onLine(sp > 0 ? l.slice(0, sp) : new Date().toISOString(), (sp > 0 ? l.slice(sp + 1) : l).replace(/\r$/, ''));
      }
    };
    await demux(res, emit);
    for (const s of [1, 2]) if (partial[s]) emit(s, '\n');
  }

  /** Runs a command in the container (an exec probe); output is stdout+stderr, capped. */
  async exec(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string } | { timedOut: true }> {
    const ex = await this.call<{ Id: string }>('POST', `/containers/${id}/exec`, { AttachStdout: true, AttachStderr: true, Cmd: cmd });
    const res = await this.request('POST', `/exec/${ex.Id}/start`, { Detach: false, Tty: false });
    let output = '';
    const done = demux(res, (_s, t) => {
      if (output.length < 10_240) output += t;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
    clearTimeout(timer);
    if (timedOut) {
      res.destroy();
      return { timedOut: true };
    }
    const info = await this.call<{ ExitCode: number | null }>('GET', `/exec/${ex.Id}/json`);
    return { exitCode: info.ExitCode ?? -1, output: output.slice(0, 10_240) };
  }

  // ---- network namespace relay -----------------------------------------------------------------

  /** Starts the relay inside the container's network namespace and adds the pod IP to its loopback. */
  startRelay(id: string, pid: number, podIp: string): Promise<void> {
    const path = join(this.opts.dir, `${id.slice(0, 16)}.sock`);
    const addr = spawn('nsenter', ['-t', String(pid), '-n', '--', 'ip', 'addr', 'add', `${podIp}/32`, 'dev', 'lo'], { stdio: 'ignore' });
    const ready = new Promise<void>((resolve, reject) => {
      addr.on('error', reject);
      addr.on('exit', () => {
        const child = spawn('nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY_JS, path], { stdio: ['ignore', 'pipe', 'inherit'] });
        const rec = this.relays.get(id);
        if (rec) rec.child = child;
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`the relay into container ${id.slice(0, 12)} exited (${code})`)));
        child.stdout!.once('data', () => resolve());
      });
    });
    ready.catch(() => undefined);
    this.relays.set(id, { child: addr, path, ready });
    return ready;
  }

  stopRelay(id: string): void {
    const r = this.relays.get(id);
    if (!r) return;
    this.relays.delete(id);
    r.child.kill('SIGTERM');
    rmSync(r.path, { force: true });
  }

  /** A TCP connection to host:port inside the container's network namespace, paused (the caller
   * resumes it once it listens). Rejects with the error's code (ECONNREFUSED, …) and message when
   * nothing answers there. */
  async connect(id: string, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
    const r = this.relays.get(id);
    if (!r) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    await r.ready;
    return connectThrough(r.path, host, port, timeoutMs);
  }

  close(): void {
    for (const id of [...this.relays.keys()]) this.stopRelay(id);
  }
}

// ---- helpers ----------------------------------------------------------------------------------

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function engineMessage(text: string): string {
  try {
    const o = JSON.parse(text);
    if (o && typeof o.message === 'string') return o.message;
  } catch {
    /* not JSON */
  }
  return text.trim() || 'no message';
}

/** Docker's multiplexed stream (no TTY): 8-byte frame headers [stream, 0, 0, 0, size (BE u32)]. */
function demux(res: http.IncomingMessage, onText: (stream: number, text: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    const decoders: Record<number, StringDecoder> = { 1: new StringDecoder('utf8'), 2: new StringDecoder('utf8') };
    res.on('data', (c: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      while (buf.length >= 8) {
        const size = buf.readUInt32BE(4);
        if (buf.length < 8 + size) break;
        const stream = buf[0] === 2 ? 2 : 1;
        onText(stream, decoders[stream]!.write(buf.subarray(8, 8 + size)));
        buf = buf.subarray(8 + size);
      }
    });
    res.on('end', () => resolve());
    res.on('close', () => resolve());
    res.on('error', () => resolve());
  });
}

/** "host:port/repo:tag" → name and tag (default latest); digests pass as the tag. */
export function splitImage(image: string): { name: string; tag: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { name: image.slice(0, at), tag: image.slice(at + 1) };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon > slash) return { name: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { name: image, tag: 'latest' };
}

/** The registry host of an image reference, as Docker resolves it (docker.io for bare names). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

/** A Kubernetes memory quantity in bytes (128Mi, 1G, 500000k, 1e9, …); undefined when not one. */
export function quantityBytes(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([0-9.]+(?:e[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(q.trim());
  if (!m) return undefined;
  const mult: Record<string, number> = { '': 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 };
  return Math.ceil(Number(m[1]) * mult[m[2] ?? '']!);
}

/** A Kubernetes CPU quantity (500m, 2, 0.25) in Docker's NanoCpus. */
export function nanoCpus(q: unknown): number | undefined {
  const s = typeof q === 'number' ? String(q) : typeof q === 'string' ? q.trim() : '';
  const m = /^([0-9.]+)(m)?$/.exec(s);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (m[2] ? 1e6 : 1e9));
}
