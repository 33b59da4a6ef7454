import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { FieldSource, RenderedWorkload, Target, ValuesPath, chooseTarget, commonRoot, flattenLeaves, parseRendered, pathText, planSentinels, traceProbeFields, workloadId } from '../core/chartRender';
import { ContainerPort, PROBE_KINDS, Probe, ProbeKind, probeFromObject } from '../core/probes';
import { isMergeKey } from '../core/valuesEdit';
import { MAX_ALIAS_COUNT, ParseLimitError, guardYaml } from '../core/parseLimits';
import { readUserText } from './files';
import { ToolPaths } from './catalog';
import { ToolExitError } from './errors';
import { template } from './helm';
import { LineSink } from './process';

/**
 * A chart's probes as Helm renders them: which workload and container, each probe field and the
 * values key (file:line) or template that sets it, the switch that gates a probe. Two renders: the
 * chart as it is, and once more with a distinct value in every candidate leaf.
 */

export interface RenderOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  sink?: LineSink;
  release?: string;
  namespace?: string;
  /** Extra values files (-f), in order; relative to the current folder. */
  valuesFiles?: string[];
  workload?: string;
  container?: string;
  /** Trace fields to values (a second, sentinel render); false: the probes alone, one render. */
  trace?: boolean;
}

/** Where a value lives: a values file and key, or a template. */
export type FieldLocation =
  | {
      kind: 'values';
      file: string;
      path: ValuesPath;
      line?: number;
      column?: number;
      /** The key is written in a map that this one merges (<<) or aliases (*x). */
      via?: 'alias' | 'merge';
      /** Every place the render uses this key (when more than this field): changing it changes them all. */
      sharedWith?: string[];
    }
  | { kind: 'derived'; file?: string; path: ValuesPath; line?: number; how: string }
  | { kind: 'template'; file?: string; line?: number; /** The values key a `{{ .Values.x | default … }}` line reads, absent from values. */ reads?: ValuesPath };

export interface ProbeView {
  kind: ProbeKind;
  /** The probe as rendered (undefined: the chart renders none). */
  rendered?: Record<string, unknown>;
  probe?: Probe;
  /** Each rendered field ("periodSeconds", "httpGet.port") and where it comes from. */
  fields: Record<string, FieldLocation>;
  /** The values key the probe is built from, when it is one ("livenessProbe", "controller.livenessProbe"). */
  root?: { path: ValuesPath; file?: string; line?: number };
  /** A boolean that turns the probe on and off (bitnami's `enabled`). */
  switch?: { path: ValuesPath; value: boolean; file?: string; line?: number };
}

export interface ChartModel {
  chartDir: string;
  release: string;
  namespace: string;
  /** Values files in the order Helm reads them: the chart's values.yaml, then each -f. */
  valuesFiles: string[];
  workloads: RenderedWorkload[];
  target?: Target;
  /** Why no target was chosen (several containers, none), with the choices. */
  targetProblem?: string;
  choices: string[];
  probes: Record<ProbeKind, ProbeView>;
  ports: ContainerPort[];
  terminationGracePeriodSeconds?: number;
  /**
   * Where the target's terminationGracePeriodSeconds comes from: a values key (file:line), a literal in
   * the template, or (absent) nowhere: the pod gets Kubernetes' 30 s.
   */
  graceField?: FieldLocation;
  /** The rendered manifests, for verification after a write. */
  renderText: string;
}

export class ChartRenderError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ChartRenderError';
  }
}

/**
 * Helm's own error as file:line:col, in the shapes Helm 3 and 4 print: "template: x/templates/y.yaml:12:3:
 * executing …", "execution error at (x/templates/y.yaml:23:32): …", Helm 4's "Error: x/templates/y.yaml:24:19"
 * followed by indented lines, and "cannot load values.yaml: … line 13: …". Helm's words are kept.
 */
export function explainHelmError(text: string, chartDir: string): ChartRenderError {
  const lines = text.split(/\r?\n/).map((l) => l.trimEnd());
  const at = (rel: string) => join(chartDir, rel.split('/').slice(1).join('/'));
  const t = /template: ([^\s:]+):(\d+):(\d+): (.*)$/m.exec(text);
  if (t) return new ChartRenderError(`${at(t[1])}:${t[2]}:${t[3]}: ${t[4]}`, at(t[1]), Number(t[2]));
  const x = /execution error at \(([^\s:]+):(\d+):(\d+)\): (.*)$/m.exec(text);
  if (x) return new ChartRenderError(`${at(x[1])}:${x[2]}:${x[3]}: execution error at (${x[1]}:${x[2]}:${x[3]}): ${x[4]}`, at(x[1]), Number(x[2]));
  const i = lines.findIndex((l) => /^Error: [^\s:]+\/templates\/[^\s:]+:\d+:\d+$/.test(l));
  if (i >= 0) {
    const m = /^Error: ([^\s:]+):(\d+):(\d+)$/.exec(lines[i]) as RegExpExecArray;
    const rest = lines.slice(i + 1).filter((l) => /^\s+\S/.test(l)).map((l) => l.trim()).join(' ');
    return new ChartRenderError(`${at(m[1])}:${m[2]}:${m[3]}: ${rest}`, at(m[1]), Number(m[2]));
  }
  const y = /(?:cannot|failed to) (?:parse|load) ([^:\s]+\.ya?ml)[^\n]*?line (\d+)(?::(\d+))?: (.*)$/im.exec(text);
  if (y) {
    const file = isAbsolute(y[1]) ? y[1] : join(chartDir, basename(y[1]));
    return new ChartRenderError(`${file}:${y[2]}${y[3] ? `:${y[3]}` : ''}: ${y[4]} (helm: ${lines.find((l) => l.startsWith('Error:'))?.replace(/^Error:\s*/, '') ?? y[0]})`, file, Number(y[2]));
  }
  const first = lines.find((l) => l.startsWith('Error:'))?.replace(/^Error:\s*/, '') ?? lines.filter(Boolean).pop() ?? text;
  return new ChartRenderError(`helm could not render ${chartDir}: ${first}`);
}

