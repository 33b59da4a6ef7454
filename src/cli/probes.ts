/** aks-worker probes get|set: the probes as Helm renders the chart, and edits verified by a render. */
import { stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { YamlEditError } from '../core/yamlEdit';
import { PROBE_KINDS, Probe, ProbeKind, probeBudget, probeFromObject, probeToObject, validateProbe } from '../core/probes';
import { pathText } from '../core/chartRender';
import { ToolPaths } from '../tools/catalog';
import { ReadOnlyFileError } from '../tools/files';
import { ToolError, ToolNotFoundError } from '../tools/errors';
import { readChartProbesFromDir, writeChartProbe } from '../tools/workerChart';
import { releaseNameFrom } from '../core/names';
import { badInput } from './common';

const TIMING_FLAGS: Record<string, keyof Omit<Probe, 'handler'>> = {
  'initial-delay': 'initialDelaySeconds',
  period: 'periodSeconds',
  timeout: 'timeoutSeconds',
  'success-threshold': 'successThreshold',
  'failure-threshold': 'failureThreshold',
};

/** Plain decimal whole numbers only: "0x10", "1e1" and " 8" are refused, not read as something else. */
const wholeNumber = (v: string | boolean | undefined) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

export async function probesCommand(
  rest: string[],
  flags: Record<string, string | boolean>,
  lists: Record<string, string[]>,
  paths: ToolPaths,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const bad = badInput(err, 'probes');
  const [sub, chartDir, ...extra] = rest;
  if (sub !== 'get' && sub !== 'set') return bad(`unknown subcommand "${sub ?? ''}"; use "probes get", "probes set" or "probes measure".`);
  if (!chartDir || extra.length) return bad(`give one chart folder, e.g. "aks-worker probes ${sub} charts/sample-worker".`);
  const kind = flags.probe as ProbeKind | undefined;
  if (kind !== undefined && !PROBE_KINDS.includes(kind)) return bad(`--probe must be liveness, readiness or startup (got "${String(flags.probe)}").`);
  const grace = flags['termination-grace-period'];
  if (grace !== undefined && (sub !== 'set' || kind)) return bad('--termination-grace-period goes with "probes set" alone, without --probe.');
  if (grace !== undefined && wholeNumber(grace) === undefined) return bad(`--termination-grace-period must be a whole number of seconds, written in decimal (got "${String(grace)}").`);
  if (sub === 'set' && !kind && grace === undefined) return bad('--probe is required for "probes set" (or --termination-grace-period).');
  if (flags.project !== undefined && sub !== 'get') return bad('--project goes with "probes get".');
  for (const [flag] of Object.entries(TIMING_FLAGS)) {
    if (flags[flag] !== undefined && wholeNumber(flags[flag]) === undefined) return bad(`--${flag} must be a whole number of seconds or times, written in decimal (got "${String(flags[flag])}").`);
  }
  const dir = resolve(chartDir);
  if (!(await stat(join(dir, 'Chart.yaml')).then((x) => x.isFile(), () => false))) return bad(`${chartDir} has no Chart.yaml; is it a chart folder?`);
  for (const f of lists.values ?? []) if (!(await stat(resolve(f)).then((x) => x.isFile(), () => false))) return bad(`-f ${f}: no such values file.`);
  const renderOptions = {
    paths,
    release: typeof flags.release === 'string' ? flags.release : releaseNameFrom(basename(dir)),
    namespace: typeof flags.namespace === 'string' ? flags.namespace : undefined,
    valuesFiles: lists.values ?? [],
    workload: typeof flags.workload === 'string' ? flags.workload : undefined,
    container: typeof flags.container === 'string' ? flags.container : undefined,
  };
  const { discoverChartProbes, ChartRenderError } = await import('../tools/chartModel');
  let model: Awaited<ReturnType<typeof discoverChartProbes>>;
  try {
    model = await discoverChartProbes(dir, renderOptions);
  } catch (e) {
    if (e instanceof ChartRenderError || e instanceof YamlEditError) return bad(e.message);
    if (e instanceof ToolNotFoundError) {
      if (lists.values?.length || flags.workload || flags.container) return bad(`helm is needed for -f, --workload and --container (${e.message})`);
      if (grace !== undefined) return bad(`helm is needed for --termination-grace-period: the change is checked by a render (${e.message})`);
      return probesWithoutHelm(sub, kind, dir, flags, out, err, e.message);
    }
    if (e instanceof ToolError) {
      err(`aks-worker probes: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (grace !== undefined) return graceSet(model, wholeNumber(grace) as number, renderOptions, out, err);
  return sub === 'get' ? probesGet(model, kind, flags, paths, out, err) : probesSet(model, kind as ProbeKind, flags, renderOptions, out, err);
}

type ChartModelT = import('../tools/chartModel').ChartModel;

/** probes set --termination-grace-period: the pod's grace period where Helm reads it, verified by a render. */
async function graceSet(model: ChartModelT, seconds: number, renderOptions: import('../tools/chartModel').RenderOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { setGracePeriod, ProbeEditError, ChartRenderError } = await import('../tools/chartModel');
  try {
    const r = await setGracePeriod(model, seconds, renderOptions);
    for (const f of r.files) out(`${f}\n`);
    for (const n of r.notes) err(`note: ${n}\n`);
    out(`verified: helm renders terminationGracePeriodSeconds ${seconds}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ProbeEditError) {
      err(`aks-worker probes: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof YamlEditError || e instanceof ReadOnlyFileError || e instanceof ChartRenderError) return badInput(err, 'probes')(e.message);
    throw e;
  }
}

async function probesGet(model: ChartModelT, kind: ProbeKind | undefined, flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { describeLocation } = await import('../tools/chartModel');
  if (!model.target) return badInput(err, 'probes')(`${model.targetProblem ?? 'no workload to show'}${model.choices.length ? `\n${model.choices.map((c) => `  ${c}`).join('\n')}` : ''}`);
  const { readShutdown, shutdownJson, shutdownText } = await import('../tools/shutdown');
  let shutdown: Awaited<ReturnType<typeof readShutdown>>;
  try {
    shutdown = await readShutdown(model, { project: typeof flags.project === 'string' ? flags.project : undefined, paths, evaluation: flags['no-msbuild'] ? 'static' : 'auto' });
  } catch (e) {
    if (e instanceof ToolError) {
      err(`aks-worker probes: ${e.message}\n`);
      return 1;
    }
    return badInput(err, 'probes')(e instanceof Error ? e.message : String(e));
  }
  const kinds = kind ? [kind] : PROBE_KINDS;
  const rel = (f?: string) => (f ? relative(model.chartDir, f) || f : undefined);
  const probes = Object.fromEntries(kinds.map((k) => [k, model.probes[k].rendered ?? null]));
  const live = model.probes.liveness.probe;
  const budget = live ? probeBudget({ ...live, terminationGracePeriodSeconds: live.terminationGracePeriodSeconds ?? model.terminationGracePeriodSeconds }, model.probes.startup.probe) : undefined;
  const kindsOf = (k: ProbeKind) => new Set(Object.values(model.probes[k].fields).map((f) => f.kind));
  const location = (() => {
    const all = new Set(kinds.flatMap((k) => [...kindsOf(k)]));
    return all.size === 0 ? 'none' : all.size === 1 ? ([...all][0] === 'values' ? 'values' : 'template') : 'mixed';
  })();
  if (flags.json) {
    const where = Object.fromEntries(
      kinds.map((k) => {
        const v = model.probes[k];
        return [
          k,
          {
            fields: Object.fromEntries(Object.entries(v.fields).map(([f, l]) => [f, { ...l, file: rel(l.file), ...('path' in l ? { path: l.path.join('.') } : {}) }])),
            root: v.root ? { path: v.root.path.join('.'), file: rel(v.root.file), line: v.root.line } : undefined,
            switch: v.switch ? { path: v.switch.path.join('.'), value: v.switch.value, file: rel(v.switch.file), line: v.switch.line } : undefined,
          },
        ];
      }),
    );
    out(
      `${JSON.stringify(
        {
          source: 'helm',
          location,
          workload: `${model.target.workload.kind}/${model.target.workload.name}`,
          container: model.target.container.name,
          template: model.target.workload.source,
          choices: model.choices,
          valuesFiles: model.valuesFiles.map(rel),
          ports: model.ports,
          probes,
          where,
          budget,
          shutdown: shutdownJson(shutdown, model.chartDir),
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  out(`${model.target.workload.kind}/${model.target.workload.name}, container ${model.target.container.name}${model.target.workload.source ? ` (${model.target.workload.source})` : ''}, as Helm renders it\n`);
  if (model.choices.length > 1) out(`  (the chart renders ${model.choices.length} containers: ${model.choices.join(', ')}; --workload and --container choose)\n`);
  for (const k of kinds) {
    const v = model.probes[k];
    out(`${k}: ${v.rendered ? JSON.stringify(v.rendered) : 'off'}\n`);
    if (v.switch) out(`  switch      ${pathText(v.switch.path)} = ${v.switch.value} (${rel(v.switch.file)}${v.switch.line ? `:${v.switch.line}` : ''})\n`);
    if (!v.rendered && v.root) out(`  values      ${pathText(v.root.path)} (${rel(v.root.file)}${v.root.line ? `:${v.root.line}` : ''})\n`);
    for (const [f, l] of Object.entries(v.fields)) out(`  ${f.padEnd(28)} ${describeLocation(l, model.chartDir)}\n`);
  }
  if (budget) {
    out(`budget: the worker may block up to ${budget.maxBlockSeconds} s (rule of thumb timeout x failureThreshold: ${budget.ruleOfThumbSeconds} s)\n`);
    out(`a hung pod is killed within ${budget.worstCaseDetectSeconds} s and restarted within ${budget.worstCaseRestartSeconds} s (grace period included)\n`);
  }
  for (const l of shutdownText(shutdown, model.chartDir)) out(`${l}\n`);
  return 0;
}

async function probesSet(
  model: ChartModelT,
  kind: ProbeKind,
  flags: Record<string, string | boolean>,
  renderOptions: import('../tools/chartModel').RenderOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const bad = badInput(err, 'probes');
  const { setChartProbe, ProbeEditError, ChartRenderError } = await import('../tools/chartModel');
  if (!model.target) return bad(`${model.targetProblem ?? 'no workload to edit'}${model.choices.length ? `\n${model.choices.map((c) => `  ${c}`).join('\n')}` : ''}`);
  const view = model.probes[kind];
  const handler = view.probe?.handler.type ?? 'httpGet';
  const changes: Record<string, string | number> = {};
  const port = flags.port === undefined ? undefined : /^\d+$/.test(String(flags.port)) ? Number(flags.port) : String(flags.port);
  if (flags.path !== undefined || port !== undefined) {
    if (handler === 'exec') return bad(`the ${kind} probe runs a command (exec); --path and --port do not apply.`);
    if (flags.path !== undefined && handler !== 'httpGet') return bad(`the ${kind} probe is ${handler}, which has no path.`);
    if (typeof flags.path === 'string') changes['httpGet.path'] = flags.path;
    if (port !== undefined) changes[`${handler}.port`] = port;
  }
  if (!view.rendered && !view.switch && !('httpGet.path' in changes && 'httpGet.port' in changes)) {
    const where = `${model.target.workload.kind}/${model.target.workload.name} ${model.target.container.name}`;
    return bad(
      view.root
        ? `the chart renders no ${PROBE_KEY_OF[kind]} for ${where}; its values key ${pathText(view.root.path)} is empty: give --path and --port (and timings) to add an httpGet probe there.`
        : `the chart renders no ${PROBE_KEY_OF[kind]} for ${where} and keeps no values for one, so there is nothing to edit (another workload may have one: --workload).`,
    );
  }
  for (const [flag, field] of Object.entries(TIMING_FLAGS)) if (flags[flag] !== undefined) changes[field] = wholeNumber(flags[flag]) as number;
  if (Object.keys(changes).length === 0) return bad('nothing to change: give --path, --port or a timing (--period, --timeout, …).');
  // Validate the probe as it will be.
  const next: Record<string, unknown> = structuredClone(view.rendered ?? {});
  for (const [f, v] of Object.entries(changes)) {
    const keys = f.split('.');
    let cur = next;
    for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
    cur[keys[keys.length - 1]] = v;
  }
  const probe = probeFromObject(next);
  if (probe) {
    const problems = validateProbe(kind, probe, model.ports);
    const errors = Object.entries(problems.errors);
    if (errors.length) return bad(errors.map(([f, m]) => `${f}: ${m}`).join('\n'));
    for (const [f, m] of Object.entries(problems.warnings)) err(`warning: ${f}: ${m}\n`);
  }
  try {
    const r = await setChartProbe(model, kind, changes, renderOptions);
    for (const f of r.files) out(`${f}\n`);
    for (const n of r.notes) err(`note: ${n}\n`);
    const rendered = probeFromObject(r.rendered);
    if (kind === 'liveness' && rendered) {
      const b = probeBudget({ ...rendered, terminationGracePeriodSeconds: rendered.terminationGracePeriodSeconds ?? model.terminationGracePeriodSeconds }, model.probes.startup.probe);
      out(`budget: may block up to ${b.maxBlockSeconds} s; a hung pod is restarted within ${b.worstCaseRestartSeconds} s\n`);
    }
    out(`verified: helm renders ${PROBE_KEY_OF[kind]} ${JSON.stringify(r.rendered)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ProbeEditError) {
      err(`aks-worker probes: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof YamlEditError || e instanceof ReadOnlyFileError || e instanceof ChartRenderError) return bad(e.message);
    throw e;
  }
}

const PROBE_KEY_OF: Record<ProbeKind, string> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };

/** Without helm: the probes as the chart's files show them (values.yaml and templates/deployment.yaml), said to be read so. */
async function probesWithoutHelm(sub: 'get' | 'set', kind: ProbeKind | undefined, dir: string, flags: Record<string, string | boolean>, out: (s: string) => void, err: (s: string) => void, why: string): Promise<number> {
  const bad = badInput(err, 'probes');
  const chart = await readChart(dir);
  if (!chart) return bad(`${dir} has no templates/deployment.yaml, and without helm nothing else can be read (${why})`);
  err(`note: read without Helm (${why.split('. ')[0]}): only values.yaml and templates/deployment.yaml are read, and the shutdown budget (which needs the rendered pod spec) is not shown\n`);
  if (sub === 'get') {
    const kinds = kind ? [kind] : PROBE_KINDS;
    const probes = Object.fromEntries(kinds.map((k) => [k, chart.probes[k] ? probeToObject(chart.probes[k] as Probe) : null]));
    const budget = chart.probes.liveness ? probeBudget(chart.probes.liveness, chart.probes.startup) : undefined;
    if (flags.json) {
      out(`${JSON.stringify({ source: 'static', location: chart.location, note: chart.note, ports: chart.ports, probes, budget }, null, 2)}\n`);
    } else {
      out(`probes live in: ${chart.location === 'values' ? chart.files.values : chart.location === 'template' ? chart.files.deployment : 'nowhere the form recognises'}\n`);
      if (chart.note) out(`${chart.note}\n`);
      for (const k of kinds) out(`${k}: ${probes[k] ? JSON.stringify(probes[k]) : 'off'}\n`);
      if (budget) {
        out(`budget: the worker may block up to ${budget.maxBlockSeconds} s (rule of thumb timeout x failureThreshold: ${budget.ruleOfThumbSeconds} s)\n`);
        out(`a hung pod is killed within ${budget.worstCaseDetectSeconds} s and restarted within ${budget.worstCaseRestartSeconds} s (grace period included)\n`);
      }
    }
    return 0;
  }
  const k = kind as ProbeKind;
  if (chart.location === 'none') return bad(chart.note ?? 'no probes to edit in this chart.');
  const current = chart.probes[k];
  const next: Probe = current ? { ...current, handler: { ...current.handler } as Probe['handler'] } : { handler: { type: 'httpGet', path: '', port: '' } };
  if (flags.path !== undefined || flags.port !== undefined) {
    const h = next.handler;
    const port = flags.port === undefined ? undefined : /^\d+$/.test(String(flags.port)) ? Number(flags.port) : String(flags.port);
    if (h.type === 'httpGet') {
      if (typeof flags.path === 'string') h.path = flags.path;
      if (port !== undefined) h.port = port;
    } else if (h.type === 'tcpSocket' || h.type === 'grpc') {
      if (flags.path !== undefined) return bad(`the ${k} probe is ${h.type}, which has no path.`);
      if (port !== undefined) (h as { port: number | string }).port = port;
    } else return bad(`the ${k} probe runs a command (exec); --path and --port do not apply.`);
  }
  for (const [flag, field] of Object.entries(TIMING_FLAGS)) if (flags[flag] !== undefined) next[field] = wholeNumber(flags[flag]) as number;
  const problems = validateProbe(k, next, chart.ports);
  const errors = Object.entries(problems.errors);
  if (errors.length) return bad(errors.map(([f, m]) => `${f}: ${m}`).join('\n'));
  for (const [f, m] of Object.entries(problems.warnings)) err(`warning: ${f}: ${m}\n`);
  try {
    const file = await writeChartProbe(dir, k, next);
    out(`${file}\n`);
    if (k === 'liveness') {
      const b = probeBudget(next, chart.probes.startup);
      out(`budget: may block up to ${b.maxBlockSeconds} s; a hung pod is restarted within ${b.worstCaseRestartSeconds} s\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof YamlEditError || e instanceof ReadOnlyFileError) return bad(e.message);
    throw e;
  }
}

/** The chart's probes, or undefined when the folder has no templates/deployment.yaml. */
export async function readChart(chartDir: string): Promise<Awaited<ReturnType<typeof readChartProbesFromDir>> | undefined> {
  try {
    return await readChartProbesFromDir(resolve(chartDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
