import { access, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { defaultHealthPort, generateDockerfile, generateDockerignore } from '../core/dockerfile';
import { CsprojInfo, dotnetImageTag, parseCsproj } from '../core/dotnet';
import { writeFileAtomic } from './files';

/** Bad input for the Dockerfile step: the message says what to do. */
export class ProjectError extends Error {
  constructor(message: string, readonly code: 'no-project' | 'several-projects' | 'bad-project' | 'framework' | 'exists') {
    super(message);
    this.name = 'ProjectError';
  }
}

const SKIP = new Set(['bin', 'obj', 'node_modules', '.git', '.vs', '.vscode']);
const posix = (p: string) => p.split(sep).join('/');

/** .csproj files in a folder: the folder itself first; if none, its subfolders (skipping bin/obj). */
export async function findProjects(dir: string, maxDepth = 4): Promise<string[]> {
  const here = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.csproj')).map((e) => join(dir, e.name));
  if (here.length) return here.sort();
  const found: string[] = [];
  const walk = async (d: string, depth: number) => {
    if (depth > maxDepth) return;
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) await walk(join(d, e.name), depth + 1);
      else if (e.isFile() && e.name.endsWith('.csproj')) found.push(join(d, e.name));
    }
  };
  await walk(dir, 1);
  return found.sort();
}

/** The nearest folder at or above `from` that holds a .sln file, not going above `stopAt`. */
export async function nearestSolutionDir(from: string, stopAt?: string): Promise<string | undefined> {
  let dir = resolve(from);
  const stop = stopAt ? resolve(stopAt) : undefined;
  for (;;) {
    try {
      if ((await readdir(dir)).some((n) => n.endsWith('.sln') || n.endsWith('.slnx'))) return dir;
    } catch {
      /* unreadable: keep going up */
    }
    const parent = dirname(dir);
    if (parent === dir || (stop && (dir === stop || !dir.startsWith(stop)))) return undefined;
    dir = parent;
  }
}

export async function readProject(csproj: string): Promise<CsprojInfo> {
  let text: string;
  try {
    text = await readFile(csproj, 'utf8');
  } catch (err) {
    throw new ProjectError(`Cannot read ${csproj}: ${(err as Error).message}`, 'bad-project');
  }
  return parseCsproj(text, csproj);
}

/** Every project the project references, transitively, as absolute paths (the project itself excluded). */
export async function referencedProjects(csproj: string, info: CsprojInfo): Promise<string[]> {
  const seen = new Set<string>([resolve(csproj)]);
  const queue = info.projectReferences.map((r) => resolve(dirname(csproj), r));
  const out: string[] = [];
  while (queue.length) {
    const p = queue.shift() as string;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    try {
      const child = await readProject(p);
      queue.push(...child.projectReferences.map((r) => resolve(dirname(p), r)));
    } catch {
      /* a missing referenced project fails dotnet restore with its own message */
    }
  }
  return out;
}

export interface DockerfilePlan {
  csproj: string;
  info: CsprojInfo;
  targetFramework: string;
  runtimeImage: 'aspnet' | 'runtime';
  /** Why that runtime image. */
  runtimeReason: string;
  healthPort: number;
  /** Absolute paths. */
  context: string;
  dockerfile: string;
  dockerignore: string;
  dockerfileText: string;
  dockerignoreText: string;
}

export interface PlanOptions {
  /** Needed when the project targets several frameworks. */
  framework?: string;
  healthPort?: number;
  /** Do not look for a solution above this folder (the workspace folder). */
  stopAt?: string;
}

/** Everything Add Dockerfile will write for a project, computed without writing anything. */
export async function planDockerfile(csproj: string, options: PlanOptions = {}): Promise<DockerfilePlan> {
  const info = await readProject(csproj);
  let tfm = options.framework;
  if (tfm && !info.targetFrameworks.includes(tfm)) {
    throw new ProjectError(`${tfm} is not among the project's target frameworks (${info.targetFrameworks.join(', ')}).`, 'framework');
  }
  if (!tfm) {
    if (info.targetFrameworks.length > 1) {
      throw new ProjectError(`The project targets several frameworks (${info.targetFrameworks.join(', ')}): choose the one to run in the container.`, 'framework');
    }
    tfm = info.targetFrameworks[0];
  }
  try {
    dotnetImageTag(tfm);
  } catch (err) {
    throw new ProjectError((err as Error).message, 'framework');
  }
  // Visual Studio's choice: the solution's folder is the build context, else the project's own.
  const context = (await nearestSolutionDir(dirname(csproj), options.stopAt)) ?? dirname(csproj);
  const refs = (await referencedProjects(csproj, info)).filter((p) => !posix(relative(context, p)).startsWith('../'));
  const healthPort = options.healthPort ?? defaultHealthPort(tfm);
  const runtimeImage = info.usesAspNetCore ? 'aspnet' : 'runtime';
  const dockerfileText = generateDockerfile({
    projectPath: posix(relative(context, csproj)),
    referencedProjects: refs.map((p) => posix(relative(context, p))),
    assemblyName: info.assemblyName,
    targetFramework: tfm,
    runtimeImage,
    healthPort,
  });
  return {
    csproj,
    info,
    targetFramework: tfm,
    runtimeImage,
    runtimeReason: info.aspNetCoreReason ?? 'the project does not use ASP.NET Core',
    healthPort,
    context,
    dockerfile: join(dirname(csproj), 'Dockerfile'),
    dockerignore: join(context, '.dockerignore'),
    dockerfileText,
    dockerignoreText: generateDockerignore(),
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

/**
 * Writes the Dockerfile and .dockerignore. Without `force`, nothing is written if either exists
 * (an existing .dockerignore is kept and reported, since the user may have tuned it).
 */
export async function writeDockerfilePlan(plan: DockerfilePlan, options: { force?: boolean; keepDockerignore?: boolean } = {}): Promise<string[]> {
  const present = await existingFiles(plan);
  if (!options.force && present.includes(plan.dockerfile)) {
    throw new ProjectError(`${plan.dockerfile} exists already; nothing was written. Use --force to replace it.`, 'exists');
  }
  const written: string[] = [];
  await writeFileAtomic(plan.dockerfile, plan.dockerfileText);
  written.push(plan.dockerfile);
  const keepIgnore = present.includes(plan.dockerignore) && (options.keepDockerignore || !options.force);
  if (!keepIgnore) {
    await writeFileAtomic(plan.dockerignore, plan.dockerignoreText);
    written.push(plan.dockerignore);
  }
  return written;
}