function explainRender(err: unknown, chartDir: string): unknown {
  if (!(err instanceof ToolExitError)) return err;
  return explainHelmError(err.stderrTail.trim(), chartDir);
}

/** The chart's values as Helm merges them, for planning the sentinels: subcharts' values under their names, then values.yaml, then each -f. */
async function mergedValues(chartDir: string, files: string[]): Promise<Record<string, unknown>> {
  const { parse } = await import('yaml');
  const merged: Record<string, unknown> = {};
  for (const sub of await subcharts(chartDir)) {
    const file = join(sub.dir, 'values.yaml');
    const v = (safeParse(parse, await readUserText(file).catch(orEmpty), file) ?? {}) as Record<string, unknown>;
    deepMerge(merged, { [sub.key]: v });
  }
  for (const f of files) deepMerge(merged, (safeParse(parse, await readUserText(f).catch(orEmpty), f) ?? {}) as Record<string, unknown>);
  return merged;
}

/** A file that cannot be read counts as empty (Helm reports it when it renders); one too large to read is an error. */
const orEmpty = (err: unknown): string => {
  if (err instanceof ParseLimitError) throw err;
  return '';
};

/**
 * Values for planning, or undefined when the YAML is invalid (Helm then says where). A file too large or
 * nested too deeply to parse safely throws ParseLimitError naming it.
 */
function safeParse(parse: (t: string, o?: object) => unknown, text: string, file: string): unknown {
  guardYaml(text, file);
  try {
    return parse(text, { uniqueKeys: false, merge: true, maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return undefined;
  }
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  if (!from || typeof from !== 'object') return;
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    else into[k] = v && typeof v === 'object' && !Array.isArray(v) ? structuredClone(v) : v;
  }
}

/** Unpacked subcharts in charts/: their folder and the key their values sit under (alias or name). */
export async function subcharts(chartDir: string): Promise<Array<{ dir: string; key: string }>> {
  const { parse } = await import('yaml');
  const chartFile = join(chartDir, 'Chart.yaml');
  const chart = (safeParse(parse, await readUserText(chartFile).catch(orEmpty), chartFile) ?? {}) as { dependencies?: Array<{ name?: string; alias?: string }> };
  const out: Array<{ dir: string; key: string }> = [];
  for (const e of await readdir(join(chartDir, 'charts'), { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory() && !e.isSymbolicLink()) continue;
    const dir = join(chartDir, 'charts', e.name);
    const subFile = join(dir, 'Chart.yaml');
    const sub = (safeParse(parse, await readUserText(subFile).catch(orEmpty), subFile) ?? {}) as { name?: string };
    const name = sub.name ?? e.name;
    const dep = chart.dependencies?.find((d) => d.name === name);
    out.push({ dir, key: dep?.alias ?? name });
  }
  return out;
}

/**
 * Values files parsed for locateValue, by path, reused while the text is the same: reading a chart's
 * probes asks where each of a dozen fields lives, in the same few files.
 */
const parsedValues = new Map<string, { text: string; doc: import('yaml').Document.Parsed; lc: import('yaml').LineCounter }>();

/** The file a values path comes from: the last -f that sets it, else values.yaml, else a subchart's values.yaml; with its line. */
export async function locateValue(chartDir: string, files: string[], path: ValuesPath): Promise<{ file: string; path: ValuesPath; line?: number; column?: number; via?: 'alias' | 'merge' } | undefined> {
  const { parseDocument, isMap, isScalar, isAlias, isSeq, LineCounter } = await import('yaml');
  type Pair<K, V> = import('yaml').Pair<K, V>;
  const find = async (file: string, p: ValuesPath) => {
    const text = await readUserText(file).catch(() => undefined);
    if (text === undefined) return undefined;
    let parsed = parsedValues.get(file);
    if (parsed?.text !== text) {
      guardYaml(text, file);
      const lineCounter = new LineCounter();
      parsed = { text, doc: parseDocument(text, { uniqueKeys: false, lineCounter, merge: true }), lc: lineCounter };
      parsedValues.delete(file);
      parsedValues.set(file, parsed);
      if (parsedValues.size > 16) parsedValues.delete(parsedValues.keys().next().value as string);
    }
    const { doc, lc } = parsed;
    const resolveAlias = (n: unknown): unknown => (isAlias(n) ? n.resolve(doc) : n);
    // Walk with the last of duplicated keys, as Helm reads them; through aliases, and into the maps a
    // `<<` merge brings in when the key is not written in the map itself.
    let node: unknown = doc.contents;
    let keyOffset: number | undefined;
    let via: 'alias' | 'merge' | undefined;
    for (const k of p) {
      if (isAlias(node)) via = 'alias';
      node = resolveAlias(node);
      if (!isMap(node)) return undefined;
      // the key in the map itself, else in what it merges (<<: *x, <<: [*a, *b]), recursively
      const lookup = (map: unknown, depth = 0): { pair?: Pair<unknown, unknown>; merged: boolean } => {
        map = resolveAlias(map);
        if (!isMap(map) || depth > 10) return { merged: false };
        const own = map.items.filter((it) => isScalar(it.key) && String(it.key.value) === k);
        if (own.length) return { pair: own[own.length - 1], merged: depth > 0 };
        for (const m of map.items.filter((it) => isMergeKey(it.key))) {
          const sources = isSeq(m.value) ? [...m.value.items].reverse() : [m.value];
          for (const src of sources) {
            const hit = lookup(src, depth + 1);
            if (hit.pair) return hit;
          }
        }
        return { merged: false };
      };
      const found = lookup(node);
      const pair = found.pair;
      if (found.merged) via = 'merge';
      if (!pair) return undefined;
      keyOffset = (pair.key as { range?: [number, number] }).range?.[0];
      node = pair.value;
    }
    const pos = keyOffset === undefined ? undefined : lc.linePos(keyOffset);
    return { file, path: p, line: pos?.line, column: pos?.col, via };
  };
  for (const f of [...files].reverse()) {
    const hit = await find(f, path);
    if (hit) return hit;
  }
  const sub = (await subcharts(chartDir)).find((s) => s.key === path[0]);
  if (sub) return find(join(sub.dir, 'values.yaml'), path.slice(1));
  return undefined;
}

/**
 * Where a probe field sits in a template: the line `key: value` inside the probe's block — a literal,
 * or an expression; for `{{ .Values.x | default 3 }}` (or `default 3 .Values.x`) also the values key it reads.
 */
async function locateInTemplate(chartDir: string, source: string | undefined, probeKey: string, field: string, value: unknown): Promise<{ file?: string; line?: number; reads?: ValuesPath }> {
  const leaf = field.split('.').pop()?.replace(/\[\d+\]$/, '') ?? field;
  const candidates: string[] = [];
  if (source) candidates.push(join(chartDir, source));
  const base = source && source.includes('/templates/') ? source.slice(0, source.indexOf('/templates/')) : '';
  const templatesDir = join(chartDir, base, 'templates');
  for (const e of await readdir(templatesDir).catch(() => [] as string[])) if (/\.(ya?ml|tpl)$/.test(e)) candidates.push(join(templatesDir, e));
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const literal = Array.isArray(value) ? '\\[.*\\]|' : `["']?${esc(String(value))}["']?`;
  let loose: { file: string; line: number; text: string } | undefined;
  for (const file of [...new Set(candidates)]) {
    const lines = (await readFile(file, 'utf8').catch(() => '')).split(/\r?\n/);
    let inProbe = -1;
    let indent = -1;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      // "livenessProbe:" alone, or followed by a template that renders the rest ({{- include … | nindent 12 }})
      const m = new RegExp(`^(\\s*)${probeKey}:\\s*(#.*|\\{\\{.*)?$`).exec(l);
      if (m) {
        inProbe = i;
        indent = m[1].length;
        continue;
      }
      if (inProbe >= 0 && l.trim() && !l.trim().startsWith('{{') && /^\s*/.exec(l)![0].length <= indent && !l.trim().startsWith('#')) inProbe = -1;
      if (inProbe < 0) continue;
      if (new RegExp(`^\\s*-?\\s*${leaf}:\\s*(${literal})\\s*(#.*)?$`).test(l)) return { file, line: i + 1 };
      if (!loose && new RegExp(`^\\s*-?\\s*${leaf}:\\s*\\{\\{`).test(l)) loose = { file, line: i + 1, text: l };
    }
  }
  if (loose) {
    const expr = /\{\{-?\s*(.*?)\s*-?\}\}/.exec(loose.text)?.[1] ?? '';
    const m = /^\.Values\.([\w.]+)\s*\|\s*default\s+\S+$/.exec(expr) ?? /^default\s+\S+\s+\.Values\.([\w.]+)$/.exec(expr);
    return { file: loose.file, line: loose.line, ...(m ? { reads: m[1].split('.') } : {}) };
  }
  return { file: source ? join(chartDir, source) : undefined };
}

const PROBE_KEY: Record<ProbeKind, string> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };

async function render(chartDir: string, o: RenderOptions & { extra?: string[] }): Promise<string> {
  try {
    return await template(o.release ?? 'release-name', chartDir, {
      paths: o.paths,
      env: o.env,
      signal: o.signal,
      namespace: o.namespace,
      values: [...(o.valuesFiles ?? []), ...(o.extra ?? [])],
    });
  } catch (err) {
    throw explainRender(err, chartDir);
  }
}

/**
 * Renders the chart and finds its probes: the workloads, the chosen container (asked for, the only
 * one, or the one running the chart's image), each probe and where each of its fields lives.
 */
export async function discoverChartProbes(chartDir: string, o: RenderOptions = {}): Promise<ChartModel> {
  const dir = resolve(chartDir);
  const valuesFiles = [join(dir, 'values.yaml'), ...(o.valuesFiles ?? []).map((f) => resolve(f))];
  // The plain render starts first: the values are read and the sentinel overlay written while helm runs.
  const base = render(dir, o).catch(async (err: unknown) => {
    // A values file that is not YAML: say where, as the YAML reader sees it (line and column),
    // with Helm's own words (which name the line before the bad key).
    const y = await yamlProblem([join(dir, 'Chart.yaml'), ...valuesFiles]);
    if (y) throw new ChartRenderError(`${y.message}${err instanceof ChartRenderError ? ` (helm: ${err.message.replace(/^.*?: /, '')})` : ''}`, y.file, y.line);
    throw err;
  });
  // Awaited below; until then a failure must not count as unhandled.
  base.catch(() => undefined);
  const values = await mergedValues(dir, valuesFiles);
  // Every number gets a sentinel (ports live in service.port, defaultBackend.port, …), strings only
  // under probe-like keys; a chart that cannot render with that gets sentinels under probe keys only.
  let plan = planSentinels(values, { numbersEverywhere: true });
  const tmp = await mkdtemp(join(tmpdir(), 'aksw-sentinel-'));
  const overlay = join(tmp, 'sentinels.yaml');
  try {
    const { stringify } = await import('yaml');
    await writeFile(overlay, stringify(plan.overlay));
    // The two renders run side by side.
    const [baseText, firstSentinel] = await Promise.all([
      base,
      o.trace === false ? Promise.resolve(undefined) : render(dir, { ...o, extra: [overlay] }).catch(() => undefined),
    ]);
    let sentinelText = firstSentinel;
    if (sentinelText === undefined && o.trace !== false) {
      plan = planSentinels(values);
      await writeFile(overlay, stringify(plan.overlay));
      sentinelText = await render(dir, { ...o, extra: [overlay] }).catch(() => undefined);
    }
    const workloads = parseRendered(baseText);
    const image = (values.image as { repository?: unknown } | undefined)?.repository;
    const { parse } = await import('yaml');
    const chartYaml = (safeParse(parse, await readUserText(join(dir, 'Chart.yaml')).catch(orEmpty), join(dir, 'Chart.yaml')) ?? {}) as { appVersion?: unknown };
    const appVersion = chartYaml.appVersion === undefined || chartYaml.appVersion === null ? undefined : String(chartYaml.appVersion);
    const chosen = chooseTarget(workloads, { workload: o.workload, container: o.container, image: typeof image === 'string' ? image : undefined, appVersion });
    const probes = Object.fromEntries(PROBE_KINDS.map((k) => [k, { kind: k, fields: {} } as ProbeView])) as Record<ProbeKind, ProbeView>;
    const model: ChartModel = {
      chartDir: dir,
      release: o.release ?? 'release-name',
      namespace: o.namespace ?? 'default',
      valuesFiles,
      workloads,
      target: chosen.target,
      targetProblem: chosen.problem,
      choices: chosen.choices,
      probes,
      ports: chosen.target?.container.ports ?? [],
      terminationGracePeriodSeconds: chosen.target?.workload.terminationGracePeriodSeconds,
      renderText: baseText,
    };
    if (!chosen.target) return model;
    const t = chosen.target;
    const sentinelWorkloads = sentinelText ? parseRendered(sentinelText) : [];
    const twinWorkload = sentinelWorkloads.find((w) => workloadId(w) === workloadId(t.workload) || (w.kind === t.workload.kind && w.source === t.workload.source));
    const twin = twinWorkload?.containers.find((c) => c.name === t.container.name);
    if (o.trace !== false && t.workload.terminationGracePeriodSeconds !== undefined) model.graceField = await locateGrace(dir, valuesFiles, t, twinWorkload, plan, sentinelText, values);
    const rootsSoFar: ValuesPath[] = [];
    for (const k of [...PROBE_KINDS].sort((a, b) => Number(!t.container.probes[a]) - Number(!t.container.probes[b]))) {
      const view = probes[k];
      const rendered = t.container.probes[k];
      const sources: Record<string, FieldSource> = rendered ? traceProbeFields(rendered, twin?.probes[k], plan) : {};
      if (rendered) {
        view.rendered = rendered;
        view.probe = probeFromObject(rendered);
      }
      if (o.trace === false) continue;
      for (const [field, s] of Object.entries(sources)) {
        if (s.kind === 'values' || s.kind === 'derived') {
          const at = await locateValue(dir, valuesFiles, s.path);
          const elsewhere = s.kind === 'values' && sentinelText ? sharedPlaces(sentinelText, plan, s.path, values) : [];
          view.fields[field] =
            s.kind === 'values'
              ? { kind: 'values', file: at?.file ?? valuesFiles[0], path: at?.path ?? s.path, line: at?.line, column: at?.column, ...(at?.via ? { via: at.via } : {}), ...(elsewhere.length > 1 ? { sharedWith: elsewhere } : {}) }
              : { kind: 'derived', file: at?.file, path: at?.path ?? s.path, line: at?.line, how: s.how };
        } else {
          const value = flattenLeaves(rendered).find(([f]) => f === field)?.[1];
          const at = await locateInTemplate(dir, t.workload.source, PROBE_KEY[k], field, value);
          view.fields[field] = { kind: 'template', ...at };
        }
      }
      // The probe's own values key: from its fields, else the conventional place when it is there.
      const root = commonRoot(sources) ?? (await conventionalRoot(dir, valuesFiles, t, k, values, rootsSoFar));
      if (root) rootsSoFar.push(root);
      for (const s of Object.values(sources)) if (s.kind === 'values') rootsSoFar.push(s.path.slice(0, -1));
      if (root && root.length) {
        const at = await locateValue(dir, valuesFiles, root);
        view.root = { path: at?.path ?? root, file: at?.file, line: at?.line };
        // `enabled` in the probe's map (bitnami), or beside it when the map is just "probe" (liveness.enabled + liveness.probe)
        const switchPaths = [[...root, 'enabled'], ...(/^probe$/i.test(root[root.length - 1] ?? '') ? [[...root.slice(0, -1), 'enabled']] : [])];
        for (const sp of switchPaths) {
          const sw = valueAt(values, sp);
          if (typeof sw !== 'boolean') continue;
          const swAt = await locateValue(dir, valuesFiles, sp);
          view.switch = { path: sp, value: sw, file: swAt?.file, line: swAt?.line };
          break;
        }
      }
    }
    return model;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Where the pod's terminationGracePeriodSeconds comes from, traced like a probe field. */
async function locateGrace(
  dir: string,
  valuesFiles: string[],
  t: Target,
  twin: RenderedWorkload | undefined,
  plan: ReturnType<typeof planSentinels>,
  sentinelText: string | undefined,
  values: Record<string, unknown>,
): Promise<FieldLocation> {
  const field = 'terminationGracePeriodSeconds';
  const s = traceProbeFields({ [field]: t.workload.terminationGracePeriodSeconds }, twin ? { [field]: twin.terminationGracePeriodSeconds } : undefined, plan)[field];
  if (s && (s.kind === 'values' || s.kind === 'derived')) {
    const at = await locateValue(dir, valuesFiles, s.path);
    if (s.kind === 'derived') return { kind: 'derived', file: at?.file, path: at?.path ?? s.path, line: at?.line, how: s.how };
    const elsewhere = sentinelText ? sharedPlaces(sentinelText, plan, s.path, values) : [];
    return { kind: 'values', file: at?.file ?? valuesFiles[0], path: at?.path ?? s.path, line: at?.line, column: at?.column, ...(at?.via ? { via: at.via } : {}), ...(elsewhere.length > 1 ? { sharedWith: elsewhere } : {}) };
  }
  const file = t.workload.source ? join(dir, t.workload.source) : undefined;
  const lines = file ? (await readFile(file, 'utf8').catch(() => '')).split(/\r?\n/) : [];
  const i = lines.findIndex((l) => /^\s*terminationGracePeriodSeconds:/.test(l));
  if (i < 0) return { kind: 'template', file };
  const m = /\{\{-?\s*(.*?)\s*-?\}\}/.exec(lines[i])?.[1] ?? '';
  const reads = /^\.Values\.([\w.]+)\s*\|\s*default\s+\S+$/.exec(m) ?? /^default\s+\S+\s+\.Values\.([\w.]+)$/.exec(m);
  return { kind: 'template', file, line: i + 1, ...(reads ? { reads: reads[1].split('.') } : {}) };
}

/** The first of the files that is not valid YAML, as a ChartRenderError with file:line:col. */
async function yamlProblem(files: string[]): Promise<ChartRenderError | undefined> {
  const { parseDocument } = await import('yaml');
  for (const file of files) {
    const text = await readUserText(file).catch(() => undefined);
    if (text === undefined) continue;
    guardYaml(text, file);
    const err = parseDocument(text, { uniqueKeys: false, prettyErrors: true }).errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      return new ChartRenderError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, file, pos?.line);
    }
  }
  return undefined;
}

