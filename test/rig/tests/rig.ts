// Helpers for the rig's own tests: the rig's environment, running the real binaries, the control API.
/* eslint-disable @typescript-eslint/no-explicit-any -- arbitrary Kubernetes JSON from the real CLIs */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RigEnv {
  [k: string]: string;
}

let cached: RigEnv | undefined;

/** The rig's `export K=V` env file ($RIG_DIR/env); tests are skipped-with-error if the rig is not running. */
export function rigEnv(): RigEnv {
  if (cached) return cached;
  const dir = process.env.RIG_DIR ?? '/tmp/aks-worker-rig';
  const file = process.env.RIG_ENV_FILE ?? join(dir, 'env');
  if (!existsSync(file)) throw new Error(`rig env file ${file} not found: run test/rig/rig start first`);
  const env: RigEnv = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^export ([A-Z0-9_]+)=(.*)$/);
    if (m) env[m[1]!] = m[2]!;
  }
  cached = env;
  return env;
}

/** Environment for one child process: the rig's env plus a private HOME and discovery cache. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = rigEnv();
  const home = mkdtempSync(join(env.RIG_HOME ?? tmpdir(), 'run-'));
  return { ...process.env, ...env, HOME: home, KUBECACHEDIR: join(home, 'kubecache'), ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? childEnv(), cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** run and fail with the command's output unless it exits 0 */
export async function ok(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} → exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export const kubectl = (args: string[], opts: Parameters<typeof run>[2] = {}) => ok(rigEnv().RIG_KUBECTL!, args, opts);
export const kubectlJson = async (args: string[]) => JSON.parse(await kubectl([...args, '-o', 'json']));

/** A long-running child (e.g. `kubectl get -w`) whose output is collected. */
export class Streamer {
  out = '';
  err = '';
  code: number | null | undefined;
  readonly child: ChildProcess;
  private exited: Promise<number | null>;
  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv = childEnv()) {
    this.child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((r) => this.child.on('close', (c) => r((this.code = c))));
  }
  /** the concatenated JSON documents printed so far */
  docs(): Record<string, any>[] {
    return splitJson(this.out);
  }
  wait(timeoutMs = 30_000): Promise<number | null> {
    return Promise.race([this.exited, new Promise<number | null>((_, rej) => setTimeout(() => rej(new Error(`process did not exit in ${timeoutMs}ms:\n${this.out.slice(-2000)}\n${this.err}`)), timeoutMs))]);
  }
  stop(): Promise<number | null> {
    if (this.code === undefined) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** split back-to-back (pretty) JSON documents */
export function splitJson(s: string): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  let depth = 0;
  let inStr = false;
  let esc = false;
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inStr) {
      if (esc) esc = false;
      else if (ch === '\\') esc = true;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(s.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  return out;
}

/** call the rig's control API (`/rig/v1/...`) on the API server */
export function control(method: string, path: string, body?: unknown): Promise<any> {
  const env = rigEnv();
  const url = new URL(`${env.RIG_CONTROL_URL}/${path}`);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: readFileSync(env.RIG_KUBE_CA!),
        headers: { Authorization: `Bearer ${env.RIG_KUBE_TOKEN}`, 'Content-Type': 'application/json', ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        let s = '';
        res.on('data', (d: Buffer) => (s += d.toString()));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`control ${method} ${path}: ${res.statusCode} ${s}`));
          else resolve(s ? JSON.parse(s) : undefined);
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export async function waitFor<T>(what: string, f: () => Promise<T | undefined | false | null>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rig-${prefix}-`));
}

/** a Deployment manifest (YAML-compatible JSON) with probes, for `kubectl apply -f -` */
export function deploymentManifest(name: string, opts: { liveness?: Record<string, unknown>; readiness?: Record<string, unknown>; startup?: Record<string, unknown>; replicas?: number; annotations?: Record<string, string>; image?: string } = {}): string {
  const container: Record<string, unknown> = { name: 'worker', image: opts.image ?? 'rig.local/worker:1.0.0', ports: [{ name: 'http', containerPort: 8080 }] };
  if (opts.liveness) container.livenessProbe = opts.liveness;
  if (opts.readiness) container.readinessProbe = opts.readiness;
  if (opts.startup) container.startupProbe = opts.startup;
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, ...(opts.annotations ? { annotations: opts.annotations } : {}) }, spec: { containers: [container] } },
    },
  });
}
