/**
 * The shutdown budget of a chart's worker: the pod's terminationGracePeriodSeconds and preStop as Helm
 * renders them, against the ShutdownTimeout the worker's .NET host will use, read from its project
 * (target framework from MSBuild or the static reader, C# code, appsettings files) and the
 * container's environment.
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isAspNetFramework } from '../core/dotnetModel';
import { CodeFile, ConfigEntry, EnvVar, Origin, PreStop, SettingsJsonError, ShutdownBudget, ShutdownTimeout, flattenSettingsJson, preStopOf, resolveShutdownTimeout, scanCode, shutdownBudget } from '../core/shutdown';
import { ToolPaths } from './catalog';
import { ChartModel, FieldLocation, describeLocation, graceHint } from './chartModel';
import { PROJECT_FILE, findProjects, loadProjectModel } from './dotnetProject';
import { readUserText } from './files';

export interface ShutdownReport {
  /** The worker's project file (absolute), when one was found. */
  project?: string;
  targetFramework?: string;
  /** How the target framework was read: MSBuild's evaluation, or the static reader. */
  evaluation?: 'msbuild' | 'static';
  timeout: ShutdownTimeout;
  grace: { seconds: number; text: string; at?: Origin; location?: FieldLocation };
  preStop?: PreStop & { at?: Origin };
  budget: ShutdownBudget;
  /** The form can set terminationGracePeriodSeconds (a values key or a literal in a template). */
  graceEditable: boolean;
  /** When the chart does not set terminationGracePeriodSeconds: where the template would need it. */
  graceHint?: { file?: string; line?: number; text: string };
  /** Things to know: no project found, a settings file that is not valid, MSBuild not used, … */
  notes: string[];
}

export interface ShutdownOptions {
  /** The worker's project file or folder; found near the chart when not given. */
  project?: string;
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  /** auto: MSBuild when an SDK is there, else the static reader; static: never run dotnet (Restricted Mode). */
  evaluation?: 'auto' | 'msbuild' | 'static';
  cache?: boolean;
  /** Don't look for the project above this folder (the workspace folder). */
  stopAt?: string;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The worker's project for a chart: from the chart's folder up to its grandparent (`<repo>/charts/<name>`;
 * up to `stopAt`, the workspace folder, when given), the project named like the chart or its image, or
 * the only one. The search stops at a repository's root (.git) and never scans the temp or home folder.
 */
export async function findWorkerProject(chartDir: string, names: string[], stopAt?: string): Promise<{ project?: string; note?: string }> {
  let dir = resolve(chartDir);
  const wanted = names.map(norm).filter(Boolean);
  const never = new Set([resolve(tmpdir()), resolve(homedir()), resolve('/')]);
  const levels = stopAt ? 4 : 3;
  for (let level = 0; level < levels && !never.has(dir); level++) {
    const found = await findProjects(dir, 4).catch(() => [] as string[]);
    if (found.length) {
      const named = found.filter((p) => wanted.includes(norm(basename(p).replace(PROJECT_FILE, ''))));
      if (named.length === 1) return { project: named[0] };
      if (found.length === 1) return { project: found[0] };
      return { note: `Several projects near the chart (${found.map((p) => relative(chartDir, p)).join(', ')}) and none named like it: the worker's ShutdownTimeout is taken as the .NET default. Choose the project with --project.` };
    }
    const up = dirname(dir);
    const atRoot = await stat(join(dir, '.git')).then(() => true, () => false);
    if (up === dir || atRoot || (stopAt && (resolve(stopAt) === dir || relative(resolve(stopAt), up).startsWith('..')))) break;
    dir = up;
  }
  return { note: "No .NET project found near the chart: the worker's ShutdownTimeout is taken as the .NET default (30 s). Give the project with --project." };
}

/** The C# files of a project folder (not bin/obj), at most 400 of them. */
async function codeFiles(dir: string): Promise<CodeFile[]> {
  const out: CodeFile[] = [];
  const walk = async (d: string, depth: number) => {
    if (depth > 8 || out.length >= 400) return;
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && !['bin', 'obj', 'node_modules'].includes(e.name) && !e.name.startsWith('.')) await walk(join(d, e.name), depth + 1);
      else if (e.isFile() && e.name.endsWith('.cs') && out.length < 400) {
        const text = await readUserText(join(d, e.name)).catch(() => undefined);
        if (text !== undefined) out.push({ file: join(d, e.name), text });
      }
    }
  };
  await walk(dir, 0);
  return out;
}