/**
 * Where the sentinel of a values key shows up in the sentinel render: "Deployment/w: containerPort: 8080"
 * for each line (the sentinel read back as the key's real value). More than one place: the key is shared.
 */
function sharedPlaces(sentinelText: string, plan: { byValue: Map<string, ValuesPath> }, path: ValuesPath, values: Record<string, unknown>): string[] {
  const entry = [...plan.byValue.entries()].find(([, p]) => p.join('.') === path.join('.'));
  if (!entry) return [];
  const sentinel = JSON.parse(entry[0]) as unknown;
  const token = Array.isArray(sentinel) ? String(sentinel[0]) : String(sentinel);
  const re = new RegExp(`(?<![\\w])${token}(?![\\w])`);
  const real = JSON.stringify(valueAt(values, path));
  const out: string[] = [];
  for (const chunk of sentinelText.split(/^---[ \t]*\r?$/m)) {
    if (!re.test(chunk)) continue;
    const kind = /^kind:\s*(\S+)/m.exec(chunk)?.[1] ?? '?';
    const name = /^metadata:\s*\r?\n(?:\s+.*\r?\n)*?\s+name:\s*(\S+)/m.exec(chunk)?.[1] ?? '?';
    for (const line of chunk.split(/\r?\n/)) if (re.test(line)) out.push(`${kind}/${name}: ${line.trim().replace(new RegExp(token, 'g'), (real ?? token).replace(/^"|"$/g, ''))}`);
  }
  return out;
}

