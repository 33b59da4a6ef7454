/** aks-worker pods: a release's pods, and for each container why it last restarted or does not run. */
import { normalizeEvent } from '../core/events';
import { ContainerSummary, PodSummary, RELEASE_LABEL, summarizePod } from '../core/pods';
import { RestartReason, lastLines, probeLine, restartReasons } from '../core/restartReason';
import { nameProblem } from '../core/names';
import { ToolPaths } from '../tools/catalog';
import { ToolError } from '../tools/errors';
import { listJson, podLogs } from '../tools/kubectl';
import { badInput } from './common';

/** The previous container's last lines shown for a crash. */
export const LOG_LINES = 10;

/** `--json`: one object, this shape (fields absent when Kubernetes has no value). */
export interface PodsReport {
  release: string;
  namespace: string;
  /** status: kubectl's STATUS column. */
  pods: Array<PodsReportPod>;
}

export type PodsReportPod = Pick<PodSummary, 'name' | 'phase' | 'status' | 'ready' | 'total' | 'restarts' | 'createdAt' | 'node'> & {
  containers: Array<{
    name: string;
    state: ContainerSummary['state'];
    /** The state's reason (CrashLoopBackOff, ErrImagePull, …). */
    reason?: string;
    ready: boolean;
    restartCount: number;
    lastTermination?: { reason?: string; exitCode?: number; startedAt?: string; finishedAt?: string };
    /** Why it last restarted or does not run; absent when it runs and never restarted. */
    restartReason?: RestartReason;
  }>;
};

/** Kind-specific reasons whose previous container's output explains them. */
const WANTS_LOGS = new Set<RestartReason['kind']>(['crash', 'completed']);

export async function podsCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'pods');
  const [release, ...extra] = rest;
  if (!release || extra.length) return bad('give one release name, e.g. "aks-worker pods sample-worker --namespace workers".');
  const problem = nameProblem('release', release);
  if (problem) return bad(`"${release}" is not a valid release name. ${problem}`);
  const namespace = typeof flags.namespace === 'string' ? flags.namespace : 'default';
  const kube = { paths };
  let report: PodsReport;
  try {
    report = await readReport(release, namespace, kube);
  } catch (e) {
    if (e instanceof ToolError) {
      err(`aks-worker pods: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (flags.json) out(`${JSON.stringify(report, null, 2)}\n`);
  else out(formatReport(report));
  return 0;
}

async function readReport(release: string, namespace: string, kube: { paths: ToolPaths }): Promise<PodsReport> {
  const [podItems, eventItems] = await Promise.all([listJson('pods', namespace, { ...kube, selector: `${RELEASE_LABEL}=${release}` }), listJson('events', namespace, kube)]);
  const pods = podItems.map(summarizePod).sort((a, b) => a.name.localeCompare(b.name));
  const events = eventItems.map(normalizeEvent).filter((e) => e.object.kind === 'Pod');
  const out: PodsReport['pods'] = [];
  for (const p of pods) {
    const mine = events.filter((e) => e.object.name === p.name && (!e.object.uid || e.object.uid === p.uid));
    let reasons = restartReasons(p, mine);
    const logs: Record<string, string[]> = {};
    for (const r of reasons) {
      if (!WANTS_LOGS.has(r.kind)) continue;
      const lines = await previousLines(p, r.container, kube);
      if (lines.length) logs[r.container] = lines;
    }
    if (Object.keys(logs).length) reasons = restartReasons(p, mine, logs);
    out.push(podEntry(p, reasons));
  }
  return { release, namespace, pods: out };
}

/** The previous container's last lines; none when kubectl has none to give (the node dropped them). */
async function previousLines(p: PodSummary, container: string, kube: { paths: ToolPaths }): Promise<string[]> {
  try {
    return lastLines(await podLogs(p.name, p.namespace, { ...kube, previous: true, container, tail: LOG_LINES }), LOG_LINES);
  } catch (e) {
    if (e instanceof ToolError) return [];
    throw e;
  }
}

function podEntry(p: PodSummary, reasons: readonly RestartReason[]): PodsReport['pods'][number] {
  return {
    name: p.name,
    phase: p.phase,
    status: p.status,
    ready: p.ready,
    total: p.total,
    restarts: p.restarts,
    ...(p.createdAt ? { createdAt: p.createdAt } : {}),
    ...(p.node ? { node: p.node } : {}),
    containers: p.containers.map((c) => {
      const r = reasons.find((x) => x.container === c.name);
      const t = c.lastTermination;
      return {
        name: c.name,
        state: c.state,
        ...(c.reason ? { reason: c.reason } : {}),
        ready: c.ready,
        restartCount: c.restartCount,
        ...(t ? { lastTermination: Object.fromEntries(Object.entries({ reason: t.reason, exitCode: t.exitCode, startedAt: t.startedAt, finishedAt: t.finishedAt }).filter(([, v]) => v !== undefined)) } : {}),
        ...(r ? { restartReason: r } : {}),
      };
    }),
  };
}

/** The report for a terminal. */
export function formatReport(r: PodsReport): string {
  if (!r.pods.length) return `Release ${r.release} has no pods in namespace ${r.namespace} (label ${RELEASE_LABEL}=${r.release}). Is it installed there? Pass --namespace.\n`;
  const lines = [`Release ${r.release} in ${r.namespace}: ${r.pods.length} pod${r.pods.length === 1 ? '' : 's'}`];
  for (const p of r.pods) {
    lines.push('', `${p.name}  ${p.status}  ready ${p.ready}/${p.total}  restarts ${p.restarts}${p.node ? `  node ${p.node}` : ''}`);
    for (const c of p.containers) {
      const state = `${c.state}${c.reason ? ` (${c.reason})` : ''}, ${c.restartCount} restart${c.restartCount === 1 ? '' : 's'}`;
      const why = c.restartReason;
      lines.push(`  ${c.name}: ${state}`);
      if (!why) continue;
      lines.push(`    ${why.when === 'restart' ? 'last restart' : why.when === 'running' ? 'warning' : 'not running'}: ${why.title}`);
      lines.push(`    ${why.detail}`);
      if (why.probe && (why.probe.failures || why.probe.kills)) lines.push(`    ${probeLine(why.probe)}`);
      if (why.probe?.lastMessage) lines.push(`    latest failure: ${why.probe.lastMessage}`);
      if (why.message && !why.detail.includes(why.message)) lines.push(`    message: ${why.message}`);
      if (why.logLines?.length) {
        lines.push(`    last lines of the previous container:`);
        for (const l of why.logLines) lines.push(`      | ${l}`);
      }
      if (why.fix) lines.push(`    fix: ${why.fix.title} in VS Code, or: ${why.fix.hint}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
