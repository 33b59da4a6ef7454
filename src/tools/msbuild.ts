import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DotnetModelError, ItemFact, ProjectFacts, ProjectModel } from '../core/dotnetModel';
import { TOOLS, ToolPaths, toolFile } from './catalog';
import { ToolExitError, ToolNotFoundError } from './errors';
import { LineSink, runTool } from './process';

/**
 * Asks MSBuild what a project is. One `dotnet msbuild` process evaluates the project and, through
 * MSBuild's own ProjectReference protocol (target-framework negotiation included), every project it
 * references: two small target files are hooked in with CustomAfterMicrosoftCommon(CrossTargeting)Targets,
 * and `-getTargetResult` prints what they return as JSON. Nothing is built or restored.
 */

const FACT_PROPERTIES = {
  TargetFramework: '$(TargetFramework)',
  TargetFrameworks: '$(TargetFrameworks)',
  AssemblyName: '$(AssemblyName)',
  TargetFileName: '$(TargetFileName)',
  OutputType: '$(OutputType)',
  Language: '$(Language)',
  SdkWeb: '$(UsingMicrosoftNETSdkWeb)',
  SdkWorker: '$(UsingMicrosoftNETSdkWorker)',
  SdkRazor: '$(UsingMicrosoftNETSdkRazor)',
  SdkNet: '$(UsingMicrosoftNETSdk)',
  ProjectAssetsFile: '$(ProjectAssetsFile)',
  DirectoryBuildPropsPath: '$(DirectoryBuildPropsPath)',
  DirectoryBuildTargetsPath: '$(DirectoryBuildTargetsPath)',
  DirectoryPackagesPropsPath: '$(DirectoryPackagesPropsPath)',
  ManagePackageVersionsCentrally: '$(ManagePackageVersionsCentrally)',
  SdkVersion: '$(NETCoreSdkVersion)',
};

const attrs = (o: Record<string, string>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');

// FullPath is taken here, in the project's own folder: in the printed result it would be resolved
// against the current directory.
const ITEM_FACTS = ['FrameworkReference', 'PackageReference', 'ProjectReference']
  .map(
    (kind) =>
      `      <_AksWorkerFact Include="@(${kind})" Kind="${kind}" Owner="$(MSBuildProjectFullPath)" OwnerTargetFramework="$(TargetFramework)" DefinedIn="%(${kind}.DefiningProjectFullPath)"${kind === 'ProjectReference' ? ` ReferenceFullPath="%(${kind}.FullPath)"` : ''} />`,
  )
  .join('\n');

/** Imported after Microsoft.Common.targets: a project evaluated for one framework. */
const INNER_TARGETS = `<Project>
  <!-- AKS Worker Deploy: describes this project and, through the ProjectReference protocol, the projects it references. -->
  <Target Name="_AksWorkerReferenceItems">
    <ItemGroup>
      <ProjectReferenceWithConfiguration Include="@(ProjectReference)" Condition="'@(ProjectReferenceWithConfiguration)' == ''" />
    </ItemGroup>
  </Target>
  <Target Name="_AksWorkerDescribe" Returns="@(_AksWorkerFact)"
          DependsOnTargets="_AksWorkerReferenceItems;_SplitProjectReferencesByFileExistence;_GetProjectReferenceTargetFrameworkProperties">
    <MSBuild Projects="@(_MSBuildProjectReferenceExistent)" Targets="_AksWorkerDescribe" BuildInParallel="true" SkipNonexistentTargets="true"
             Properties="%(_MSBuildProjectReferenceExistent.SetConfiguration); %(_MSBuildProjectReferenceExistent.SetPlatform); %(_MSBuildProjectReferenceExistent.SetTargetFramework)"
             RemoveProperties="%(_MSBuildProjectReferenceExistent.GlobalPropertiesToRemove)"
             Condition="'@(_MSBuildProjectReferenceExistent)' != ''">
      <Output TaskParameter="TargetOutputs" ItemName="_AksWorkerFact" />
    </MSBuild>
    <ItemGroup>
      <_AksWorkerFact Include="$(MSBuildProjectFullPath)" Kind="Project" ${attrs(FACT_PROPERTIES)} />
${ITEM_FACTS}
      <_AksWorkerFact>
        <RootTargetFramework>$(TargetFramework)</RootTargetFramework>
      </_AksWorkerFact>
    </ItemGroup>
  </Target>
</Project>
`;

/** Imported after Microsoft.Common.CrossTargeting.targets: a multi-targeting project's outer evaluation. */
const OUTER_TARGETS = `<Project>
  <!-- AKS Worker Deploy: describes each target framework of this project. -->
  <Target Name="_AksWorkerDescribe" Returns="@(_AksWorkerFact)" DependsOnTargets="_ComputeTargetFrameworkItems">
    <MSBuild Projects="@(_InnerBuildProjects)" Targets="_AksWorkerDescribe" BuildInParallel="true">
      <Output TaskParameter="TargetOutputs" ItemName="_AksWorkerFact" />
    </MSBuild>
    <ItemGroup>
      <_AksWorkerFact Include="$(MSBuildProjectFullPath)" Kind="Project" Outer="true" RootTargetFramework="" ${attrs(FACT_PROPERTIES)} />
    </ItemGroup>
  </Target>
</Project>
`;

let targetsDir: Promise<string> | undefined;

/** The two target files, written once per content into the temp folder. */
function writeTargets(): Promise<string> {
  if (!targetsDir) {
    targetsDir = (async () => {
      const hash = createHash('sha256').update(INNER_TARGETS).update(OUTER_TARGETS).digest('hex').slice(0, 12);
      const dir = join(tmpdir(), `aks-worker-msbuild-${hash}`);
      await mkdir(dir, { recursive: true });
      for (const [name, text] of [['inner.targets', INNER_TARGETS], ['outer.targets', OUTER_TARGETS]] as const) {
        const file = join(dir, name);
        const current = await readFile(file, 'utf8').catch(() => undefined);
        if (current !== text) await writeFile(file, text);
      }
      return dir;
    })();
    targetsDir.catch(() => (targetsDir = undefined));
  }
  return targetsDir;
}

export interface MsbuildOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  sink?: LineSink;
  /** The configuration the Dockerfile builds. Default Release. */
  configuration?: string;
  timeoutMs?: number;
}