const valueAt = (o: unknown, path: ValuesPath): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/**
 * A probe that renders nothing (off, or `{}`) still has a place in values when the chart keeps one:
 * `livenessProbe`, or `<component>.livenessProbe` for a subchart or component named like the workload.
 */
async function conventionalRoot(chartDir: string, files: string[], t: Target, kind: ProbeKind, values: Record<string, unknown>, siblings: ValuesPath[] = []): Promise<ValuesPath | undefined> {
  const key = PROBE_KEY[kind];
  const candidates: ValuesPath[] = [[key]];
  // beside the container's other probes and their keys: primary.livenessProbe → primary.startupProbe,
  // server.livenessProbePeriodSeconds → server.startupProbe
  const seen = new Set<string>();
  for (const s of [...siblings].sort((a, b) => b.length - a.length)) {
    for (let i = s.length; i >= 1; i--) {
      const prefix = /Probe$/.test(s[i - 1] ?? '') ? s.slice(0, i - 1) : s.slice(0, i);
      const c = [...prefix, key];
      if (!seen.has(c.join('.'))) {
        seen.add(c.join('.'));
        candidates.splice(candidates.length - 1, 0, c);
      }
    }
  }
  for (const c of candidates) {
    const v = valueAt(values, c);
    if (v && typeof v === 'object' && (await locateValue(chartDir, files, c))) return c;
  }
  const sub = t.workload.source?.startsWith('charts/') ? t.workload.source.split('/')[1] : undefined;
  if (sub) candidates.unshift([sub, key]);
  for (const c of candidates) if (valueAt(values, c) !== undefined && (await locateValue(chartDir, files, c))) return c;
  return undefined;
}

