/**
 * A .NET project as the Dockerfile step needs it: what MSBuild evaluated (or, without an SDK, what a
 * static reading of the files guessed), the reference closure for one target framework, and the
 * runtime image that closure needs. Pure: the evaluation itself lives in src/tools.
 */

/** One evaluation of one project: the outer one (no TargetFramework) or an inner one for a framework. */
export interface ProjectFacts {
  /** Absolute path of the project file. */
  path: string;
  /** The framework this evaluation is for; '' for the outer evaluation of a multi-targeting project. */
  targetFramework: string;
  /** TargetFrameworks (several) or the single TargetFramework. */
  targetFrameworks: string[];
  assemblyName: string;
  /** The file the build writes, e.g. "Worker.Host.dll". */
  targetFileName: string;
  outputType: string;
  /** "C#", "F#" or "VB". */
  language: string;
  /** The SDKs the project uses, e.g. ["Microsoft.NET.Sdk.Worker"]. */
  sdks: string[];
  frameworkReferences: ItemFact[];
  packageReferences: Array<ItemFact & { version?: string }>;
  projectReferences: Array<ItemFact & { /** Absolute path. */ fullPath: string }>;
  /** obj/project.assets.json as MSBuild names it (it may not exist yet). */
  assetsFile?: string;
  centralPackageManagement: boolean;
  /** Directory.Build.props / .targets and Directory.Packages.props that this project imports. */
  importedDirectoryFiles: string[];
}

export interface ItemFact {
  /** The item as evaluated, e.g. "Microsoft.AspNetCore.App" or "../Lib/Lib.csproj". */
  name: string;
  /** The file that defines the item (the project, a Directory.Build.props, an SDK file). */
  definedIn: string;
  /** Added by an SDK, not written by the user. */
  implicit?: boolean;
}

/** Everything known about a project and the projects it references. */
export interface ProjectModel {
  /** Where the facts come from: MSBuild's evaluation, or the static reader's guess. */
  source: 'msbuild' | 'static';
  /** The SDK that evaluated it (msbuild), e.g. "10.0.401". */
  sdkVersion?: string;
  root: string;
  /** The root project's outer facts (its target frameworks). */
  outer: ProjectFacts;
  /** Inner facts per root target framework: the root first, then every project it references. */
  closures: Record<string, ProjectFacts[]>;
  /** Things the reader could not know and guessed (static reader), each a sentence. */
  guesses: string[];
  /** Things the user should know (conditional target frameworks skipped, …). */
  warnings: string[];
}

export class DotnetModelError extends Error {
  constructor(
    message: string,
    readonly code: 'framework' | 'bad-project' | 'msbuild' | 'reference',
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'DotnetModelError';
  }
}

const ASPNET = /^Microsoft\.AspNetCore\.App$/i;
export const isAspNetFramework = (name: string) => ASPNET.test(name);

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;
export const projectName = (p: string) => baseName(p).replace(/\.(cs|fs|vb)proj$/i, '');

/** The root's target framework to containerise: the one asked for, or its only one. */
export function chooseTargetFramework(model: ProjectModel, asked?: string): string {
  const tfms = model.outer.targetFrameworks;
  if (tfms.length === 0) {
    throw new DotnetModelError(`${baseName(model.root)} sets no TargetFramework or TargetFrameworks${model.source === 'static' ? ' that could be read without MSBuild' : ''}.`, 'framework', model.root);
  }
  if (asked) {
    const hit = tfms.find((t) => t.toLowerCase() === asked.trim().toLowerCase());
    if (!hit) throw new DotnetModelError(`${asked} is not among the project's target frameworks (${tfms.join(', ')}).`, 'framework', model.root);
    return hit;
  }
  if (tfms.length > 1) {
    throw new DotnetModelError(`The project targets several frameworks (${tfms.join(', ')}): choose the one to run in the container (--framework ${tfms[0]}).`, 'framework', model.root);
  }
  return tfms[0];
}

/** The closure of the root for a framework: the root's inner facts first, each project once. */
export function closureFor(model: ProjectModel, tfm: string): ProjectFacts[] {
  const list = model.closures[tfm];
  if (!list || list.length === 0) throw new DotnetModelError(`No evaluation of ${baseName(model.root)} for ${tfm}.`, 'msbuild', model.root);
  return list;
}

/** What project.assets.json says about the packages of one target framework. */
export interface AssetsFacts {
  /** The assets file. */
  file: string;
  /** Packages (name/version) whose nuspec references Microsoft.AspNetCore.App, with the top-level package that brings each in. */
  aspNetPackages: Array<{ name: string; version: string; via?: string }>;
  /** How many packages the target lists. */
  packageCount: number;
}

interface AssetsJson {
  targets?: Record<string, Record<string, { type?: string; dependencies?: Record<string, string>; frameworkReferences?: string[] }>>;
  project?: { frameworks?: Record<string, { targetAlias?: string; dependencies?: Record<string, unknown> }> };
}

/**
 * Reads a project.assets.json (already parsed) for one framework: which packages need ASP.NET Core,
 * and through which of the project's own package references they come.
 */
