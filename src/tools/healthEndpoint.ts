/**
 * Add Health Endpoint on disk: scan a worker project for a health endpoint, plan the edits that add
 * one (a new C# file, one line in Program.cs, the package reference), and apply the plan, restoring
 * every file byte for byte when a write fails.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { defaultHealthPort } from '../core/dockerfile';
import { ProjectFacts, ProjectModel, chooseTargetFramework, closureFor, decideBaseImage, projectName } from '../core/dotnetModel';
import {
  BeatHint,
  HEALTH_FILE,
  HEALTH_PACKAGE,
  HealthEndpointError,
  HealthVariant,
  findAppMapping,
  isWebApplication,
  addItemElement,
  checkHealthPath,
  eolOf,
  findBeatLoop,
  findRegistration,
  generateHealthFile,
  healthPackageVersion,
  namespaceFrom,
  unifiedDiff,
} from '../core/healthEndpoint';
import { HealthEvidence, SourceFile, maskCSharp, scanHealthSources } from '../core/healthScan';
import { writeFileAtomic, readUserText } from './files';
import { ModelOptions, PROJECT_FILE, loadProjectModel } from './dotnetProject';

export { HealthEndpointError } from '../core/healthEndpoint';

const SKIP = new Set(['bin', 'obj', 'node_modules', '.git', '.vs', '.vscode']);
const MAX_SOURCES = 2000;

/** The project's own C# files: its folder and subfolders, without bin/obj and without folders of other projects. */
export async function projectSources(projectFile: string): Promise<SourceFile[]> {
  const root = dirname(resolve(projectFile));
  const files: string[] = [];
  const walk = async (dir: string, depth: number) => {
    if (depth > 8 || files.length >= MAX_SOURCES) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (dir !== root && entries.some((e) => e.isFile() && PROJECT_FILE.test(e.name))) return;
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) await walk(join(dir, e.name), depth + 1);
      else if (e.isFile() && /\.cs$/i.test(e.name) && files.length < MAX_SOURCES) files.push(join(dir, e.name));
    }
  };
  await walk(root, 0);
  const out: SourceFile[] = [];
  for (const file of files) {
    try {
      out.push({ file, text: await readUserText(file) });
    } catch {
      /* too large or unreadable: not a Program.cs */
    }
  }
  return out;
}

export interface HealthOptions extends ModelOptions {
  /** Read the project without MSBuild (Restricted Mode, --no-msbuild). */
  noMsbuild?: boolean;
  framework?: string;
}

export interface HealthScanResult {
  project: string;
  /** True when the project serves a health endpoint already (or has our file). */
  found: boolean;
  evidence: HealthEvidence[];
  /** ASP.NET Core (Microsoft.AspNetCore.App) is available to the project. */
  aspnetAvailable: boolean;
  /** Why, one sentence (from decideBaseImage). */
  aspnetReason: string;
  targetFramework: string;
  evaluatedBy: 'msbuild' | 'static';
  /** What the static reader guessed, and the like. */
  warnings: string[];
}

interface Loaded {
  model: ProjectModel;
  tfm: string;
  project: ProjectFacts;
  aspnet: boolean;
  aspnetReason: string;
  warnings: string[];
}

async function load(projectFile: string, o: HealthOptions): Promise<Loaded> {
  const model = await loadProjectModel(projectFile, { ...o, evaluation: o.noMsbuild ? 'static' : (o.evaluation ?? 'auto') });
  const tfm = chooseTargetFramework(model, o.framework);
  const closure = closureFor(model, tfm);
  const decision = decideBaseImage(closure, []);
  // A guess from a package's name is not enough to compile against ASP.NET Core: the listener works either way.
  const aspnet = decision.image === 'aspnet' && !decision.guessed;
  const warnings = [...model.warnings, ...(model.source === 'static' ? model.guesses.map((g) => `guessed: ${g}`) : [])];
  return { model, tfm, project: closure[0], aspnet, aspnetReason: decision.reason, warnings };
}

/** The worker serves its endpoint with HttpListener (its own, or the one Add Health Endpoint wrote where ASP.NET Core is missing). */
export async function servesWithHttpListener(projectFile: string): Promise<boolean> {
  return scanHealthSources(await projectSources(projectFile)).some((e) => e.kind === 'http-listener' || e.kind === 'generated');
}