/** MSBuild could not be asked (no SDK, an SDK older than 8, global.json naming a missing SDK). */
export class MsbuildUnavailableError extends Error {
  constructor(message: string, readonly reason: 'not-found' | 'too-old' | 'sdk-missing') {
    super(message);
    this.name = 'MsbuildUnavailableError';
  }
}

interface RawItem extends Record<string, string> {
  Identity: string;
  Kind: string;
}

/** `file(line,col): error CODE: message` → parts, for file:line:col messages. */
export function parseMsbuildError(text: string): { file?: string; line?: number; column?: number; message: string } | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const errorLine = lines.find((l) => /:\s*error\s*[A-Z]*\d*\s*:/.test(l)) ?? lines.find((l) => /error/i.test(l));
  if (!errorLine) return undefined;
  const m = /^(.*?)(?:\((\d+)(?:,(\d+))?(?:,\d+,\d+)?\))?\s*:\s*error\s*([A-Z]+\d+)?\s*:\s*(.*?)(?:\s+\[[^\]]+\])?$/.exec(errorLine);
  if (!m) return { message: errorLine };
  return { file: m[1] || undefined, line: m[2] ? Number(m[2]) : undefined, column: m[3] ? Number(m[3]) : undefined, message: `${m[4] ? `${m[4]}: ` : ''}${m[5]}` };
}

const toBool = (s: string | undefined) => (s ?? '').trim().toLowerCase() === 'true';
const list = (s: string | undefined) =>
  (s ?? '')
    .split(';')
    .map((x) => x.trim())
    .filter(Boolean);

function sdksOf(i: RawItem): string[] {
  const out: string[] = [];
  if (toBool(i.SdkWeb)) out.push('Microsoft.NET.Sdk.Web');
  if (toBool(i.SdkWorker)) out.push('Microsoft.NET.Sdk.Worker');
  if (toBool(i.SdkRazor)) out.push('Microsoft.NET.Sdk.Razor');
  if (out.length === 0 && toBool(i.SdkNet)) out.push('Microsoft.NET.Sdk');
  return out;
}