/** The container's environment as rendered: plain values, and `valueFrom` said as where it comes from. */
function renderedEnv(container: Record<string, unknown> | undefined): EnvVar[] {
  const env = Array.isArray(container?.env) ? (container?.env as Array<Record<string, unknown>>) : [];
  return env
    .filter((e) => typeof e?.name === 'string')
    .map((e) => {
      const from = e.valueFrom as Record<string, { name?: string; key?: string; fieldPath?: string }> | undefined;
      if (from) {
        const [kind, ref] = Object.entries(from)[0] ?? ['valueFrom', {}];
        const what = { configMapKeyRef: 'ConfigMap', secretKeyRef: 'Secret', fieldRef: 'field', resourceFieldRef: 'resource' }[kind] ?? kind;
        return { name: String(e.name), from: `${what} ${ref?.name ?? ref?.fieldPath ?? ''}${ref?.key ? ` key ${ref.key}` : ''}`.trim() };
      }
      return { name: String(e.name), value: e.value === undefined || e.value === null ? '' : String(e.value) };
    });
}

/** The line of a template that names an env var or a key, for a link; the file alone when not found. */
async function lineIn(file: string | undefined, re: RegExp): Promise<Origin | undefined> {
  if (!file) return undefined;
  const lines = (await readUserText(file).catch(() => '')).split(/\r?\n/);
  const i = lines.findIndex((l) => re.test(l));
  return { file, ...(i >= 0 ? { line: i + 1 } : {}) };
}

export interface WorkerTimeout {
  project?: string;
  targetFramework?: string;
  evaluation?: 'msbuild' | 'static';
  timeout: ShutdownTimeout;
  notes: string[];
}

/**
 * The ShutdownTimeout the worker's host will use: its project (given, or found near the chart by the
 * `names`), its target framework, C# code and appsettings files, and the container's environment.
 */
