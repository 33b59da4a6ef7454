import { parse } from 'yaml';
import { ProbeSummary, describeHandler } from './probeSummary';

export type { ProbeSummary } from './probeSummary';

/* Readers of a chart's Chart.yaml and values.yaml, for the Workflow view. */

export interface ChartInfo {
  /** Folder of the chart, relative to the workspace folder, with forward slashes. */
  dir: string;
  name?: string;
  version?: string;
  appVersion?: string;
  /** Set when Chart.yaml could not be read; holds line:column when the YAML is invalid. */
  error?: string;
}

/** Reads name, version and appVersion from the text of a Chart.yaml. */
export function parseChartYaml(dir: string, text: string): ChartInfo {
  try {
    const doc = parse(text, { prettyErrors: true }) as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object') return { dir, error: 'Chart.yaml is empty or not a mapping' };
    const s = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    return { dir, name: s(doc.name), version: s(doc.version), appVersion: s(doc.appVersion) };
  } catch (err) {
    const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
    const pos = e.linePos?.[0];
    return { dir, error: `Chart.yaml${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}` };
  }
}

/** The probes a chart's values.yaml sets (top-level livenessProbe/readinessProbe/startupProbe). */
export function summarizeProbes(valuesText: string): ProbeSummary[] {
  let doc: Record<string, unknown> | null;
  try {
    doc = parse(valuesText) as Record<string, unknown> | null;
  } catch {
    return [];
  }
  if (!doc || typeof doc !== 'object') return [];
  const out: ProbeSummary[] = [];
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const p = doc[`${kind}Probe`] as Record<string, unknown> | undefined | null;
    if (!p || typeof p !== 'object' || Object.keys(p).length === 0) continue;
    const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
    out.push({
      kind,
      handler: describeHandler(p),
      periodSeconds: num('periodSeconds'),
      failureThreshold: num('failureThreshold'),
      timeoutSeconds: num('timeoutSeconds'),
    });
  }
  return out;
}

