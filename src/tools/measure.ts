import * as http from 'node:http';
import * as https from 'node:https';
import { Sample, isKubeletSuccess, measurablePods } from '../core/latency';
import { PodSummary, RELEASE_LABEL, summarizePod } from '../core/pods';
import { KubectlOptions, listJson, portForward } from './kubectl';

export interface HealthTarget {
  path: string;
  scheme?: 'HTTP' | 'HTTPS';
  headers?: { name: string; value: string }[];
}

export interface MeasureLoopOptions extends HealthTarget {
  port: number;
  host?: string;
  durationMs: number;
  /** One request gives up after this long (counted as a timeout). */
  requestTimeoutMs: number;
  /** Pause between an answer and the next request. Default 100 ms. */
  gapMs?: number;
  signal?: AbortSignal;
  onSample?: (s: Sample) => void;
}

/**
 * Calls the health endpoint one request after another, like a very eager probe, for `durationMs`
 * (a request still waiting at the end is waited for, up to its timeout). Keeps the connection alive
 * between requests as the kubelet does not, so a slow answer is the worker, not a new connection.
 */
export async function measureHealth(o: MeasureLoopOptions): Promise<Sample[]> {
  const samples: Sample[] = [];
  const lib = o.scheme === 'HTTPS' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
  const started = Date.now();
  const headers: Record<string, string> = { 'User-Agent': 'aks-worker-measure', Accept: '*/*' };
  for (const h of o.headers ?? []) headers[h.name] = h.value;
  try {
    while (!o.signal?.aborted && Date.now() - started < o.durationMs) {
      const s = await once(lib, agent, o, headers, started);
      if (o.signal?.aborted && s.outcome === 'error') break; // cut by the stop, not the worker
      samples.push(s);
      o.onSample?.(s);
      const gap = s.outcome === 'error' ? Math.max(o.gapMs ?? 100, 500) : o.gapMs ?? 100;
      if (gap > 0) await sleep(gap, o.signal);
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

function once(lib: typeof http | typeof https, agent: http.Agent, o: MeasureLoopOptions, headers: Record<string, string>, started: number): Promise<Sample> {
  const t0 = Date.now();
  const at = t0 - started;
  return new Promise((resolve) => {
    let settled = false;
    const done = (s: Omit<Sample, 'at' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ at, ms: Date.now() - t0, ...s });
    };
    const req = lib.request(
      { host: o.host ?? '127.0.0.1', port: o.port, path: o.path, method: 'GET', agent, headers, ...(o.scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) },
      (res) => {
        res.resume();
        res.on('end', () => done({ outcome: isKubeletSuccess(res.statusCode ?? 0) ? 'ok' : 'status', status: res.statusCode }));
        res.on('error', (e) => done({ outcome: 'error', error: e.message }));
      },
    );
    const timer = setTimeout(() => {
      done({ outcome: 'timeout' });
      req.destroy();
    }, o.requestTimeoutMs);
    const onAbort = () => {
      done({ outcome: 'error', error: 'stopped' });
      req.destroy();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => done({ outcome: 'error', error: e.code ? `${e.code}: ${e.message}` : e.message }));
    req.end();
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      r();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface MeasurePodOptions extends KubectlOptions, HealthTarget {
  pod: string;
  namespace: string;
  /** The container port the probe calls (a named port already resolved to its number). */
  port: number;
  durationMs: number;
  requestTimeoutMs: number;
  gapMs?: number;
  onSample?: (s: Sample) => void;
  /** kubectl listens on this local port (for the status line). */
  onForwarding?: (localPort: number) => void;
}

export interface MeasureResult {
  samples: Sample[];
  /** Why it ended: the duration passed, the caller stopped it, or kubectl lost the pod. */
  ended: 'duration' | 'stopped' | 'lost';
  /** kubectl's words when it lost the pod (the container restarted, the pod went away). */
  lostReason?: string;
}

/** Port-forwards to the pod with kubectl, measures the health endpoint through it, ends the forward. */
export async function measurePodHealth(o: MeasurePodOptions): Promise<MeasureResult> {
  const inner = new AbortController();
  const outer = () => inner.abort();
  o.signal?.addEventListener('abort', outer, { once: true });
  const fwd = portForward(o.pod, o.port, { paths: o.paths, env: o.env, sink: o.sink, namespace: o.namespace, signal: inner.signal });
  let lostReason: string | undefined;
  const watchExit = fwd.done.then(
    () => undefined,
    (err: unknown) => {
      lostReason = lostMessage(err instanceof Error ? err.message : String(err));
      inner.abort();
    },
  );
  try {
    const localPort = await fwd.ready;
    o.onForwarding?.(localPort);
    const samples = await measureHealth({ ...o, port: localPort, signal: inner.signal });
    // a request cut because kubectl went away is the pod's doing, not a stop
    const ended = lostReason !== undefined ? 'lost' : o.signal?.aborted ? 'stopped' : 'duration';
    return { samples, ended, ...(lostReason ? { lostReason } : {}) };
  } finally {
    o.signal?.removeEventListener('abort', outer);
    fwd.stop();
    await watchExit;
  }
}

/** kubectl's exit, in words: the usual cause is the container being restarted under the forward. */
export function lostMessage(kubectlError: string): string {
  const detail = /an error occurred forwarding [^:]+: (.*?)"?\s*$/m.exec(kubectlError)?.[1];
  if (/lost connection to pod/.test(kubectlError)) {
    return `kubectl lost the connection to the pod: its container was restarted or the pod went away${detail ? ` (${detail.replace(/^error forwarding port \d+ to pod [^:]+: /, '')})` : ''}.`;
  }
  return kubectlError;
}

/** The pods of a Helm release (label app.kubernetes.io/instance), best to measure first. */
export async function releasePods(release: string, namespace: string, o: KubectlOptions = {}): Promise<PodSummary[]> {
  const items = await listJson('pods', namespace, { ...o, selector: `${RELEASE_LABEL}=${release}` });
  return measurablePods(items.map(summarizePod));
}