/** Turns the JSON that `-getTargetResult:_AksWorkerDescribe` prints into a model. */
export function modelFromTargetResult(root: string, json: unknown): ProjectModel {
  const result = (json as { TargetResults?: Record<string, { Result?: string; Items?: RawItem[] }> })?.TargetResults?._AksWorkerDescribe;
  if (!result || result.Result !== 'Success' || !Array.isArray(result.Items)) {
    throw new DotnetModelError(`MSBuild did not describe ${root} (result: ${result?.Result ?? 'none'}).`, 'msbuild', root);
  }
  const items = result.Items;
  // One evaluation = project path + its TargetFramework; the chain it belongs to = RootTargetFramework.
  const facts = new Map<string, ProjectFacts>();
  const key = (path: string, tfm: string, rootTfm: string) => `${rootTfm}\u0000${path}\u0000${tfm}`;
  let outer: ProjectFacts | undefined;
  let sdkVersion: string | undefined;
  const rootTfms = new Set<string>();
  for (const i of items.filter((x) => x.Kind === 'Project')) {
    const f: ProjectFacts = {
      path: i.Identity,
      targetFramework: i.TargetFramework ?? '',
      targetFrameworks: list(i.TargetFrameworks).length ? list(i.TargetFrameworks) : list(i.TargetFramework),
      assemblyName: i.AssemblyName ?? '',
      targetFileName: i.TargetFileName || `${i.AssemblyName}.dll`,
      outputType: i.OutputType ?? '',
      language: i.Language ?? '',
      sdks: sdksOf(i),
      frameworkReferences: [],
      packageReferences: [],
      projectReferences: [],
      assetsFile: i.ProjectAssetsFile || undefined,
      centralPackageManagement: toBool(i.ManagePackageVersionsCentrally),
      importedDirectoryFiles: [i.DirectoryBuildPropsPath, i.DirectoryPackagesPropsPath, i.DirectoryBuildTargetsPath].filter((p): p is string => !!p),
    };
    sdkVersion ??= i.SdkVersion || undefined;
    if (i.Outer === 'true') {
      if (i.Identity === root || !outer) outer = f;
      continue;
    }
    if (i.Identity === root) rootTfms.add(i.RootTargetFramework ?? f.targetFramework);
    facts.set(key(f.path, f.targetFramework, i.RootTargetFramework ?? ''), f);
  }
  for (const i of items.filter((x) => x.Kind !== 'Project')) {
    // Item facts carry the owner's TargetFramework through RootTargetFramework only; find the owner's
    // evaluation in the same chain.
    const owner = [...facts.entries()].find(([k, f]) => f.path === i.Owner && k.startsWith(`${i.RootTargetFramework ?? ''}\u0000`) && ownerMatches(f, i))?.[1];
    if (!owner) continue;
    const item: ItemFact = { name: i.Identity, definedIn: i.DefinedIn ?? '', implicit: toBool(i.IsImplicitlyDefined) || undefined };
    if (i.Kind === 'FrameworkReference') pushUnique(owner.frameworkReferences, item);
    else if (i.Kind === 'PackageReference') pushUnique(owner.packageReferences, { ...item, version: i.Version || i.VersionOverride || undefined });
    else if (i.Kind === 'ProjectReference') pushUnique(owner.projectReferences, { ...item, fullPath: i.ReferenceFullPath || i.FullPath || i.Identity });
  }
  const closures: Record<string, ProjectFacts[]> = {};
  for (const tfm of rootTfms) {
    const chain = [...facts.entries()].filter(([k]) => k.startsWith(`${tfm}\u0000`)).map(([, f]) => f);
    chain.sort((a, b) => (a.path === root ? -1 : b.path === root ? 1 : 0));
    // A project referenced at two frameworks in one chain keeps its first evaluation.
    const seen = new Set<string>();
    closures[tfm] = chain.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
  }
  if (!outer) {
    const only = Object.values(closures)[0]?.[0];
    if (!only) throw new DotnetModelError(`MSBuild returned no evaluation of ${root}.`, 'msbuild', root);
    outer = { ...only, targetFrameworks: only.targetFrameworks.length ? only.targetFrameworks : [only.targetFramework] };
  }
  return { source: 'msbuild', sdkVersion, root, outer, closures, guesses: [], warnings: [] };
}

