import { parse } from 'yaml';
import { ProbeSummary, describeHandler } from './probeSummary';
import { MAX_ALIAS_COUNT, ParseLimitError, guardYaml } from './parseLimits';

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
  /** Set when values.yaml could not be read (invalid, too large or too deeply nested); its probes are then unknown. */
  valuesError?: string;
}

/** A parse error as "file[:line:col]: first line of the message" (a limit's message names the file itself). */
function problem(file: string, err: unknown): string {
  if (err instanceof ParseLimitError) return err.message;
  const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
  const pos = e.linePos?.[0];
  return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${String(e.message ?? err).split('\n')[0]}`;
}

/** Reads name, version and appVersion from the text of a Chart.yaml. */
export function parseChartYaml(dir: string, text: string): ChartInfo {
  try {
    guardYaml(text, 'Chart.yaml');
    const doc = parse(text, { prettyErrors: true, maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object') return { dir, error: 'Chart.yaml is empty or not a mapping' };
    const s = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    return { dir, name: s(doc.name), version: s(doc.version), appVersion: s(doc.appVersion) };
  } catch (err) {
    return { dir, error: problem('Chart.yaml', err) };
  }
}

/**
 * The probes a chart's values.yaml sets (top-level livenessProbe/readinessProbe/startupProbe), or why
 * they cannot be told: the file is not valid YAML, is too large or nested too deeply, or expands too
 * many aliases.
 */
export function readValuesProbes(valuesText: string): { probes: ProbeSummary[]; error?: string } {
  try {
    guardYaml(valuesText, 'values.yaml');
    return { probes: probesOfValues(parse(valuesText, { maxAliasCount: MAX_ALIAS_COUNT }) as unknown) };
  } catch (err) {
    return { probes: [], error: problem('values.yaml', err) };
  }
}

/** The probes a chart's values.yaml sets; none when it cannot be read (readValuesProbes says why). */
export function summarizeProbes(valuesText: string): ProbeSummary[] {
  return readValuesProbes(valuesText).probes;
}

function probesOfValues(values: unknown): ProbeSummary[] {
  const doc = values as Record<string, unknown> | null;
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