/** Does the worker serve an HTTP health endpoint? Where, and is ASP.NET Core available to it. */
export async function scanHealthEndpoint(projectFile: string, o: HealthOptions = {}): Promise<HealthScanResult> {
  const project = resolve(projectFile);
  const [l, sources] = await Promise.all([load(project, o), projectSources(project)]);
  const evidence = scanHealthSources(sources);
  return {
    project,
    found: evidence.length > 0,
    evidence,
    aspnetAvailable: l.aspnet,
    aspnetReason: l.aspnetReason,
    targetFramework: l.tfm,
    evaluatedBy: l.model.source,
    warnings: l.warnings,
  };
}

export interface HealthEdit {
  file: string;
  /** undefined: the file is created. */
  before: string | undefined;
  after: string;
  /** What the edit does, one phrase. */
  why: string;
}

export interface HealthPlan {
  project: string;
  variant: HealthVariant;
  /** Why that variant, one sentence. */
  variantReason: string;
  port: number;
  path: string;
  thresholdSeconds: number;
  targetFramework: string;
  namespace: string;
  /** The new C# file. */
  healthFile: string;
  edits: HealthEdit[];
  /** The line added to Program.cs, or what to add by hand and where. */
  registration: { file: string; line: number; text: string } | { file?: string; manual: string };
  /** WebApplication only: the app.MapWorkerHealth() line added after builder.Build(), or what to add by hand. */
  mapping?: { file: string; line: number; text: string } | { file?: string; manual: string };
  /** The worker loop that should call heartbeat.Beat() (never edited). */
  beatHint?: BeatHint;
  /** The HealthChecks package version added (listener variant only). */
  packageVersion?: string;
  /** The Directory.Packages.props that got the version (central package management). */
  centralPackagesFile?: string;
  evaluatedBy: 'msbuild' | 'static';
  warnings: string[];
}

export interface AddHealthOptions extends HealthOptions {
  port?: number;
  path?: string;
  thresholdSeconds?: number;
  /** Plan even when the project serves an endpoint already. */
  force?: boolean;
  /** aspnet, listener or webapp, instead of what the project has. */
  variant?: HealthVariant;
}

/** An endpoint is there already: where (the plan is refused unless forced). */
export class HealthEndpointExistsError extends HealthEndpointError {
  constructor(
    message: string,
    readonly evidence: HealthEvidence[],
  ) {
    super(message);
    this.name = 'HealthEndpointExistsError';
  }
}