/** An item fact belongs to the evaluation of its owner whose framework the MSBuild call returned it from. */
function ownerMatches(f: ProjectFacts, i: RawItem): boolean {
  return i.OwnerTargetFramework === undefined || i.OwnerTargetFramework === f.targetFramework;
}

function pushUnique<T extends ItemFact>(list: T[], item: T): void {
  if (!list.some((x) => x.name.toLowerCase() === item.name.toLowerCase())) list.push(item);
}

/**
 * Evaluates `project` and its reference closure with `dotnet msbuild`. Throws MsbuildUnavailableError
 * when there is no usable SDK (the caller then falls back to the static reader), DotnetModelError
 * with file:line:col when MSBuild refuses the project.
 */
export async function evaluateWithMsbuild(project: string, o: MsbuildOptions = {}): Promise<ProjectModel> {
  const dir = await writeTargets();
  const file = toolFile('dotnet', o.paths);
  const args = [
    'msbuild',
    project,
    '-nologo',
    '-nodeReuse:false',
    `-p:Configuration=${o.configuration ?? 'Release'}`,
    `-p:CustomAfterMicrosoftCommonTargets=${join(dir, 'inner.targets')}`,
    `-p:CustomAfterMicrosoftCommonCrossTargetingTargets=${join(dir, 'outer.targets')}`,
    '-getTargetResult:_AksWorkerDescribe',
  ];
  let stdout: string;
  try {
    const r = await runTool(TOOLS.dotnet, file, args, {
      // From the project's folder, so the SDK its global.json asks for is the one that evaluates it.
      cwd: dirname(project),
      env: { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1', DOTNET_CLI_UI_LANGUAGE: 'en', MSBUILDDISABLENODEREUSE: '1', ...o.env },
      signal: o.signal,
      sink: o.sink,
      logStdout: false,
      timeoutMs: o.timeoutMs ?? 180_000,
    });
    stdout = r.stdout;
  } catch (err) {
    if (err instanceof ToolNotFoundError) throw new MsbuildUnavailableError(`the .NET SDK (dotnet) was not found${file === 'dotnet' ? ' on PATH' : ` at ${file}`}`, 'not-found');
    if (err instanceof ToolExitError) throw explainFailure(project, err);
    throw err;
  }
  const start = stdout.indexOf('{');
  let json: unknown;
  try {
    json = JSON.parse(stdout.slice(start));
  } catch {
    throw new DotnetModelError(`MSBuild's answer for ${project} could not be read: ${stdout.trim().slice(0, 300)}`, 'msbuild', project);
  }
  return modelFromTargetResult(project, json);
}

function explainFailure(project: string, err: ToolExitError): Error {
  const text = err.stderrTail;
  if (/MSB1001: Unknown switch|MSB1001/.test(text) && /getTargetResult/i.test(text)) {
    return new MsbuildUnavailableError('the .NET SDK is older than 8 (it cannot print evaluation results)', 'too-old');
  }
  if (/A compatible \.NET SDK was not found|No \.NET SDKs were found|requested SDK version|The command could not be loaded/i.test(text)) {
    const requested = /Requested SDK version:\s*(\S+)/i.exec(text)?.[1];
    const globalJson = /global\.json file:\s*(.+)/i.exec(text)?.[1]?.trim();
    const why = requested
      ? `no installed .NET SDK matches the version ${requested}${globalJson ? ` that ${globalJson} asks for` : ''}`
      : /No \.NET SDKs were found/i.test(text)
        ? 'dotnet has no SDK installed (only a runtime)'
        : 'dotnet found no compatible .NET SDK';
    return new MsbuildUnavailableError(why, 'sdk-missing');
  }
  const e = parseMsbuildError(text);
  if (e) {
    const where = e.file ? `${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}: ` : '';
    return new DotnetModelError(`${where}${e.message}`, 'bad-project', e.file ?? project, e.line, e.column);
  }
  return new DotnetModelError(`MSBuild could not evaluate ${project}: ${text.trim().split('\n').slice(-3).join(' ')}`, 'msbuild', project);
}
