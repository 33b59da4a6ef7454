import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { defaultHealthPort, generateDockerfile, generateDockerignore, mergeDockerignore } from '../core/dockerfile';
import { dotnetImageTag, sdkImageTag } from '../core/dotnet';
import { AssetsFacts, BaseDecision, DotnetModelError, ProjectFacts, ProjectModel, chooseTargetFramework, closureFor, decideBaseImage, projectName, readAssets } from '../core/dotnetModel';
import { ToolPaths } from './catalog';
import { nearestSolutionDir } from './buildContext';
import { writeFileAtomic } from './files';
import { MsbuildUnavailableError, evaluateWithMsbuild } from './msbuild';
import { LineSink } from './process';

/** Bad input for the Dockerfile step: the message says what to do. */
export class ProjectError extends Error {
  constructor(
    message: string,
    readonly code: 'no-project' | 'several-projects' | 'bad-project' | 'framework' | 'exists' | 'reference' | 'outside-context',
    /** For outside-context: the folder that holds the project and everything it references. */
    readonly suggestedContext?: string,
    /** The frameworks to choose from (framework). */
    readonly choices?: string[],
  ) {
    super(message);
    this.name = 'ProjectError';
  }
}

const SKIP = new Set(['bin', 'obj', 'node_modules', '.git', '.vs', '.vscode']);
const posix = (p: string) => p.split(sep).join('/');
export { dockerBuildContext, nearestSolutionDir } from './buildContext';
export const PROJECT_FILE = /\.(cs|fs|vb)proj$/i;

/** Project files (.csproj/.fsproj/.vbproj) in a folder: the folder itself first; if none, its subfolders. */
export async function findProjects(dir: string, maxDepth = 4): Promise<string[]> {
  const here = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && PROJECT_FILE.test(e.name)).map((e) => join(dir, e.name));
  if (here.length) return here.sort();
  const found: string[] = [];
  const walk = async (d: string, depth: number) => {
    if (depth > maxDepth) return;
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) await walk(join(d, e.name), depth + 1);
      else if (e.isFile() && PROJECT_FILE.test(e.name)) found.push(join(d, e.name));
    }
  };
  await walk(dir, 1);
  return found.sort();
}

export interface ModelOptions {
  /** `dotnet` path (setting aksWorker.paths.dotnet, CLI --dotnet). */
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  sink?: LineSink;
  /** auto: MSBuild when an SDK 8+ is there, else the static reader; static: never run dotnet. */
  evaluation?: 'auto' | 'msbuild' | 'static';
  /** Keep the evaluation until a file it depends on changes (the extension); a CLI run does not. */
  cache?: boolean;
}

/**
 * The static reader's file access. Synchronous on purpose: it reads a few dozen small files one after
 * another, and each asynchronous call would wait for a round trip through the thread pool.
 */
const fsForStatic = {
  read: async (p: string) => {
    try {
      return new Uint8Array(readFileSync(p));
    } catch {
      return undefined;
    }
  },
  exists: async (p: string) => existsSync(p),
};

interface Cached {
  model: ProjectModel;
  stamps: Map<string, number>;
}
const cache = new Map<string, Cached>();

const WELL_KNOWN = ['Directory.Build.props', 'Directory.Build.targets', 'Directory.Packages.props', 'global.json', 'NuGet.config', 'nuget.config', 'NuGet.Config'];