/** A short human description of where a field lives: "values.yaml:85 livenessProbe.periodSeconds". */
export function describeLocation(loc: FieldLocation, base: string): string {
  const file = (f?: string) => (f ? relative(base, f) || f : '?');
  if (loc.kind === 'values') return `${file(loc.file)}${loc.line ? `:${loc.line}` : ''} ${pathText(loc.path)}`;
  if (loc.kind === 'derived') return `computed in a template from ${pathText(loc.path)} (${loc.how})${loc.file ? ` at ${file(loc.file)}${loc.line ? `:${loc.line}` : ''}` : ''}`;
  return `fixed in ${file(loc.file)}${loc.line ? `:${loc.line}` : ''}`;
}

/** A probe edit that cannot be made where Helm reads it, or that the render did not confirm. */
export class ProbeEditError extends Error {
  constructor(
    message: string,
    /** 2: refused before writing (bad input, ambiguous); 1: written, but the render disagreed and the files were restored. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'ProbeEditError';
  }
}

/** Rendered field → requested value, e.g. { periodSeconds: 20, "httpGet.path": "/healthz" }. */
export type ProbeFieldChanges = Record<string, string | number>;

export interface ProbeEditResult {
  /** Files written (each verified by a render). */
  files: string[];
  /** What was done besides the edit: an alias given its own copy, a switch turned on. */
  notes: string[];
  /** The probe as Helm renders it now. */
  rendered: Record<string, unknown>;
}

const setLeaf = (o: Record<string, unknown>, field: string, v: unknown) => {
  const keys = field.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = v;
};

/** Replaces the value of a literal `key: value` line of a template, keeping quotes and a trailing comment. */
function editTemplateLine(text: string, line: number, value: string | number): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const m = /^(\s*-?\s*[\w-]+:\s*)(["']?)([^"'#]*?)(\2)(\s*(#.*)?)$/.exec(lines[line - 1] ?? '');
  if (!m || (lines[line - 1] ?? '').includes('{{')) throw new ProbeEditError(`line ${line} is not a plain "key: value" line`, 2);
  lines[line - 1] = `${m[1]}${m[2]}${String(value)}${m[4]}${m[5]}`;
  return lines.join(eol);
}

/** Adds a `key: value` line after a field line of the same probe block in a template, at its indentation. */
function addTemplateLine(text: string, afterLine: number, key: string, value: string | number): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const indent = /^\s*/.exec(lines[afterLine - 1] ?? '')?.[0] ?? '';
  lines.splice(afterLine, 0, `${indent}${key}: ${String(value)}`);
  return lines.join(eol);
}

/**
 * Changes fields of one probe where Helm reads them (the values key that wins, or the literal in a
 * template), then renders again: exit 0 only when the render shows exactly the change and nothing
 * else moved. On any mismatch every file is restored byte for byte.
 */
/**
 * Writes the pending edits (file → new text), then renders the chart again through Helm. Restores
 * every written file byte for byte when a write or the render fails; returns the new model and a
 * restore for the caller's own checks of that render.
 */
async function writeAndRender(model: ChartModel, pending: Map<string, string>, original: Map<string, string>, o: RenderOptions): Promise<{ written: string[]; restore: () => Promise<void>; after: ChartModel }> {
  const { writeFileAtomic } = await import('./files');
  const target = model.target!;
  const written: string[] = [];
  const restore = async () => {
    for (const f of [...written].reverse()) await writeFileAtomic(f, original.get(f) as string);
  };
  try {
    for (const [file, text] of pending) {
      await writeFileAtomic(file, text);
      written.push(file);
    }
  } catch (err) {
    await restore();
    throw err;
  }
  try {
    const after = await discoverChartProbes(model.chartDir, { ...o, release: model.release, namespace: model.namespace, valuesFiles: model.valuesFiles.slice(1), workload: workloadId(target.workload), container: target.container.name, trace: false });
    return { written, restore, after };
  } catch (err) {
    await restore();
    throw new ProbeEditError(`the chart no longer renders after the edit, so it was undone: ${(err as Error).message}`, 1);
  }
}

export async function setChartProbe(model: ChartModel, kind: ProbeKind, changes: ProbeFieldChanges, o: RenderOptions = {}): Promise<ProbeEditResult> {
  const { readFile: read } = await import('node:fs/promises');
  const { setValue } = await import('../core/valuesEdit');
  if (!model.target) throw new ProbeEditError(model.targetProblem ?? 'no workload to edit', 2);
  const view = model.probes[kind];
  const key = PROBE_KEY[kind];
  const pending = new Map<string, string>(); // file → new text
  const original = new Map<string, string>();
  const notes: string[] = [];
  const textOf = async (file: string) => {
    if (pending.has(file)) return pending.get(file) as string;
    const t = await read(file, 'utf8');
    original.set(file, t);
    return t;
  };
  const rel = (f?: string) => (f ? relative(model.chartDir, f) || f : '?');
  if (!view.rendered) {
    // Off: turn on its switch, or fill its empty values key; the fields asked for go there too.
    if (view.switch && view.switch.value === false) {
      throw new ProbeEditError(`the ${key} is switched off (${pathText(view.switch.path)}: false at ${rel(view.switch.file)}${view.switch.line ? `:${view.switch.line}` : ''}), so an edit would change nothing Helm renders; turn it on there first`, 2);
    } else if (!view.root) {
      throw new ProbeEditError(`the chart renders no ${key} for ${workloadId(model.target.workload)} ${model.target.container.name}, and keeps none in its values: add one to the template first (Edit Probes can add value-driven probes to a chart that has none)`, 2);
    }
  }
  const expected: Record<string, unknown> = structuredClone(view.rendered ?? {});
  const fieldsTouched: string[] = [];
  for (const [field, value] of Object.entries(changes)) {
    setLeaf(expected, field, value);
    fieldsTouched.push(field);
    const loc = view.fields[field];
    if (loc?.kind === 'derived') {
      throw new ProbeEditError(`${key}.${field} is computed in a template from ${pathText(loc.path)} (${loc.how}); change ${pathText(loc.path)}${loc.file ? ` in ${rel(loc.file)}${loc.line ? `:${loc.line}` : ''}` : ''} yourself, or write the field in values`, 2);
    }
    if (loc?.kind === 'values' && loc.sharedWith) {
      throw new ProbeEditError(
        `${key}.${field} comes from ${pathText(loc.path)} (${rel(loc.file)}${loc.line ? `:${loc.line}` : ''}), which the chart also renders elsewhere, so changing it would change these too:\n  ${loc.sharedWith.join('\n  ')}\nChange ${pathText(loc.path)} by hand if that is meant.`,
        2,
      );
    }
    if (loc?.kind === 'values') {
      const r = setValue(await textOf(loc.file), loc.file, loc.path, value);
      pending.set(loc.file, r.text);
      notes.push(...r.notes);
      continue;
    }
    if (loc?.kind === 'template' && loc.reads) {
      // `{{ .Values.x | default 3 }}`: the place to change is the values key it reads.
      const at = await locateValue(model.chartDir, model.valuesFiles, loc.reads);
      const file = at?.file ?? model.valuesFiles[0];
      const r = setValue(await textOf(file), file, loc.reads, value);
      pending.set(file, r.text);
      notes.push(`${key}.${field} is read from ${pathText(loc.reads)} in ${rel(loc.file)}:${loc.line}; set it in ${rel(file)}`, ...r.notes);
      continue;
    }
    if (loc?.kind === 'template' && loc.file && loc.line && (await textOf(loc.file)).split(/\r?\n/)[loc.line - 1]?.includes('{{')) {
      throw new ProbeEditError(`${key}.${field} is made by a template expression at ${rel(loc.file)}:${loc.line} (${(await textOf(loc.file)).split(/\r?\n/)[loc.line - 1].trim()}); there is no single value to set, so change it by hand`, 2);
    }
    if (loc?.kind === 'template') {
      if (!loc.file || !loc.line) throw new ProbeEditError(`${key}.${field} is fixed in ${rel(loc.file) || 'a template'} and could not be found there to edit; change it by hand`, 2);
      pending.set(loc.file, editTemplateLine(await textOf(loc.file), loc.line, value));
      continue;
    }
    // A field the probe does not have yet: beside its siblings in values, or in the template block.
    if (view.root) {
      const file = view.root.file ?? model.valuesFiles[0];
      const r = setValue(await textOf(file), file, [...view.root.path, ...field.split('.')], value);
      pending.set(file, r.text);
      notes.push(...r.notes);
      continue;
    }
    const inline = Object.values(view.fields).find((l): l is Extract<FieldLocation, { kind: 'template' }> => l.kind === 'template' && !!l.line && !!l.file);
    if (inline && !field.includes('.')) {
      pending.set(inline.file as string, addTemplateLine(await textOf(inline.file as string), inline.line as number, field, value));
      continue;
    }
    throw new ProbeEditError(`${key} has no ${field}, and the chart gives it no place in values: add it to the template by hand`, 2);
  }
  if (pending.size === 0) return { files: [], notes: ['nothing to change'], rendered: view.rendered ?? {} };

  // Write, then let Helm say whether the change is what was asked.
  const { written, restore, after } = await writeAndRender(model, pending, original, o);
  const now = after.probes[kind].rendered;
  const problems: string[] = [];
  if (!now) problems.push(`the render has no ${key} any more`);
  else {
    const want = new Map(flattenLeaves(expected));
    const got = new Map(flattenLeaves(now));
    for (const f of fieldsTouched) if (JSON.stringify(got.get(f)) !== JSON.stringify(want.get(f))) problems.push(`${key}.${f} renders as ${JSON.stringify(got.get(f))}, not ${JSON.stringify(want.get(f))}`);
    if (view.rendered) {
      for (const [f, v] of want) if (!fieldsTouched.includes(f) && JSON.stringify(got.get(f)) !== JSON.stringify(v)) problems.push(`${key}.${f} changed from ${JSON.stringify(v)} to ${JSON.stringify(got.get(f))}`);
      for (const f of got.keys()) if (!want.has(f)) problems.push(`${key}.${f} appeared (${JSON.stringify(got.get(f))})`);
    }
  }
  // Nothing else may move: every workload's pod spec renders as before, but for the edited probe.
  const specs = (m: ChartModel) =>
    new Map(
      m.workloads.map((w) => {
        const spec = structuredClone(w.podSpec ?? {}) as { containers?: Array<Record<string, unknown>> };
        if (workloadId(w) === workloadId(model.target!.workload)) {
          const c = spec.containers?.find((x) => x.name === model.target!.container.name);
          if (c) delete c[PROBE_KEY[kind]];
        }
        return [workloadId(w), spec] as const;
      }),
    );
  const before = specs(model);
  for (const [id, spec] of specs(after)) {
    const was = before.get(id);
    if (!was) continue;
    for (const [path, v] of flattenLeaves(spec)) {
      const old = flattenLeaves(was).find(([p]) => p === path)?.[1];
      if (JSON.stringify(old) !== JSON.stringify(v)) problems.push(`${id} ${path} changed too: ${JSON.stringify(old)} → ${JSON.stringify(v)}`);
    }
    for (const [path] of flattenLeaves(was)) if (!flattenLeaves(spec).some(([p]) => p === path)) problems.push(`${id} ${path} disappeared`);
  }
  if (problems.length) {
    await restore();
    throw new ProbeEditError(`the render after the edit is not what was asked, so every file was restored:\n  ${problems.join('\n  ')}`, 1);
  }
  return { files: written, notes, rendered: now as Record<string, unknown> };
}

/**
 * Where the template would need terminationGracePeriodSeconds when the chart does not set it: the
 * line of the pod spec's `containers:` in the workload's template, and the sentence that says so.
 */
export async function graceHint(model: ChartModel, seconds = 30): Promise<{ file?: string; line?: number; text: string }> {
  const t = model.target;
  const file = t?.workload.source ? join(model.chartDir, t.workload.source) : undefined;
  const lines = file ? (await readFile(file, 'utf8').catch(() => '')).split(/\r?\n/) : [];
  const i = lines.findIndex((l) => /^\s*containers:\s*(#.*)?$/.test(l));
  const rel = file ? relative(model.chartDir, file) : 'the workload template';
  return {
    file,
    line: i >= 0 ? i + 1 : undefined,
    text: `${rel} sets no terminationGracePeriodSeconds, so the pod gets Kubernetes' 30 s. To make it a value: add "terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}" to the pod spec, beside "containers:"${i >= 0 ? ` (${rel}:${i + 1})` : ''}, and "terminationGracePeriodSeconds: ${seconds}" to values.yaml.`,
  };
}

/**
 * Sets the target pod's terminationGracePeriodSeconds where Helm reads it (its values key, or a
 * literal in the template), then renders again: only when the render shows exactly that change is
 * it kept; otherwise every file is restored byte for byte.
 */
export async function setGracePeriod(model: ChartModel, seconds: number, o: RenderOptions = {}): Promise<{ files: string[]; notes: string[] }> {
  const { readFile: read } = await import('node:fs/promises');
  const { setValue } = await import('../core/valuesEdit');
  if (!model.target) throw new ProbeEditError(model.targetProblem ?? 'no workload to edit', 2);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 24 * 3600) throw new ProbeEditError(`terminationGracePeriodSeconds must be a whole number of seconds from 0 to 86400 (got ${seconds})`, 2);
  const key = 'terminationGracePeriodSeconds';
  const rel = (f?: string) => (f ? relative(model.chartDir, f) || f : '?');
  const loc = model.graceField;
  const pending = new Map<string, string>();
  const original = new Map<string, string>();
  const notes: string[] = [];
  const textOf = async (file: string) => {
    if (pending.has(file)) return pending.get(file) as string;
    const t = await read(file, 'utf8');
    original.set(file, t);
    return t;
  };
  if (!loc || (loc.kind === 'template' && !loc.line)) throw new ProbeEditError((await graceHint(model)).text, 2);
  if (loc.kind === 'derived') throw new ProbeEditError(`${key} is computed in a template from ${pathText(loc.path)} (${loc.how}); change ${pathText(loc.path)}${loc.file ? ` in ${rel(loc.file)}${loc.line ? `:${loc.line}` : ''}` : ''} yourself`, 2);
  if (loc.kind === 'values' && loc.sharedWith) {
    throw new ProbeEditError(`${key} comes from ${pathText(loc.path)} (${rel(loc.file)}${loc.line ? `:${loc.line}` : ''}), which the chart also renders elsewhere, so changing it would change these too:\n  ${loc.sharedWith.join('\n  ')}\nChange ${pathText(loc.path)} by hand if that is meant.`, 2);
  }
  if (loc.kind === 'values') {
    const r = setValue(await textOf(loc.file), loc.file, loc.path, seconds);
    pending.set(loc.file, r.text);
    notes.push(...r.notes);
  } else if (loc.kind === 'template' && loc.reads) {
    const at = await locateValue(model.chartDir, model.valuesFiles, loc.reads);
    const file = at?.file ?? model.valuesFiles[0];
    const r = setValue(await textOf(file), file, loc.reads, seconds);
    pending.set(file, r.text);
    notes.push(`${key} is read from ${pathText(loc.reads)} in ${rel(loc.file)}:${loc.line}; set it in ${rel(file)}`, ...r.notes);
  } else if (loc.kind === 'template' && loc.file && loc.line) {
    const line = (await textOf(loc.file)).split(/\r?\n/)[loc.line - 1] ?? '';
    if (line.includes('{{')) throw new ProbeEditError(`${key} is made by a template expression at ${rel(loc.file)}:${loc.line} (${line.trim()}); there is no single value to set, so change it by hand`, 2);
    pending.set(loc.file, editTemplateLine(await textOf(loc.file), loc.line, seconds));
  }
  const { written, restore, after } = await writeAndRender(model, pending, original, o);
  const problems: string[] = [];
  if (after.terminationGracePeriodSeconds !== seconds) problems.push(`${key} renders as ${JSON.stringify(after.terminationGracePeriodSeconds)}, not ${seconds}`);
  const specs = (m: ChartModel) =>
    new Map(
      m.workloads.map((w) => {
        const spec = structuredClone(w.podSpec ?? {}) as Record<string, unknown>;
        if (workloadId(w) === workloadId(model.target!.workload)) delete spec[key];
        return [workloadId(w), flattenLeaves(spec)] as const;
      }),
    );
  const before = specs(model);
  for (const [id, leaves] of specs(after)) {
    const was = before.get(id);
    if (!was) continue;
    if (JSON.stringify(was) !== JSON.stringify(leaves)) problems.push(`${id}: the pod spec changed besides ${key}`);
  }
  if (problems.length) {
    await restore();
    throw new ProbeEditError(`the render after the edit is not what was asked, so every file was restored:\n  ${problems.join('\n  ')}`, 1);
  }
  return { files: written, notes };
}
