#!/usr/bin/env node
/**
 * aks-worker: the headless command over the same core as the extension, for CI/CD pipelines.
 * Exit codes: 0 done, 1 a tool or server failed, 2 bad input (message on stderr, nothing written).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError, parseArgs } from './core/args';
import { CsprojError } from './core/dotnet';
import { ToolPaths } from './tools/catalog';
import { doctor, formatDoctorReport } from './tools/doctor';
import { ProjectError, findProjects, planDockerfile, writeDockerfilePlan } from './tools/dotnetProject';

declare const AKS_WORKER_VERSION: string;
const VERSION = typeof AKS_WORKER_VERSION === 'string' ? AKS_WORKER_VERSION : '0.0.0-dev';

const HELP = `aks-worker ${VERSION}: ship a .NET worker to AKS with docker, helm and kubectl.

Usage:
  aks-worker <command> [options]

Commands:
  doctor            Check that docker (client and engine), helm 3 or 4, kubectl and az
                    are installed, print each one's path and version and what is missing.
                    Exits 0 only when every required tool is found.

  dockerfile <project-dir-or-csproj> [--health-port N] [--framework TFM] [--force]
                    Write a multi-stage Dockerfile for a .NET worker beside its .csproj and
                    a .dockerignore in the build context (the folder of the enclosing .sln,
                    else the project's folder). Prints the paths written. Existing files are
                    kept unless --force.

Options:
  --docker PATH     docker binary to use (default: docker on PATH)
  --helm PATH       helm binary to use (default: helm on PATH)
  --kubectl PATH    kubectl binary to use (default: kubectl on PATH)
  --az PATH         az binary to use (default: az on PATH)
  --json            doctor: print the report as JSON
  --health-port N   dockerfile: port of the worker's health endpoint (default 8080, 80 on .NET 6/7)
  --framework TFM   dockerfile: target framework to containerise when the project has several
  --force           dockerfile: replace an existing Dockerfile and .dockerignore
  -h, --help        Show this help
  --version         Print the version

Exit codes: 0 done, 1 a tool or server failed, 2 bad input.
`;

const TOOL_FLAGS = { docker: { value: true }, helm: { value: true }, kubectl: { value: true }, az: { value: true } };

export async function main(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, { ...TOOL_FLAGS, json: {}, help: {}, version: {}, 'health-port': { value: true }, framework: { value: true }, force: {} });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`aks-worker: ${e.message}\nRun "aks-worker --help" for usage.\n`);
      return 2;
    }
    throw e;
  }
  const { positionals, flags } = parsed;
  if (flags.version) {
    out(`${VERSION}\n`);
    return 0;
  }
  if (flags.help || positionals[0] === '--help' || positionals[0] === 'help') {
    out(HELP);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (!command) {
    err(`aks-worker: no command given.\n\n${HELP}`);
    return 2;
  }
  const paths: ToolPaths = {};
  for (const k of ['docker', 'helm', 'kubectl', 'az'] as const) if (typeof flags[k] === 'string') paths[k] = flags[k] as string;

  switch (command) {
    case 'doctor': {
      if (rest.length) {
        err(`aks-worker: doctor takes no arguments (got "${rest.join(' ')}").\n`);
        return 2;
      }
      const report = await doctor({ paths });
      if (flags.json) out(`${JSON.stringify(report, null, 2)}\n`);
      else out(`${formatDoctorReport(report).join('\n')}\n`);
      return report.ok ? 0 : 1;
    }
    case 'dockerfile':
      return dockerfileCommand(rest, flags, out, err);
    default:
      err(`aks-worker: unknown command "${command}".\nRun "aks-worker --help" for the list of commands.\n`);
      return 2;
  }
}

async function dockerfileCommand(rest: string[], flags: Record<string, string | boolean>, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = (message: string) => {
    err(`aks-worker dockerfile: ${message}\n`);
    return 2;
  };
  if (rest.length !== 1) return bad('give one project folder or .csproj file, e.g. "aks-worker dockerfile src/MyWorker".');
  let healthPort: number | undefined;
  if (flags['health-port'] !== undefined) {
    healthPort = Number(flags['health-port']);
    if (!Number.isInteger(healthPort) || healthPort < 1 || healthPort > 65535) return bad(`--health-port must be a whole number from 1 to 65535 (got "${String(flags['health-port'])}").`);
  }
  const target = resolve(rest[0]);
  let csproj: string;
  try {
    const s = await stat(target);
    if (s.isDirectory()) {
      const found = await findProjects(target);
      if (found.length === 0) return bad(`no .csproj file in ${target}.`);
      if (found.length > 1) return bad(`several projects in ${target}; name one:\n${found.map((f) => `  ${f}`).join('\n')}`);
      csproj = found[0];
    } else if (target.endsWith('.csproj')) {
      csproj = target;
    } else {
      return bad(`${target} is neither a folder nor a .csproj file.`);
    }
  } catch {
    return bad(`${target} does not exist.`);
  }
  try {
    const plan = await planDockerfile(csproj, { framework: typeof flags.framework === 'string' ? flags.framework : undefined, healthPort });
    const written = await writeDockerfilePlan(plan, { force: flags.force === true });
    for (const p of written) out(`${p}\n`);
    if (!written.includes(plan.dockerignore)) err(`kept the existing ${plan.dockerignore}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ProjectError || e instanceof CsprojError) return bad(e.message);
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`aks-worker: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