export async function readWorkerTimeout(chartDir: string, names: string[], env: EnvVar[], envAt: Origin | undefined, o: ShutdownOptions = {}): Promise<WorkerTimeout> {
  const notes: string[] = [];
  let project = o.project ? resolve(o.project) : undefined;
  if (project && (await stat(project).then((s) => s.isDirectory(), () => false))) {
    const found = await findProjects(project, 1).catch(() => []);
    if (found.length !== 1) throw new Error(`${o.project} holds ${found.length ? `${found.length} projects (${found.map((p) => basename(p)).join(', ')})` : 'no .NET project'}: give the project file.`);
    project = found[0];
  } else if (project && !(await stat(project).then((s) => s.isFile(), () => false))) {
    throw new Error(`${o.project}: no such project file.`);
  }
  if (!project) {
    const r = await findWorkerProject(chartDir, names, o.stopAt);
    project = r.project;
    if (r.note) notes.push(r.note);
  }
  let targetFramework: string | undefined;
  let evaluation: 'msbuild' | 'static' | undefined;
  let web = false;
  const settings: Array<{ file: string; entries: Map<string, ConfigEntry> }> = [];
  let code: CodeFile[] = [];
  if (project) {
    try {
      const m = await loadProjectModel(project, { paths: o.paths, env: o.env, evaluation: o.evaluation, cache: o.cache });
      evaluation = m.source;
      const tfms = m.outer.targetFrameworks;
      targetFramework = tfms[0];
      if (tfms.length > 1) notes.push(`${basename(project)} targets several frameworks (${tfms.join(', ')}); the default is taken for ${tfms[0]}.`);
      const facts = targetFramework ? m.closures[targetFramework]?.[0] : undefined;
      web = !!facts && (facts.frameworkReferences.some((f) => isAspNetFramework(f.name)) || facts.sdks.some((x) => /^Microsoft\.NET\.Sdk\.Web$/i.test(x)));
      if (m.source === 'static') notes.push(`The target framework was read from the project files without MSBuild${m.guesses.length ? ` (${m.guesses[0]})` : ''}.`);
    } catch (err) {
      notes.push(`${basename(project)} could not be evaluated, so its target framework is unknown: ${err instanceof Error ? err.message : String(err)}`);
    }
    const dir = dirname(project);
    code = await codeFiles(dir);
    const envName = [...env].reverse().find((e) => /^(dotnet_environment|aspnetcore_environment)$/i.test(e.name) && e.value !== undefined && (web || /^dotnet_/i.test(e.name)))?.value || 'Production';
    for (const name of ['appsettings.json', `appsettings.${envName}.json`]) {
      const file = join(dir, name);
      const text = await readUserText(file).catch(() => undefined);
      if (text === undefined) continue;
      try {
        settings.push({ file, entries: flattenSettingsJson(text, file) });
      } catch (err) {
        if (!(err instanceof SettingsJsonError)) throw err;
        notes.push(`${err.message} — the host would fail to start with it; it is left out here.`);
      }
    }
  }
  const timeout = resolveShutdownTimeout({ targetFramework, web, code: scanCode(code), settings, env, envAt });
  return { project, targetFramework, evaluation, timeout, notes: [...timeout.notes, ...notes] };
}

