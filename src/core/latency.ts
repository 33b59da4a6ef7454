/**
 * Health-endpoint latency, measured by calling it again and again ("Measure it"): the samples, their
 * percentiles, and what they mean for a probe's timeout and for the worker's p99 blocking time.
 */

/** `ok`: an answer the kubelet counts as success (200–399); `status`: any other answer. */
export type SampleOutcome = 'ok' | 'status' | 'timeout' | 'error';

export interface Sample {
  /** When the request was sent, in ms since the measurement began. */
  at: number;
  /** How long until the answer (or the timeout, or the error). */
  ms: number;
  outcome: SampleOutcome;
  status?: number;
  error?: string;
}

export interface LatencySummary {
  count: number;
  ok: number;
  /** Answered with a status the kubelet counts as failure (< 200 or ≥ 400). */
  badStatus: number;
  timeouts: number;
  errors: number;
  /** Latency percentiles over the answered and timed-out requests (a timeout counts as the timeout). */
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  /** The p99 (or the max) reached the request timeout, so the real value is at least that. */
  p99AtLeast: boolean;
  maxAtLeast: boolean;
  /** The p99 in seconds, rounded up to a tenth: what the Probe form's p99 field gets. */
  p99Seconds?: number;
  /** Requests that took longer than the probe's own timeout: each would have been a failed probe. */
  slowerThanProbe?: number;
  /** The longest run of back-to-back answers slower than the probe's timeout, in ms from the first
   * one's start to the last one's end: a block seen as it happened. */
  longestStallMs?: number;
}

/** Nearest-rank percentile of values sorted ascending (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const isKubeletSuccess = (status: number): boolean => status >= 200 && status < 400;

export function summarizeSamples(samples: readonly Sample[], requestTimeoutMs: number, probeTimeoutSeconds?: number): LatencySummary {
  const timed = samples.filter((s) => s.outcome !== 'error').map((s) => (s.outcome === 'timeout' ? Math.max(s.ms, requestTimeoutMs) : s.ms));
  const sorted = [...timed].sort((a, b) => a - b);
  const p99 = percentile(sorted, 99);
  const max = sorted[sorted.length - 1];
  const out: LatencySummary = {
    count: samples.length,
    ok: samples.filter((s) => s.outcome === 'ok').length,
    badStatus: samples.filter((s) => s.outcome === 'status').length,
    timeouts: samples.filter((s) => s.outcome === 'timeout').length,
    errors: samples.filter((s) => s.outcome === 'error').length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: p99,
    maxMs: max,
    p99AtLeast: p99 !== undefined && p99 >= requestTimeoutMs,
    maxAtLeast: max !== undefined && max >= requestTimeoutMs,
    p99Seconds: p99 === undefined ? undefined : Math.ceil(Math.round(p99) / 100) / 10,
  };
  if (probeTimeoutSeconds !== undefined) {
    const limit = probeTimeoutSeconds * 1000;
    const slow = (s: Sample) => s.outcome === 'timeout' || (s.outcome !== 'error' && s.ms > limit);
    out.slowerThanProbe = samples.filter(slow).length;
    let longest = 0;
    let runStart: number | undefined;
    for (const s of samples) {
      if (slow(s)) {
        runStart ??= s.at;
        longest = Math.max(longest, s.at + s.ms - runStart);
      } else runStart = undefined;
    }
    out.longestStallMs = longest;
  }
  return out;
}

/** "1.2 s", "85 ms": a latency for people. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
}

/** One paragraph on what the numbers say, for the form and the CLI. */
export function describeSummary(s: LatencySummary, requestTimeoutMs: number, probeTimeoutSeconds?: number): string {
  if (!s.count) return 'No request was made.';
  const parts: string[] = [];
  const answered = s.count - s.errors;
  parts.push(`${s.count} request${s.count === 1 ? '' : 's'}: ${s.ok} healthy${s.badStatus ? `, ${s.badStatus} answered with a failing status` : ''}${s.timeouts ? `, ${s.timeouts} timed out after ${formatMs(requestTimeoutMs)}` : ''}${s.errors ? `, ${s.errors} failed to connect` : ''}.`);
  if (answered) {
    parts.push(`p50 ${formatMs(s.p50Ms)}, p95 ${formatMs(s.p95Ms)}, p99 ${s.p99AtLeast ? '≥ ' : ''}${formatMs(s.p99Ms)}, max ${s.maxAtLeast ? '≥ ' : ''}${formatMs(s.maxMs)}.`);
  }
  if (probeTimeoutSeconds !== undefined && s.slowerThanProbe !== undefined) {
    parts.push(
      s.slowerThanProbe
        ? `${s.slowerThanProbe} took longer than the probe's ${probeTimeoutSeconds} s timeout: each would have been a failed probe${s.longestStallMs ? ` (the longest stall lasted ${formatMs(s.longestStallMs)})` : ''}.`
        : `None took longer than the probe's ${probeTimeoutSeconds} s timeout.`,
    );
  }
  if (s.p99AtLeast) parts.push('The p99 reached the request timeout: the worker blocks at least that long; measure again with a longer timeout to see how long.');
  return parts.join(' ');
}

/** The container port a probe's port means: a number as it is, a name looked up in the pod's containers. */
export function resolveProbePort(port: number | string, containers: ReadonlyArray<{ ports: ReadonlyArray<{ name?: string; containerPort: number }> }>): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of containers) for (const p of c.ports) if (p.name === port) return p.containerPort;
  return undefined;
}

/** Pods worth measuring first: running and ready, then running, then the rest; terminating ones never. */
export function measurablePods<P extends { terminating: boolean; health: string; name: string }>(pods: readonly P[]): P[] {
  const rank = (p: P) => (p.health === 'ready' ? 0 : p.health === 'running' ? 1 : 2);
  return pods.filter((p) => !p.terminating).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
