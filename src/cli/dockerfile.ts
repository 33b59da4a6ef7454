/** aks-worker dockerfile: a Dockerfile and .dockerignore for a .NET worker project. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DotnetModelError } from '../core/dotnetModel';
import { ToolPaths } from '../tools/catalog';
import { PROJECT_FILE, ProjectError, findProjects, planDockerfile, writeDockerfilePlan } from '../tools/dotnetProject';
import { ReadOnlyFileError } from '../tools/files';
import { ToolError } from '../tools/errors';
import { badInput, healthPortFlag } from './common';

export async function dockerfileCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'dockerfile');
  if (rest.length !== 1) return bad('give one project folder or project file, e.g. "aks-worker dockerfile src/MyWorker".');
  const healthPort = healthPortFlag(flags);
  if (typeof healthPort === 'string') return bad(healthPort);
  if (flags.base !== undefined && flags.base !== 'aspnet' && flags.base !== 'runtime') return bad(`--base must be aspnet or runtime (got "${String(flags.base)}").`);
  if (flags.framework !== undefined && typeof flags.framework !== 'string') return bad('--framework needs a target framework, e.g. --framework net8.0.');
  let context: string | undefined;
  if (flags.context !== undefined) {
    if (typeof flags.context !== 'string') return bad('--context needs a folder.');
    context = resolve(flags.context);
    if (!(await stat(context).then((s) => s.isDirectory(), () => false))) return bad(`--context ${flags.context}: no such folder.`);
  }
  const target = resolve(rest[0]);
  let project: string;
  try {
    const s = await stat(target);
    if (s.isDirectory()) {
      const found = await findProjects(target);
      if (found.length === 0) return bad(`no .csproj, .fsproj or .vbproj file in ${target}.`);
      if (found.length > 1) return bad(`several projects in ${target}; name one:\n${found.map((f) => `  ${f}`).join('\n')}`);
      project = found[0];
    } else if (PROJECT_FILE.test(target)) {
      project = target;
    } else {
      return bad(`${target} is neither a folder nor a .csproj, .fsproj or .vbproj file.`);
    }
  } catch {
    return bad(`${target} does not exist.`);
  }
  try {
    const plan = await planDockerfile(project, {
      framework: flags.framework as string | undefined,
      healthPort,
      base: flags.base as 'aspnet' | 'runtime' | undefined,
      context,
      paths,
      evaluation: flags['no-msbuild'] ? 'static' : 'auto',
    });
    const result = await writeDockerfilePlan(plan, { force: flags.force === true });
    const source = plan.model.source === 'msbuild' ? `MSBuild (.NET SDK ${plan.model.sdkVersion ?? '?'})` : 'reading the files without MSBuild';
    const tag = plan.targetFramework.replace(/^net/, '');
    if (flags.json) {
      out(
        `${JSON.stringify(
          {
            written: result.written,
            dockerfile: plan.dockerfile,
            dockerignore: { path: plan.dockerignore, result: result.dockerignore },
            context: plan.context,
            targetFramework: plan.targetFramework,
            base: plan.runtimeImage,
            image: `mcr.microsoft.com/dotnet/${plan.runtimeImage}:${tag}`,
            reason: plan.runtimeReason,
            findings: plan.decision.findings,
            evaluatedBy: plan.model.source,
            sdkVersion: plan.model.sdkVersion,
            assemblyName: plan.project.assemblyName,
            entryPoint: plan.project.targetFileName,
            projects: plan.closure.map((p) => p.path),
            restoreFiles: plan.restoreFiles,
            healthPort: plan.healthPort,
            warnings: plan.warnings,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      for (const p of result.written) out(`${p}\n`);
    }
    err(`${plan.runtimeImage}:${tag} for ${plan.targetFramework}: ${plan.runtimeReason.replace(/^(aspnet|runtime): /, '')}\n`);
    err(`evaluated by ${source}: ${plan.closure.length} project${plan.closure.length === 1 ? '' : 's'}; build context ${plan.context}\n`);
    if (result.dockerignore === 'kept') err(`kept the existing ${plan.dockerignore}\n`);
    if (result.dockerignore === 'merged') err(`added the lines it lacked to the existing ${plan.dockerignore}\n`);
    for (const w of plan.warnings) err(`warning: ${w}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ProjectError || e instanceof ReadOnlyFileError) return bad(e.message);
    if (e instanceof DotnetModelError) {
      if (e.code === 'msbuild') {
        err(`aks-worker dockerfile: ${e.message}\n`);
        return 1;
      }
      return bad(e.message);
    }
    if (e instanceof ToolError) {
      err(`aks-worker dockerfile: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