/** The shutdown budget of the chart's target container, as Helm renders it, against the worker's project. */
export async function readShutdown(model: ChartModel, o: ShutdownOptions = {}, readWorker: typeof readWorkerTimeout = readWorkerTimeout): Promise<ShutdownReport> {
  const t = model.target;
  const template = t?.workload.source ? join(model.chartDir, t.workload.source) : undefined;
  const container = (Array.isArray(t?.workload.podSpec?.containers) ? (t?.workload.podSpec?.containers as Array<Record<string, unknown>>) : []).find((c) => c.name === t?.container.name);
  const env = renderedEnv(container);
  const envAt = env.some((e) => /shutdowntimeout|environment$/i.test(e.name)) ? await lineIn(template, /^\s*-?\s*name:\s*["']?\w*(shutdowntimeout|hostoptions__)/i) : undefined;
  const image = t?.container.image?.split('@')[0].split(':')[0].split('/').pop() ?? '';
  const { project, targetFramework, evaluation, timeout, notes } = await readWorker(model.chartDir, [basename(model.chartDir), model.release, image], env, envAt, o);

  // The chart's side
  const graceSeconds = model.terminationGracePeriodSeconds ?? 30;
  const location = model.graceField;
  const grace: ShutdownReport['grace'] = location
    ? { seconds: graceSeconds, text: describeLocation(location, model.chartDir), at: location.file ? { file: location.file, ...(location.line ? { line: location.line } : {}) } : undefined, location }
    : { seconds: graceSeconds, text: model.terminationGracePeriodSeconds === undefined ? "not set: Kubernetes' default" : 'as rendered' };
  const pre = preStopOf(container?.lifecycle);
  const preStop = pre ? { ...pre, at: await lineIn(template, /^\s*preStop:/) } : undefined;
  const budget = shutdownBudget(graceSeconds, timeout.seconds, pre);
  const graceEditable = !!location && ((location.kind === 'values' && !location.sharedWith) || (location.kind === 'template' && !!location.line && (!!location.reads || !(await readUserText(location.file ?? '').catch(() => '')).split(/\r?\n/)[location.line - 1]?.includes('{{'))));
  const hint = model.terminationGracePeriodSeconds === undefined ? await graceHint(model, budget.verdict === 'warning' && budget.recommendedGraceSeconds ? budget.recommendedGraceSeconds : 30) : undefined;
  return { project, targetFramework, evaluation, timeout, grace, preStop, budget, graceEditable, ...(hint ? { graceHint: hint } : {}), notes };
}

/** The report as `probes get --json` prints it: paths relative to the chart's folder. */
export function shutdownJson(r: ShutdownReport, base: string): Record<string, unknown> {
  const rel = (f?: string) => (f ? relative(base, f) || f : undefined);
  const at = (a?: Origin) => (a ? { file: rel(a.file), ...(a.line ? { line: a.line } : {}) } : undefined);
  return {
    verdict: r.budget.verdict,
    message: r.budget.message,
    ...(r.budget.note ? { note: r.budget.note } : {}),
    terminationGracePeriodSeconds: { seconds: r.grace.seconds, from: r.grace.text, at: at(r.grace.at), editable: r.graceEditable },
    shutdownTimeoutSeconds: {
      seconds: r.timeout.seconds ?? null,
      from: r.timeout.source.kind,
      text: r.timeout.source.text,
      at: at(r.timeout.source.at),
      overridden: r.timeout.all.slice(1).map((s) => ({ from: s.kind, seconds: s.seconds ?? null, text: s.text, at: at(s.at), ...(s.ignored ? { ignored: s.ignored } : {}) })),
    },
    preStop: r.preStop ? { seconds: r.preStop.seconds ?? null, text: r.preStop.text, at: at(r.preStop.at) } : null,
    recommendedGraceSeconds: r.budget.recommendedGraceSeconds ?? null,
    project: rel(r.project) ?? null,
    targetFramework: r.targetFramework ?? null,
    evaluation: r.evaluation ?? null,
    ...(r.graceHint ? { graceHint: { text: r.graceHint.text, at: at(r.graceHint.file ? { file: r.graceHint.file, line: r.graceHint.line } : undefined) } } : {}),
    notes: r.notes,
  };
}

/** The report as text lines for `probes get`. */
export function shutdownText(r: ShutdownReport, base: string): string[] {
  const rel = (f?: string) => (f ? relative(base, f) || f : '?');
  const at = (a?: Origin) => (a ? ` (${rel(a.file)}${a.line ? `:${a.line}` : ''})` : '');
  const out = [`shutdown: ${r.budget.verdict === 'ok' ? 'ok' : r.budget.verdict === 'warning' ? 'WARNING' : 'unknown'}: ${r.budget.message}`];
  if (r.budget.note) out.push(`  ${r.budget.note}`);
  out.push(`  terminationGracePeriodSeconds ${r.grace.seconds} s: ${r.grace.text}`);
  out.push(`  ShutdownTimeout ${r.timeout.seconds === undefined ? 'unknown' : `${r.timeout.seconds} s`}: ${r.timeout.source.text}${at(r.timeout.source.at)}`);
  for (const s of r.timeout.all.slice(1)) out.push(`    ${s.ignored ? 'ignored' : 'overridden'}: ${s.text}${at(s.at)}${s.ignored ? ` — ${s.ignored}` : ''}`);
  out.push(`  preStop ${r.preStop ? `${r.preStop.seconds === undefined ? 'unknown' : `${r.preStop.seconds} s`}: ${r.preStop.text}${at(r.preStop.at)}` : 'none'}`);
  if (r.project) out.push(`  project ${rel(r.project)}${r.targetFramework ? `, ${r.targetFramework}` : ''}${r.evaluation ? ` (${r.evaluation === 'msbuild' ? 'MSBuild' : 'read without MSBuild'})` : ''}`);
  if (r.graceHint) out.push(`  ${r.graceHint.text}`);
  for (const n of r.notes) out.push(`  note: ${n}`);
  return out;
}