/** The edits that add a health endpoint to the worker; nothing is written. */
export async function addHealthEndpoint(projectFile: string, o: AddHealthOptions = {}): Promise<HealthPlan> {
  const project = resolve(projectFile);
  const path = o.path ?? '/healthz';
  const badPath = checkHealthPath(path);
  if (badPath) throw new HealthEndpointError(badPath);
  const thresholdSeconds = o.thresholdSeconds ?? 30;
  if (!(thresholdSeconds > 0 && thresholdSeconds <= 86400)) throw new HealthEndpointError(`the heartbeat threshold must be from 1 to 86400 seconds (got ${thresholdSeconds}).`);
  const [l, sources] = await Promise.all([load(project, o), projectSources(project)]);
  const version = healthPackageVersion(l.tfm);
  const rel = (f: string) => relative(dirname(project), f) || basename(f);
  const evidence = scanHealthSources(sources);
  const ours = evidence.find((e) => e.kind === 'generated');
  if (ours) throw new HealthEndpointExistsError(`${rel(ours.file)} was added by Add Health Endpoint already: the worker has its health endpoint.`, evidence);
  if (evidence.length && !o.force) {
    const where = evidence.map((e) => `  ${rel(e.file)}:${e.line}:${e.column}: ${e.text}`).join('\n');
    throw new HealthEndpointExistsError(`the worker serves a health endpoint already:\n${where}`, evidence);
  }
  // Program.cs: the file named so, else the one that registers a hosted service.
  const programs = sources.filter((s) => basename(s.file).toLowerCase() === 'program.cs');
  const program = programs.find((s) => dirname(s.file) === dirname(project)) ?? programs[0] ?? sources.find((s) => /\bAddHostedService\s*</.test(maskCSharp(s.text)));
  const webApp = !!program && isWebApplication(program.text);
  const variant: HealthVariant = o.variant ?? (webApp ? 'webapp' : l.aspnet ? 'aspnet' : 'listener');
  const variantReason =
    o.variant !== undefined
      ? `${variant}: chosen`
      : webApp
        ? `Program.cs builds a WebApplication, which serves HTTP already: the app maps the checks itself (app.MapWorkerHealth()) on the port it listens on`
        : l.aspnet
          ? `ASP.NET Core is available (${l.aspnetReason.replace(/^aspnet: /, '')}): a small Kestrel server with MapHealthChecks`
          : `the project does not use ASP.NET Core: an HttpListener, which the base runtime image has`;

  const beat = findBeatLoop(sources);
  const rootNamespace = /<RootNamespace>\s*([A-Za-z_][A-Za-z0-9_.]*)\s*<\/RootNamespace>/.exec(await readFile(project, 'utf8'))?.[1];
  const namespace = beat?.namespace ?? rootNamespace ?? namespaceFrom(l.project.assemblyName || projectName(project));
  const eol = program ? eolOf(program.text) : '\n';
  const finalPort = o.port ?? defaultHealthPort(l.tfm);
  const healthFile = join(program ? dirname(program.file) : dirname(project), HEALTH_FILE);
  if (sources.some((s) => s.file === healthFile) || (await stat(healthFile).then(() => true, () => false))) {
    throw new HealthEndpointError(`${rel(healthFile)} exists and was not written by Add Health Endpoint: rename it, or add the endpoint by hand.`);
  }
  const edits: HealthEdit[] = [
    {
      file: healthFile,
      before: undefined,
      after: generateHealthFile({ namespace, port: finalPort, path, thresholdSeconds, variant, eol }),
      why: `the heartbeat, its health check and the endpoint (${variant === 'aspnet' ? 'Kestrel, MapHealthChecks' : variant === 'listener' ? 'HttpListener' : 'MapHealthChecks on the app'})`,
    },
  ];
  let registration: HealthPlan['registration'];
  let mapping: HealthPlan['mapping'];
  if (!program) {
    registration = { manual: 'No Program.cs was found. Add the line  builder.Services.AddWorkerHealth();  where the worker registers its hosted service (AddHostedService<…>()).' };
  } else {
    // Offsets are those of the text as read, byte-order mark included: the mark stays in front.
    const inserts: Array<{ offset: number; insert: string }> = [];
    const whys: string[] = [];
    const r = findRegistration(program.text, 'AddWorkerHealth', variant === 'webapp');
    if ('already' in r) registration = { file: program.file, line: r.already.line, text: program.text.split(/\r?\n/)[r.already.line - 1].trim() };
    else if ('manual' in r) registration = { file: program.file, manual: r.manual };
    else {
      inserts.push(r);
      whys.push(`registers it: ${r.text}`);
      registration = { file: program.file, line: r.line, text: r.text };
    }
    if (variant === 'webapp') {
      const m = findAppMapping(program.text);
      if ('already' in m) mapping = { file: program.file, line: m.already.line, text: program.text.split(/\r?\n/)[m.already.line - 1].trim() };
      else if ('manual' in m) mapping = { file: program.file, manual: m.manual };
      else {
        inserts.push(m);
        whys.push(`maps it: ${m.text}`);
        mapping = { file: program.file, line: m.line + (inserts.length > 1 && inserts[0].offset < m.offset ? 1 : 0), text: m.text };
      }
    }
    if (inserts.length) {
      let after = program.text;
      for (const i of [...inserts].sort((a, b) => b.offset - a.offset)) after = after.slice(0, i.offset) + i.insert + after.slice(i.offset);
      edits.push({ file: program.file, before: program.text, after, why: whys.join('; ') });
    }
  }
  let packageVersion: string | undefined;
  let centralPackagesFile: string | undefined;
  const warnings = [...l.warnings];
  const referenced = l.project.packageReferences.some((p) => p.name.toLowerCase() === HEALTH_PACKAGE.toLowerCase());
  if (variant === 'listener' && !referenced) {
    packageVersion = version;
    const csproj = await readUserText(project);
    if (l.project.centralPackageManagement) {
      const props = l.project.importedDirectoryFiles.find((f) => basename(f).toLowerCase() === 'directory.packages.props') ?? (await findUp(dirname(project), 'Directory.Packages.props'));
      if (!props) {
        throw new HealthEndpointError(`the project uses central package management but no Directory.Packages.props was found: add <PackageVersion Include="${HEALTH_PACKAGE}" Version="${version}" /> to it by hand.`);
      }
      const propsText = await readUserText(props);
      const propsAfter = addItemElement(propsText, 'PackageVersion', HEALTH_PACKAGE, version);
      if (propsAfter !== undefined) edits.push({ file: props, before: propsText, after: propsAfter, why: `the version of ${HEALTH_PACKAGE}: ${version}` });
      else packageVersion = undefined;
      centralPackagesFile = props;
      const projAfter = addItemElement(csproj, 'PackageReference', HEALTH_PACKAGE);
      if (projAfter !== undefined) edits.push({ file: project, before: csproj, after: projAfter, why: `references ${HEALTH_PACKAGE} (its version is in ${basename(props)})` });
    } else {
      const projAfter = addItemElement(csproj, 'PackageReference', HEALTH_PACKAGE, version);
      if (projAfter !== undefined) edits.push({ file: project, before: csproj, after: projAfter, why: `references ${HEALTH_PACKAGE} ${version}` });
    }
  }
  if (l.model.source === 'static') warnings.push('the project was read without MSBuild: check the target framework and whether ASP.NET Core is available.');
  return {
    project,
    variant,
    variantReason,
    port: finalPort,
    path,
    thresholdSeconds,
    targetFramework: l.tfm,
    namespace,
    healthFile,
    edits,
    registration,
    ...(mapping ? { mapping } : {}),
    ...(beat ? { beatHint: { file: beat.file, line: beat.line, text: beat.text } } : {}),
    ...(packageVersion ? { packageVersion } : {}),
    ...(centralPackagesFile ? { centralPackagesFile } : {}),
    evaluatedBy: l.model.source,
    warnings,
  };
}

