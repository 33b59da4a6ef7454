/** aks-worker health add: a health endpoint for a worker that has none. */
import { stat } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { DotnetModelError } from '../core/dotnetModel';
import { ToolPaths } from '../tools/catalog';
import { PROJECT_FILE, ProjectError, findProjects } from '../tools/dotnetProject';
import { ReadOnlyFileError } from '../tools/files';
import { ToolError } from '../tools/errors';
import { HealthEndpointError, HealthEndpointExistsError, addHealthEndpoint, applyHealthPlan, beatAdvice, planDiff } from '../tools/healthEndpoint';
import { badInput } from './common';

/** The project a folder or file names; a string is the message for bad input. */
export async function resolveProject(arg: string): Promise<string | { bad: string }> {
  const target = resolve(arg);
  try {
    const s = await stat(target);
    if (s.isDirectory()) {
      const found = await findProjects(target);
      if (found.length === 0) return { bad: `no .csproj file in ${target}.` };
      if (found.length > 1) return { bad: `several projects in ${target}; name one:\n${found.map((f) => `  ${f}`).join('\n')}` };
      return found[0];
    }
    if (PROJECT_FILE.test(target)) return target;
    return { bad: `${target} is neither a folder nor a .csproj file.` };
  } catch {
    return { bad: `${target} does not exist.` };
  }
}

export async function healthCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'health');
  if (rest[0] !== 'add') return bad(rest[0] ? `unknown subcommand "${rest[0]}": use "aks-worker health add <project>".` : 'give a subcommand: "aks-worker health add <project>".');
  if (rest.length !== 2) return bad('give one project folder or .csproj file, e.g. "aks-worker health add src/MyWorker".');
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return bad(`--port must be a whole number from 1 to 65535 (got "${String(flags.port)}").`);
  }
  if (flags.path !== undefined && typeof flags.path !== 'string') return bad('--path needs the endpoint path, e.g. --path /healthz.');
  let thresholdSeconds: number | undefined;
  if (flags.threshold !== undefined) {
    thresholdSeconds = Number(flags.threshold);
    if (!Number.isInteger(thresholdSeconds) || thresholdSeconds < 1 || thresholdSeconds > 86400) return bad(`--threshold must be a whole number of seconds from 1 to 86400 (got "${String(flags.threshold)}").`);
  }
  if (flags.framework !== undefined && typeof flags.framework !== 'string') return bad('--framework needs a target framework, e.g. --framework net8.0.');
  const project = await resolveProject(rest[1]);
  if (typeof project !== 'string') return bad(project.bad);
  const rel = (f: string) => relative(process.cwd(), f) || f;
  try {
    const plan = await addHealthEndpoint(project, {
      port,
      path: flags.path as string | undefined,
      thresholdSeconds,
      framework: flags.framework as string | undefined,
      force: flags.force === true,
      noMsbuild: flags['no-msbuild'] === true,
      paths,
    });
    const dry = flags['dry-run'] === true;
    if (!dry) await applyHealthPlan(plan);
    if (flags.json) {
      out(
        `${JSON.stringify(
          {
            written: dry ? [] : plan.edits.map((e) => e.file),
            dryRun: dry,
            project: plan.project,
            variant: plan.variant,
            variantReason: plan.variantReason,
            targetFramework: plan.targetFramework,
            port: plan.port,
            path: plan.path,
            thresholdSeconds: plan.thresholdSeconds,
            healthFile: plan.healthFile,
            edits: plan.edits.map((e) => ({ file: e.file, created: e.before === undefined, why: e.why })),
            registration: plan.registration,
            mapping: plan.mapping,
            beatHint: plan.beatHint,
            packageVersion: plan.packageVersion,
            centralPackagesFile: plan.centralPackagesFile,
            evaluatedBy: plan.evaluatedBy,
            warnings: plan.warnings,
            ...(dry ? { diff: planDiff(plan) } : {}),
          },
          null,
          2,
        )}\n`,
      );
    } else if (dry) {
      out(planDiff(plan, process.cwd()));
    } else {
      for (const e of plan.edits) out(`${rel(e.file)}\n`);
    }
    const kind = plan.variant === 'aspnet' ? 'ASP.NET Core endpoint' : plan.variant === 'listener' ? 'HttpListener endpoint' : "endpoint on the WebApplication's own port";
    err(`${kind}${plan.variant === 'webapp' ? ` (${plan.port} in the .NET 8+ images)` : ` on port ${plan.port}`}, path ${plan.path} (${plan.targetFramework}): ${plan.variantReason}\n`);
    if (dry) err('dry run: nothing was written.\n');
    for (const e of plan.edits) err(`${dry ? 'would ' : ''}${e.before === undefined ? 'create' : 'change'} ${rel(e.file)}: ${e.why}\n`);
    if ('manual' in plan.registration) err(`register it by hand${plan.registration.file ? ` in ${rel(plan.registration.file)}` : ''}: ${plan.registration.manual}\n`);
    else if (!plan.edits.some((e) => e.file === (plan.registration as { file: string }).file)) err(`${rel(plan.registration.file)}:${plan.registration.line} registers it already: ${plan.registration.text}\n`);
    if (plan.mapping && 'manual' in plan.mapping) err(`map it by hand${plan.mapping.file ? ` in ${rel(plan.mapping.file)}` : ''}: ${plan.mapping.manual}\n`);
    for (const w of plan.warnings) err(`warning: ${w}\n`);
    err(`next: ${beatAdvice(plan, rel)}\n`);
    err(`then: build the image and run preflight, e.g. "aks-worker preflight ${relative(process.cwd(), dirname(plan.project)) || '.'}".\n`);
    return 0;
  } catch (e) {
    if (e instanceof HealthEndpointExistsError) {
      err(`aks-worker health: ${e.message}\n`);
      if (!/Add Health Endpoint already/.test(e.message)) err('Nothing was written. Use --force to add ours all the same.\n');
      return 2;
    }
    if (e instanceof HealthEndpointError || e instanceof ProjectError || e instanceof ReadOnlyFileError) return bad(e.message);
    if (e instanceof DotnetModelError) {
      if (e.code === 'msbuild') {
        err(`aks-worker health: ${e.message}\n`);
        return 1;
      }
      return bad(e.message);
    }
    if (e instanceof ToolError) {
      err(`aks-worker health: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