export function readAssets(file: string, json: unknown, tfm: string): AssetsFacts | undefined {
  const a = json as AssetsJson;
  if (!a || typeof a !== 'object' || !a.targets) return undefined;
  const keys = Object.keys(a.targets);
  // The target key is the framework's NuGet name ("net8.0", ".NETCoreApp,Version=v8.0"), maybe with "/rid".
  const alias = Object.entries(a.project?.frameworks ?? {}).find(([k, v]) => k === tfm || v?.targetAlias === tfm);
  const wanted = [tfm, alias?.[0]].filter(Boolean) as string[];
  const key =
    keys.find((k) => wanted.includes(k)) ??
    keys.find((k) => wanted.some((w) => k.startsWith(`${w}/`))) ??
    keys.find((k) => normalizeFramework(k.split('/')[0]) === normalizeFramework(tfm));
  if (!key) return undefined;
  const libs = a.targets[key];
  const packages = Object.entries(libs).filter(([, v]) => v.type === 'package');
  const needs = packages.filter(([, v]) => (v.frameworkReferences ?? []).some(isAspNetFramework)).map(([k]) => k);
  // Top-level package references of the project, for "via".
  const fw = alias?.[1] ?? a.project?.frameworks?.[tfm];
  const top = Object.keys(fw?.dependencies ?? {});
  const deps = new Map(packages.map(([k, v]) => [k.split('/')[0].toLowerCase(), Object.keys(v.dependencies ?? {}).map((d) => d.toLowerCase())]));
  const reaches = (from: string, target: string): boolean => {
    const seen = new Set<string>();
    const stack = [from.toLowerCase()];
    while (stack.length) {
      const n = stack.pop() as string;
      if (n === target) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(deps.get(n) ?? []));
    }
    return false;
  };
  return {
    file,
    packageCount: packages.length,
    aspNetPackages: needs.map((k) => {
      const [name, version] = k.split('/');
      const direct = top.find((t) => t.toLowerCase() === name.toLowerCase());
      const via = direct ? undefined : top.find((t) => reaches(t, name.toLowerCase()));
      return { name, version, via };
    }),
  };
}

/** "net8.0" and ".NETCoreApp,Version=v8.0" → "netcoreapp8.0" for comparison. */
function normalizeFramework(f: string): string {
  const m = /^\.NETCoreApp,Version=v(\d+\.\d+)$/i.exec(f);
  if (m) return `net${m[1]}`;
  return f.toLowerCase();
}

export interface BaseDecision {
  image: 'aspnet' | 'runtime';
  /** One sentence: "aspnet: ServiceDefaults references Microsoft.AspNetCore.App". */
  reason: string;
  /** True when the decision rests on a guess (packages not restored, static reader). */
  guessed: boolean;
  /** Every finding, for a detailed view. */
  findings: string[];
}

/** Packages whose name says ASP.NET Core when nothing was restored (a guess, and said to be one). */
const ASPNET_PACKAGE_NAME = /(^|\.)AspNetCore(\.|$)/i;

/**
 * aspnet or runtime, decided over the whole closure: the Web SDK or a Microsoft.AspNetCore.App
 * framework reference in any project, or a package that brings that framework in (from the restore
 * output when there is one, else guessed from package names).
 */
export function decideBaseImage(closure: ProjectFacts[], assets: Array<AssetsFacts | undefined>, override?: 'aspnet' | 'runtime'): BaseDecision {
  const findings: string[] = [];
  for (const p of closure) {
    const name = projectName(p.path);
    const fw = p.frameworkReferences.find((f) => isAspNetFramework(f.name));
    if (!fw) continue;
    const web = p.sdks.some((s) => /^Microsoft\.NET\.Sdk\.Web$/i.test(s));
    const where = !fw.implicit && fw.definedIn && baseName(fw.definedIn) !== baseName(p.path) ? ` (in ${baseName(fw.definedIn)})` : '';
    findings.push(web && fw.implicit ? `${name} uses Microsoft.NET.Sdk.Web` : `${name} references Microsoft.AspNetCore.App${where}`);
  }
  let guessed = false;
  const restored = assets.filter((a): a is AssetsFacts => !!a);
  for (const a of restored) {
    for (const pkg of a.aspNetPackages) {
      const line = `package ${pkg.name} ${pkg.version}${pkg.via ? ` (through ${pkg.via})` : ''} needs Microsoft.AspNetCore.App`;
      if (!findings.includes(line)) findings.push(line);
    }
  }
  if (restored.length === 0) {
    for (const p of closure) {
      for (const pkg of p.packageReferences) {
        if (ASPNET_PACKAGE_NAME.test(pkg.name) && !/^Microsoft\.AspNetCore\.App$/i.test(pkg.name)) {
          findings.push(`package ${pkg.name} (in ${projectName(p.path)}) looks like it needs Microsoft.AspNetCore.App — guessed from its name, as the project is not restored`);
          guessed = true;
        }
      }
    }
  }
  const needs = findings.length > 0;
  if (override) {
    const against = override === 'runtime' && needs ? `, although ${findings[0]}` : override === 'aspnet' && !needs ? ', although nothing in the project needs ASP.NET Core' : '';
    return { image: override, reason: `${override}: chosen with --base${against}`, guessed: false, findings };
  }
  if (needs) return { image: 'aspnet', reason: `aspnet: ${findings[0]}`, guessed, findings };
  const checked =
    restored.length > 0
      ? `its ${restored.reduce((n, a) => n + a.packageCount, 0)} restored packages checked`
      : 'packages checked by name only, as the project is not restored (run dotnet restore for a definite answer)';
  const count = closure.length === 1 ? 'the project does not use ASP.NET Core' : `none of the ${closure.length} projects uses ASP.NET Core`;
  return { image: 'runtime', reason: `runtime: ${count}; ${checked}`, guessed: restored.length === 0 && closure.some((p) => p.packageReferences.length > 0), findings };
}