/** Files whose change makes an evaluation stale: the closure's projects, what they import, their restore output. */
function stampedFiles(model: ProjectModel): string[] {
  const files = new Set<string>();
  const projects = [model.outer, ...Object.values(model.closures).flat()];
  for (const p of projects) {
    files.add(p.path);
    for (const f of p.importedDirectoryFiles) files.add(f);
    if (p.assetsFile) files.add(p.assetsFile);
    let d = dirname(p.path);
    for (;;) {
      for (const n of WELL_KNOWN) files.add(join(d, n));
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  return [...files];
}

async function stampsOf(files: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(
    files.map(async (f) => {
      try {
        const s = await stat(f);
        out.set(f, s.mtimeMs * 1e3 + (s.size % 1000));
      } catch {
        out.set(f, -1);
      }
    }),
  );
  return out;
}

/** Forgets cached evaluations (the extension calls it when a project file changes). */
export function clearProjectCache(): void {
  cache.clear();
}

/**
 * What the project is, asked of MSBuild (`dotnet msbuild`, SDK 8+); without a usable SDK, read from
 * the files by the static reader, which says what it guessed. Cached until a file it depends on changes.
 */
export async function loadProjectModel(project: string, o: ModelOptions = {}): Promise<ProjectModel> {
  const root = resolve(project);
  const mode = o.evaluation ?? 'auto';
  const key = `${mode}\u0000${o.paths?.dotnet ?? ''}\u0000${root}`;
  const hit = o.cache ? cache.get(key) : undefined;
  if (hit) {
    const now = await stampsOf([...hit.stamps.keys()]);
    if ([...now].every(([f, s]) => hit.stamps.get(f) === s)) return hit.model;
  }
  let model: ProjectModel;
  // The static reader (and its XML parser) loads only when it is needed.
  const { readModelStatically } = await import('../core/msbuildStatic');
  if (mode === 'static') {
    model = await readModelStatically(root, fsForStatic, 'asked not to run MSBuild');
  } else {
    try {
      model = await evaluateWithMsbuild(root, { paths: o.paths, env: o.env, signal: o.signal, sink: o.sink });
    } catch (err) {
      if (!(err instanceof MsbuildUnavailableError) || mode === 'msbuild') throw err;
      model = await readModelStatically(root, fsForStatic, err.message);
    }
  }
  if (o.cache) cache.set(key, { model, stamps: await stampsOf(stampedFiles(model)) });
  return model;
}

/** Checks every ProjectReference against the disk with exact letter case, as Linux and docker build do. */
async function checkReferences(closure: ProjectFacts[]): Promise<void> {
  const listings = new Map<string, string[] | undefined>();
  for (const p of closure) {
    for (const ref of p.projectReferences) {
      const target = isAbsolute(ref.fullPath) ? ref.fullPath : resolve(dirname(p.path), ref.fullPath);
      const actual = exactCase(target, listings);
      if (actual === target) continue;
      const { file, line, column } = await locateInclude(ref.definedIn || p.path, ref.name);
      const where = `${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}`;
      if (actual) {
        throw new ProjectError(
          `${where}: the ProjectReference "${ref.name}" differs in letter case from the file on disk (${posix(relative(dirname(p.path), actual))}). Linux file systems and docker build are case-sensitive, so restore would not find it: write the path as it is on disk.`,
          'reference',
        );
      }
      throw new ProjectError(`${where}: the ProjectReference "${ref.name}" names ${target}, which does not exist.`, 'reference');
    }
  }
}

/** The path with each segment as the disk spells it; undefined when it does not exist in any case. */
function exactCase(path: string, listings: Map<string, string[] | undefined>): string | undefined {
  const parts = resolve(path).split(sep);
  let cur = parts[0] === '' ? sep : parts[0];
  for (const part of parts.slice(1)) {
    if (!part) continue;
    if (!listings.has(cur)) {
      try {
        listings.set(cur, readdirSync(cur));
      } catch {
        listings.set(cur, undefined);
      }
    }
    const entries = listings.get(cur);
    if (!entries) return undefined;
    const exact = entries.find((e) => e === part) ?? entries.find((e) => e.toLowerCase() === part.toLowerCase());
    if (!exact) return undefined;
    cur = join(cur, exact);
  }
  return cur;
}

/** Where an item's Include is written, for file:line:col messages. */
async function locateInclude(file: string, include: string): Promise<{ file: string; line?: number; column?: number }> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const variants = [include, include.replace(/\//g, '\\')];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    for (const v of variants) {
      const col = lines[i].indexOf(`"${v}"`);
      if (col >= 0) {
        const attr = lines[i].lastIndexOf('Include', col);
        return { file, line: i + 1, column: (attr >= 0 ? attr : col) + 1 };
      }
    }
  }
  return { file };
}

const within = (dir: string, p: string) => {
  const r = relative(dir, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** The deepest folder that holds all the paths. */
function commonFolder(paths: string[]): string {
  let common = paths[0];
  for (const p of paths.slice(1)) while (!within(common, p)) common = dirname(common);
  return common;
}

/**
 * The files restore needs besides the projects, inside the context: Directory.Build.props/.targets/.rsp,
 * Directory.Packages.props, NuGet.config and global.json in every folder from the context down to each
 * project, and the files those import by a path relative to themselves.
 */
export async function restoreFilesFor(context: string, closure: ProjectFacts[]): Promise<string[]> {
  const names = /^(directory\.build\.props|directory\.build\.targets|directory\.build\.rsp|directory\.packages\.props|nuget\.config|global\.json)$/i;
  const dirs = new Set<string>();
  for (const p of closure) {
    let d = dirname(p.path);
    while (within(context, d)) {
      dirs.add(d);
      if (d === context) break;
      d = dirname(d);
    }
  }
  const found = new Set<string>();
  for (const d of [...dirs].sort()) {
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      /* unreadable: nothing to copy from it */
    }
    for (const name of entries) if (names.test(name)) found.add(join(d, name));
  }
  for (const f of closure.flatMap((p) => p.importedDirectoryFiles)) if (within(context, f)) found.add(f);
  // Files the props import by a path relative to themselves (eng/Versions.props and the like).
  const queue = [...found].filter((f) => /\.(props|targets)$/i.test(f));
  while (queue.length) {
    const f = queue.shift() as string;
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const m of text.matchAll(/<Import\b[^>]*\bProject\s*=\s*"([^"]+)"/g)) {
      const spec = m[1].replace(/\$\(MSBuildThisFileDirectory\)/gi, `${dirname(f)}/`).replace(/\\/g, '/');
      if (spec.includes('$(') || /[*?]/.test(spec)) continue;
      const target = resolve(dirname(f), spec);
      if (within(context, target) && !found.has(target) && (await access(target).then(() => true, () => false))) {
        found.add(target);
        queue.push(target);
      }
    }
  }
  return [...found].map((f) => posix(relative(context, f))).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

export interface DockerfilePlan {
  csproj: string;
  model: ProjectModel;
  /** The root project's facts for the chosen framework. */
  project: ProjectFacts;
  closure: ProjectFacts[];
  targetFramework: string;
  runtimeImage: 'aspnet' | 'runtime';
  /** Why that runtime image, one sentence ("aspnet: ServiceDefaults references Microsoft.AspNetCore.App"). */
  runtimeReason: string;
  decision: BaseDecision;
  healthPort: number;
  /** Absolute paths. */
  context: string;
  dockerfile: string;
  dockerignore: string;
  dockerfileText: string;
  dockerignoreText: string;
  restoreFiles: string[];
  /** What the user should know: guesses of the static reader, conditional frameworks, a runtime image without HTTP. */
  warnings: string[];
}

export interface PlanOptions extends ModelOptions {
  /** Needed when the project targets several frameworks. */
  framework?: string;
  healthPort?: number;
  /** Do not look for a solution above this folder (the workspace folder). */
  stopAt?: string;
  /** aspnet or runtime, whatever the project needs (--base). */
  base?: 'aspnet' | 'runtime';
  /** The build context, instead of the nearest solution's folder. */
  context?: string;
}

function modelError(err: unknown): unknown {
  if (err instanceof DotnetModelError) {
    if (err.code === 'framework') return new ProjectError(err.message, 'framework');
    if (err.code === 'bad-project') return new ProjectError(err.message, 'bad-project');
  }
  return err;
}

/** Everything Add Dockerfile will write for a project, computed without writing anything. */
export async function planDockerfile(csproj: string, options: PlanOptions = {}): Promise<DockerfilePlan> {
  const root = resolve(csproj);
  let model: ProjectModel;
  let tfm: string;
  try {
    model = await loadProjectModel(root, options);
    tfm = chooseTargetFramework(model, options.framework);
  } catch (err) {
    const e = modelError(err);
    if (e instanceof ProjectError && e.code === 'framework' && !options.framework) {
      const m = (err as DotnetModelError).message;
      if (/several frameworks/.test(m)) throw new ProjectError(m, 'framework', undefined, (await loadProjectModel(root, options)).outer.targetFrameworks);
    }
    throw e;
  }
  try {
    dotnetImageTag(tfm);
  } catch (err) {
    throw new ProjectError((err as Error).message, 'framework');
  }
  const closure = closureFor(model, tfm);
  const project = closure[0];
  await checkReferences(closure);

  // Visual Studio's choice: the solution's folder is the build context, else the project's own.
  const solutionDir = await nearestSolutionDir(dirname(root), options.stopAt);
  const context = options.context ? resolve(options.context) : (solutionDir ?? dirname(root));
  const outside = closure.filter((p) => !within(context, p.path));
  if (outside.length) {
    const all = commonFolder([context, ...closure.map((p) => dirname(p.path))]);
    const named = outside.map((p) => posix(relative(context, p.path))).join(', ');
    throw new ProjectError(
      `${basename(root)} references ${named}, outside the build context ${context}${options.context ? '' : solutionDir ? ' (the folder of the nearest solution)' : " (the project's folder: no .sln or .slnx above it)"}; docker build cannot copy files from outside it. Use ${all} as the build context (--context ${all}), the folder that holds every project the worker needs.`,
      'outside-context',
      all,
    );
  }
  // Central package management keeps the versions in Directory.Packages.props: without it in the
  // context, restore in the image fails (NU1015), so it is refused like a project outside it.
  const packagesProps = closure.some((p) => p.centralPackageManagement) ? closure.flatMap((p) => p.importedDirectoryFiles).find((f) => /(^|[\\/])Directory\.Packages\.props$/i.test(f) && !within(context, f)) : undefined;
  if (packagesProps && !options.context) {
    const all = commonFolder([context, dirname(packagesProps)]);
    throw new ProjectError(
      `${basename(root)} takes its package versions from ${packagesProps} (central package management), outside the build context ${context}${solutionDir ? ' (the folder of the nearest solution)' : " (the project's folder: no .sln or .slnx above it)"}; restore in the image would not find them. Use ${all} as the build context (--context ${all}), the folder that holds it.`,
      'outside-context',
      all,
    );
  }
  const warnings = [...model.warnings];
  for (const f of closure.flatMap((p) => p.importedDirectoryFiles)) {
    if (!within(context, f)) {
      const w = `${f} is imported by the build but lies outside the build context ${context}: the image is built without it, which may change how it builds.`;
      if (!warnings.includes(w)) warnings.push(w);
    }
  }
  if (model.source === 'static') warnings.push(...model.guesses.map((g) => `guessed: ${g}`));

  const assets: Array<AssetsFacts | undefined> = [];
  for (const p of closure) {
    if (!p.assetsFile) continue;
    try {
      assets.push(readAssets(p.assetsFile, JSON.parse(await readFile(p.assetsFile, 'utf8')), p.targetFramework || tfm));
    } catch {
      /* not restored yet */
    }
  }
  const decision = decideBaseImage(closure, assets, options.base);
  // A worker that serves its endpoint with HttpListener (Add Health Endpoint's, or its own) needs no ASP.NET Core.
  const listener = decision.image === 'runtime' && (await (await import('./healthEndpoint')).servesWithHttpListener(root));
  if (decision.image === 'runtime' && !listener) {
    warnings.push(
      `runtime image: it has no ASP.NET Core, so the worker cannot serve its health endpoint with Kestrel or MapHealthChecks. Serve it with HttpListener, probe with tcpSocket or exec instead of httpGet, or use --base aspnet.`,
    );
  }
  const healthPort = options.healthPort ?? defaultHealthPort(tfm);
  const restoreFiles = await restoreFilesFor(context, closure);
  const dockerfile = join(dirname(root), 'Dockerfile');
  const usual = solutionDir ?? dirname(root);
  const allTfms = closure.flatMap((p) => p.targetFrameworks);
  const dockerfileText = generateDockerfile({
    projectPath: posix(relative(context, root)),
    referencedProjects: closure
      .slice(1)
      .map((p) => posix(relative(context, p.path)))
      .sort(),
    restoreFiles,
    assemblyName: project.assemblyName || projectName(root),
    entryDll: project.targetFileName || undefined,
    targetFramework: tfm,
    multiTarget: model.outer.targetFrameworks.length > 1,
    sdkTag: sdkImageTag(tfm, allTfms),
    runtimeImage: decision.image,
    runtimeReason: decision.reason.replace(/^(aspnet|runtime): /, `$1: `),
    healthPort,
    context: resolve(context) === resolve(usual) ? undefined : posix(relative(dirname(dockerfile), context)) || '.',
  });
  return {
    csproj: root,
    model,
    project,
    closure,
    targetFramework: tfm,
    runtimeImage: decision.image,
    runtimeReason: decision.reason,
    decision,
    healthPort,
    context,
    dockerfile,
    dockerignore: join(context, '.dockerignore'),
    dockerfileText,
    dockerignoreText: generateDockerignore(),
    restoreFiles,
    warnings,
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Which of the plan's files exist already. */
export async function existingFiles(plan: DockerfilePlan): Promise<string[]> {
  const out: string[] = [];
  for (const p of [plan.dockerfile, plan.dockerignore]) if (await exists(p)) out.push(p);
  return out;
}

export interface WriteResult {
  /** Files written (created or changed). */
  written: string[];
  /** The .dockerignore: created, merged (our missing lines appended), or kept as it was. */
  dockerignore: 'created' | 'merged' | 'kept';
}

/**
 * Writes the Dockerfile and the .dockerignore. Without `force`, an existing Dockerfile is an error.
 * An existing .dockerignore is never replaced: with `force` (or `mergeDockerignore`) the lines it
 * lacks are appended, else it is kept as it is.
 */
export async function writeDockerfilePlan(plan: DockerfilePlan, options: { force?: boolean; mergeDockerignore?: boolean } = {}): Promise<WriteResult> {
  const present = await existingFiles(plan);
  if (!options.force && present.includes(plan.dockerfile)) {
    throw new ProjectError(`${plan.dockerfile} exists already; nothing was written. Use --force to replace it.`, 'exists');
  }
  const written: string[] = [];
  await writeFileAtomic(plan.dockerfile, plan.dockerfileText);
  written.push(plan.dockerfile);
  let dockerignore: WriteResult['dockerignore'] = 'kept';
  if (!present.includes(plan.dockerignore)) {
    await writeFileAtomic(plan.dockerignore, plan.dockerignoreText);
    written.push(plan.dockerignore);
    dockerignore = 'created';
  } else if (options.force || options.mergeDockerignore) {
    const current = await readFile(plan.dockerignore, 'utf8');
    const merged = mergeDockerignore(current, plan.dockerignoreText);
    if (merged !== undefined) {
      await writeFileAtomic(plan.dockerignore, merged);
      written.push(plan.dockerignore);
      dockerignore = 'merged';
    }
  }
  return { written, dockerignore };
}

/**
 * Whether a Dockerfile still fits the project beside it, as the project is now: a `runtime` base
 * when something in the closure needs ASP.NET Core (the container would stop at start), or another
 * .NET version than the project targets. Undefined when it fits, or when it cannot be told (not one
 * of our Dockerfiles, no single project beside it, a project that cannot be read).
 */
export async function dockerfileMismatch(dockerfile: string, o: ModelOptions & { stopAt?: string } = {}): Promise<string | undefined> {
  const { describeBaseStage } = await import('../core/dockerfile');
  const base = describeBaseStage(await readFile(dockerfile, 'utf8').catch(() => ''));
  if (!base) return undefined;
  const dir = dirname(dockerfile);
  const projects = (await readdir(dir).catch(() => [] as string[])).filter((n) => PROJECT_FILE.test(n));
  if (projects.length !== 1) return undefined;
  const project = join(dir, projects[0]);
  let plan: DockerfilePlan;
  try {
    const model = await loadProjectModel(project, o);
    const tfms = model.outer.targetFrameworks;
    const framework = tfms.length > 1 ? tfms.find((t) => t.toLowerCase() === `net${base.tag}`) : undefined;
    if (tfms.length > 1 && !framework) {
      return `${basename(dockerfile)} runs on ${base.image}:${base.tag}, but ${projects[0]} targets ${tfms.join(', ')}: run Add Dockerfile again, or change the image tags.`;
    }
    const recorded = (await import('../core/dockerfile')).recordedContext(await readFile(dockerfile, 'utf8'));
    plan = await planDockerfile(project, { ...o, framework, context: recorded ? resolve(dir, recorded) : undefined });
  } catch {
    return undefined;
  }
  const tag = plan.targetFramework.replace(/^net/, '');
  if (tag !== base.tag) {
    return `${basename(dockerfile)} runs on ${base.image}:${base.tag}, but ${projects[0]} targets ${plan.targetFramework}: the image cannot run it. Run Add Dockerfile again, or change the image tags to ${tag}.`;
  }
  if (base.image === 'runtime' && plan.runtimeImage === 'aspnet' && !plan.decision.guessed) {
    return `${basename(dockerfile)} runs on runtime:${base.tag}, which has no ASP.NET Core, but ${plan.runtimeReason.replace(/^aspnet: /, '')}: the worker would stop at start. Run Add Dockerfile again, or change FROM …/runtime to …/aspnet.`;
  }
  return undefined;
}