async function findUp(dir: string, name: string): Promise<string | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    const f = join(d, name);
    if (await stat(f).then((s) => s.isFile(), () => false)) return f;
    if (dirname(d) === d) return undefined;
  }
}

/** The plan as unified diffs, paths relative to `base`: the changed files first (a line or two each), then the new file. */
export function planDiff(plan: HealthPlan, base = dirname(plan.project)): string {
  const order = [...plan.edits.filter((e) => e.before !== undefined), ...plan.edits.filter((e) => e.before === undefined)];
  return order.map((e) => unifiedDiff(relative(base, e.file).split('\\').join('/'), e.before, e.after)).join('');
}

/** The sentence that tells the user to make the loop beat. */
export function beatAdvice(plan: HealthPlan, rel: (f: string) => string = (f) => f): string {
  const where = plan.beatHint ? `in the loop at ${rel(plan.beatHint.file)}:${plan.beatHint.line} (${plan.beatHint.text})` : "in your worker's loop (ExecuteAsync)";
  return `Take WorkerHeartbeat in your worker's constructor and call heartbeat.Beat() once per iteration ${where}: until it beats, the endpoint answers 503 after ${plan.thresholdSeconds} s.`;
}

/**
 * Writes the plan's edits. Each file must still hold what the plan read (a created file must not
 * exist); after writing, each is read back. On any failure every file is put back as it was (byte
 * for byte; created files removed) and the error is thrown.
 */
export async function applyHealthPlan(plan: HealthPlan): Promise<string[]> {
  for (const e of plan.edits) {
    const now = await readFile(e.file, 'utf8').catch(() => undefined);
    if (now !== e.before) {
      throw new HealthEndpointError(e.before === undefined ? `${e.file} exists now: nothing was written.` : `${e.file} changed since the plan was made: nothing was written. Run Add Health Endpoint again.`);
    }
  }
  const done: HealthEdit[] = [];
  try {
    for (const e of plan.edits) {
      await writeFileAtomic(e.file, e.after, { exclusive: e.before === undefined });
      done.push(e);
      const back = await readFile(e.file, 'utf8');
      if (back !== e.after) throw new HealthEndpointError(`${e.file} does not read back as written.`);
    }
  } catch (err) {
    for (const e of done.reverse()) {
      if (e.before === undefined) await rm(e.file, { force: true });
      else await writeFileAtomic(e.file, e.before).catch(() => undefined);
    }
    throw err;
  }
  return plan.edits.map((e) => e.file);
}
