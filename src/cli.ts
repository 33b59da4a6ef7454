#!/usr/bin/env node
/**
 * aks-worker: the headless command over the same core as the extension, for CI/CD pipelines.
 * Exit codes: 0 done, 1 a tool or server failed, 2 bad input (message on stderr, nothing written).
 */
import { UsageError, parseArgs } from './core/args';
import { ToolPaths } from './tools/catalog';
import { doctor, formatDoctorReport } from './tools/doctor';

declare const AKS_WORKER_VERSION: string;
const VERSION = typeof AKS_WORKER_VERSION === 'string' ? AKS_WORKER_VERSION : '0.0.0-dev';

const HELP = `aks-worker ${VERSION}: ship a .NET worker to AKS with docker, helm and kubectl.

Usage:
  aks-worker <command> [options]

Commands:
  doctor            Check that docker (client and engine), helm 3 or 4, kubectl and az
                    are installed, print each one's path and version and what is missing.
                    Exits 0 only when every required tool is found.

Options:
  --docker PATH     docker binary to use (default: docker on PATH)
  --helm PATH       helm binary to use (default: helm on PATH)
  --kubectl PATH    kubectl binary to use (default: kubectl on PATH)
  --az PATH         az binary to use (default: az on PATH)
  --json            doctor: print the report as JSON
  -h, --help        Show this help
  --version         Print the version

Exit codes: 0 done, 1 a tool or server failed, 2 bad input.
`;

const TOOL_FLAGS = { docker: { value: true }, helm: { value: true }, kubectl: { value: true }, az: { value: true } };

export async function main(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, { ...TOOL_FLAGS, json: {}, help: {}, version: {} });
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
    default:
      err(`aks-worker: unknown command "${command}".\nRun "aks-worker --help" for the list of commands.\n`);
      return 2;
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
