/** aks-worker probes measure: the health endpoint's latency in a running pod against the probe budget. */
import { basename, resolve } from 'node:path';
import { DEFAULTS, PROBE_KINDS, ProbeKind, probeBudget } from '../core/probes';
import { describeSummary, resolveProbePort, summarizeSamples } from '../core/latency';
import { measurePodHealth, releasePods } from '../tools/measure';
import { ToolPaths } from '../tools/catalog';
import { badInput } from './common';
import { readChart } from './probes';

export async function measureCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'probes measure');
  const [chartDir, ...extra] = rest;
  if (!chartDir || extra.length) return bad('give one chart folder, e.g. "aks-worker probes measure charts/sample-worker --release sample-worker".');
  const kind = (flags.probe ?? 'liveness') as ProbeKind;
  if (!PROBE_KINDS.includes(kind)) return bad(`--probe must be liveness, readiness or startup (got "${String(flags.probe)}").`);
  const seconds = (flag: string, fallback: number, max: number): number | string => {
    if (flags[flag] === undefined) return fallback;
    const v = Number(flags[flag]);
    return Number.isFinite(v) && v > 0 && v <= max ? v : `--${flag} must be a number of seconds from 1 to ${max} (got "${String(flags[flag])}").`;
  };
  const chart = await readChart(chartDir);
  if (!chart) return bad(`${chartDir} has no templates/deployment.yaml; is it a chart folder?`);
  const probe = chart.probes[kind];
  if (!probe) return bad(`the chart has no ${kind} probe to measure.`);
  if (probe.handler.type !== 'httpGet') return bad(`the ${kind} probe is ${probe.handler.type}; measuring needs an httpGet probe (an HTTP health endpoint).`);
  const duration = seconds('duration', 60, 3600);
  if (typeof duration === 'string') return bad(duration);
  const budget = probeBudget(probe);
  const requestTimeout = seconds('request-timeout', Math.max(10, budget.worstCaseDetectSeconds), 3600);
  if (typeof requestTimeout === 'string') return bad(requestTimeout);
  const namespace = typeof flags.namespace === 'string' ? flags.namespace : 'default';
  const release = typeof flags.release === 'string' ? flags.release : basename(resolve(chartDir));
  const kube = { paths };
  let podName = typeof flags.pod === 'string' ? flags.pod : undefined;
  const pods = await releasePods(release, namespace, kube);
  const pod = podName ? pods.find((p) => p.name === podName) : pods[0];
  if (!pod) {
    err(`aks-worker probes measure: ${podName ? `pod ${podName} is not part of release ${release}` : `release ${release} has no pods`} in ${namespace}${podName ? '' : ' (is it installed? pass --release and --namespace)'}.\n`);
    return 1;
  }
  podName = pod.name;
  const port = resolveProbePort(probe.handler.port, pod.containers);
  if (port === undefined) return bad(`the probe's port "${probe.handler.port}" is not a port of ${podName}'s containers.`);
  const handler = probe.handler;
  err(`measuring http${handler.scheme === 'HTTPS' ? 's' : ''}://${podName}:${port}${handler.path} for ${duration} s (request timeout ${requestTimeout} s)…\n`);
  const r = await measurePodHealth({
    paths,
    pod: podName,
    namespace,
    port,
    path: handler.path,
    scheme: handler.scheme,
    headers: handler.headers,
    durationMs: duration * 1000,
    requestTimeoutMs: requestTimeout * 1000,
  });
  const probeTimeout = probe.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  const summary = summarizeSamples(r.samples, requestTimeout * 1000, probeTimeout);
  const covered = summary.p99Seconds === undefined ? undefined : summary.p99Seconds <= budget.maxBlockSeconds;
  if (flags.json) {
    out(`${JSON.stringify({ pod: podName, namespace, port, path: handler.path, durationSeconds: duration, requestTimeoutSeconds: requestTimeout, ended: r.ended, lostReason: r.lostReason, summary, budget: { maxBlockSeconds: budget.maxBlockSeconds, coversP99: covered }, samples: r.samples }, null, 2)}\n`);
  } else {
    out(`${describeSummary(summary, requestTimeout * 1000, probeTimeout)}\n`);
    if (summary.p99Seconds !== undefined) out(`p99 ${summary.p99Seconds} s against a budget of ${budget.maxBlockSeconds} s: ${covered ? 'covered' : 'NOT covered: the worker would be killed'}\n`);
  }
  if (r.ended === 'lost') {
    err(`aks-worker probes measure: ${r.lostReason ?? 'kubectl lost the pod'}\n`);
    return 1;
  }
  return 0;
}
