#!/usr/bin/env node
/**
 * aks-worker: the headless command over the same core as the extension, for CI/CD pipelines.
 * Exit codes: 0 done, 1 a tool or server failed, 2 bad input (message on stderr, nothing written).
 */
import { UsageError, parseArgs } from './core/args';
import type { ToolPaths } from './tools/catalog';
import { nameProblem, quoteName } from './core/names';
import { ParseLimitError } from './core/parseLimits';

declare const AKS_WORKER_VERSION: string;
const VERSION = typeof AKS_WORKER_VERSION === 'string' ? AKS_WORKER_VERSION : '0.0.0-dev';

const HELP = `aks-worker ${VERSION}: ship a .NET worker to AKS with docker, helm and kubectl.

Usage:
  aks-worker <command> [options]

Commands:
  doctor            Check that docker (client and engine), helm 3 or 4, kubectl and az
                    are installed, print each one's path and version and what is missing.
                    Exits 0 only when every required tool is found.

  dockerfile <project-dir-or-project-file> [--framework TFM] [--health-port N]
             [--base aspnet|runtime] [--context DIR] [--no-msbuild] [--dotnet PATH]
             [--force] [--json]
                    Write a multi-stage Dockerfile for a .NET worker beside its project file
                    (.csproj, .fsproj or .vbproj) and a .dockerignore in the build context (the
                    folder of the nearest .sln/.slnx, else the project's folder). The project is
                    evaluated by MSBuild (dotnet msbuild, .NET SDK 8+) with its references,
                    Directory.Build.props and central package management; without an SDK it is
                    read from the files and the output says what was guessed. The runtime image
                    (aspnet or runtime) and why are printed on stderr. Prints the paths written.
                    An existing Dockerfile is kept unless --force; an existing .dockerignore is
                    never replaced (--force adds the lines it lacks).

  chart create <name> --dir <charts-dir> --image <repository> --tag <tag>
               [--health-port N] [--health-path P] [--probe-type http|tcp|exec] [--helm PATH]
                    Run "helm create" in the charts folder and strip the chart for a worker:
                    no Service, Ingress, ServiceAccount, HPA, HTTPRoute or tests; the image
                    from the registry; probes on the health port; appVersion = tag.
                    --probe-type: http (default), tcp, or exec (a heartbeat file) for a
                    worker on the runtime image, which has no ASP.NET Core.

  release bump <chart-dir> --app-version <tag> [--bump patch|minor|major | --chart-version V]
               [--allow-downgrade] [-f FILE]...
                    Set Chart.yaml version (bumped by SemVer 2, default patch) and appVersion,
                    and values.yaml image.tag, together. Only those three values change, each
                    written as it was (quoted stays quoted); a templated image.tag is left
                    alone. With helm, the chart is rendered after: exit 0 only when its image
                    carries the new tag, else both files are restored (exit 1).

  probes get <chart-dir> [--probe liveness|readiness|startup] [--workload KIND/NAME]
             [--container NAME] [-f FILE]... [--release R] [--namespace NS]
             [--project CSPROJ] [--no-msbuild] [--json]
                    Show the chart's probes as Helm renders them (helm template), where each
                    field comes from (values file:line and key, or a template) and the
                    switch that turns a probe on, and the liveness budget: how long the
                    worker may block before it is killed, the worst-case time to restart a
                    hung pod. Without helm, values.yaml and templates/deployment.yaml are
                    read instead, and it says so.
                    With helm, also the shutdown budget: terminationGracePeriodSeconds and
                    the preStop delay against the worker's HostOptions.ShutdownTimeout (its
                    code, appsettings files and the container's environment; the target
                    framework's default), each with where it comes from. The project is the
                    one near the chart named like it, or --project.
  probes set <chart-dir> --probe KIND [--path P] [--port N|name] [--initial-delay S]
             [--period S] [--timeout S] [--success-threshold N] [--failure-threshold N]
             [--workload KIND/NAME] [--container NAME] [-f FILE]...
  probes set <chart-dir> --termination-grace-period S [--workload KIND/NAME] [-f FILE]...
                    Change one probe, or the pod's terminationGracePeriodSeconds, where Helm reads it (the values key that wins, or the
                    literal in a template); only those characters change. The chart is
                    rendered again: exit 0 only when the render shows the change and nothing
                    else moved; otherwise every file is restored (exit 1).
  probes measure <chart-dir> [--probe KIND] [--release R] [--namespace NS] [--pod P]
             [--duration S] [--request-timeout S] [--json]
                    Port-forward to a pod of the release (kubectl) and call the probe's
                    httpGet endpoint one request after another for --duration seconds
                    (default 60): p50/p95/p99/max latency, timeouts, and how many answers
                    the probe's timeout would have failed. Exit 1 if kubectl lost the pod.

  pods <release> [--namespace NS] [--json]
                    List the release's pods (label app.kubernetes.io/instance=<release>) with
                    status and restarts, and for each container why it last restarted or does
                    not run: a liveness or startup probe kill (with the failed checks that led
                    to it), OOMKilled (with the memory limit), a crash (exit code, what it means,
                    the previous container's last lines), exit 0 of a worker that must keep
                    running, an image pull the registry refused or cannot serve (with the fix),
                    an eviction, a probe that checks where nothing answers. --json prints
                    {release, namespace, pods: [{name, phase, status, ready, total, restarts,
                    createdAt, node, containers: [{name, state, reason, ready, restartCount,
                    lastTermination, restartReason: {kind, title, detail, when, exitCode, at,
                    probe, logLines, message, fix: {command, title, hint, registry}}}]}]}.

  health add <project-dir-or-project-file> [--port N] [--path P] [--threshold S]
             [--framework TFM] [--no-msbuild] [--dry-run] [--force] [--json]
                    Give a worker that serves no health endpoint one: a WorkerHealth.cs beside
                    Program.cs (a heartbeat the worker's loop calls, heartbeat.Beat(); a health
                    check that turns Unhealthy when no beat came within --threshold seconds,
                    default 30, setting Worker:HeartbeatThresholdSeconds; an HTTP endpoint on
                    --port, default 8080, and --path, default /healthz: Kestrel with
                    MapHealthChecks when ASP.NET Core is available, else HttpListener, which
                    the runtime image has), one line in Program.cs after AddHostedService
                    (builder.Services.AddWorkerHealth()) — a Program.cs that builds a
                    WebApplication also gets app.MapWorkerHealth() after builder.Build(),
                    served on the app's own port — and the
                    Microsoft.Extensions.Diagnostics.HealthChecks package for the project's
                    framework (in Directory.Packages.props under central package management).
                    Only text is inserted: line endings, indentation and byte-order marks stay.
                    Prints the files written; --dry-run prints the diff and writes nothing.
                    Exit 2 when the worker serves an endpoint already (where is printed;
                    --force adds ours all the same).

  preflight <workspace-folder|project|image> [--chart DIR] [--duration S] [-f FILE]...
            [--workload KIND/NAME] [--container NAME] [--network NAME] [--reach netns|address|published] [--env-file FILE]
            [--health-port N] [--health-path P] [--json]
                    Run the worker's image in the local Docker engine (a folder or project:
                    built first with its Dockerfile) and probe it exactly as the kubelet
                    would, with the chart's probes (path, port, headers, timeouts, periods,
                    thresholds) and its environment, for --duration seconds (default: long
                    enough to see a liveness kill, at least 30). The checks go where the
                    kubelet's would, the container's own address: from inside its network
                    namespace (--reach netns: Linux as root), else directly on its bridge
                    network (address: a local Linux engine), else through ports published
                    on 127.0.0.1 (published: Docker Desktop). Then SIGTERM, and the chart's
                    terminationGracePeriodSeconds. Reports whether it started (exit code and
                    last lines if not), whether the endpoint answers (nothing listening, a
                    404 with the paths that do answer), latency p50/p99/max against the
                    probe's timeout and the liveness budget, and how the stop went.
                    What the chart takes from Secrets or ConfigMaps is not set: give local
                    values with --env-file (NAME=value lines, as docker reads them).
                    Exit 0 when a release would keep the pod running, 1 when it would not.

  ship <workspace-folder> [--tag T] [--bump patch|minor|major] [--namespace NS] [--release R]
       [--no-wait] [--acr NAME] [--network NAME] [--no-preflight] [--env-file FILE]
                    Build the worker image, preflight it (as "aks-worker preflight", until
                    every probe has passed once), push it to the registry the chart names,
                    bump the chart (version, appVersion, image.tag) and helm upgrade
                    --install it. Each step runs only if the one before succeeded: a worker
                    the kubelet would restart is not pushed. The chart changes only after
                    the push. --acr logs in to that ACR through az first.

Options:
  --docker PATH     docker binary to use (default: docker on PATH)
  --helm PATH       helm binary to use (default: helm on PATH)
  --kubectl PATH    kubectl binary to use (default: kubectl on PATH)
  --az PATH         az binary to use (default: az on PATH)
  --json            doctor: print the report as JSON
  --dotnet PATH     dotnet binary to use (default: dotnet on PATH)
  --health-port N   dockerfile: port of the worker's health endpoint (default 8080, 80 on .NET 6/7)
  --framework TFM   dockerfile: target framework to containerise when the project has several
  --base IMAGE      dockerfile: aspnet or runtime, instead of what the project needs
  --context DIR     dockerfile: the docker build context, instead of the nearest solution's folder
  --no-msbuild      dockerfile, probes get: read the project files without running MSBuild
  --force           dockerfile: replace an existing Dockerfile; add missing lines to .dockerignore
  --health-path P   chart create: path of the health endpoint (default /healthz)
  --dry-run         health add: print the diff, write nothing
  -h, --help        Show this help
  --version         Print the version

Exit codes: 0 done, 1 a tool or server failed, 2 bad input.
`;

const TOOL_FLAGS = { docker: { value: true }, helm: { value: true }, kubectl: { value: true }, az: { value: true }, dotnet: { value: true } };

export async function main(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, {
      ...TOOL_FLAGS,
      json: {},
      help: {},
      version: {},
      'health-port': { value: true },
      'health-path': { value: true },
      'probe-type': { value: true },
      framework: { value: true },
      base: { value: true },
      context: { value: true },
      'no-msbuild': {},
      force: {},
      dir: { value: true },
      image: { value: true },
      tag: { value: true },
      'app-version': { value: true },
      bump: { value: true },
      'chart-version': { value: true },
      'allow-downgrade': {},
      probe: { value: true },
      path: { value: true },
      port: { value: true },
      'initial-delay': { value: true },
      period: { value: true },
      timeout: { value: true },
      'success-threshold': { value: true },
      'failure-threshold': { value: true },
      namespace: { value: true },
      release: { value: true },
      'no-wait': {},
      workload: { value: true },
      container: { value: true },
      values: { value: true, repeat: true, short: 'f' },
      acr: { value: true },
      network: { value: true },
      pod: { value: true },
      duration: { value: true },
      'request-timeout': { value: true },
      project: { value: true },
      'termination-grace-period': { value: true },
      threshold: { value: true },
      'dry-run': {},
      chart: { value: true },
      reach: { value: true },
      'no-preflight': {},
      'env-file': { value: true },
    });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`aks-worker: ${e.message}\nRun "aks-worker --help" for usage.\n`);
      return 2;
    }
    throw e;
  }
  const { positionals, flags, lists } = parsed;
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
  for (const k of ['docker', 'helm', 'kubectl', 'az', 'dotnet'] as const) if (typeof flags[k] === 'string') paths[k] = flags[k] as string;
  // Names given on the command line are names: one kubectl or helm would refuse, or read as an
  // option, stops here with the rule.
  for (const [flag, kind] of [['release', 'release'], ['namespace', 'namespace'], ['pod', 'pod']] as const) {
    const v = flags[flag];
    const problem = typeof v === 'string' ? nameProblem(kind, v) : undefined;
    if (problem) {
      err(`aks-worker: --${flag} ${quoteName(String(v))} is not a valid ${kind} name. ${problem}\n`);
      return 2;
    }
  }
  try {
    return await runCommand(command, rest, flags, lists, paths, out, err);
  } catch (e) {
    // A file too large or nested too deeply to parse is bad input, whichever command read it.
    if (e instanceof ParseLimitError) {
      err(`aks-worker ${command}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function runCommand(
  command: string,
  rest: string[],
  flags: Record<string, string | boolean>,
  lists: Record<string, string[]>,
  paths: ToolPaths,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  switch (command) {
    // Each command is loaded when it runs: `--version` and `--help` load none, and a command loads
    // only the tools and parsers it uses.
    case 'doctor': {
      if (rest.length) {
        err(`aks-worker: doctor takes no arguments (got "${rest.join(' ')}").\n`);
        return 2;
      }
      const { doctor, formatDoctorReport } = await import('./tools/doctor');
      const report = await doctor({ paths });
      if (flags.json) out(`${JSON.stringify(report, null, 2)}\n`);
      else out(`${formatDoctorReport(report).join('\n')}\n`);
      return report.ok ? 0 : 1;
    }
    case 'dockerfile':
      return (await import('./cli/dockerfile')).dockerfileCommand(rest, flags, paths, out, err);
    case 'chart':
      return (await import('./cli/chart')).chartCommand(rest, flags, paths, out, err);
    case 'release':
      return (await import('./cli/release')).releaseCommand(rest, flags, lists, paths, out, err);
    case 'probes':
      return rest[0] === 'measure'
        ? (await import('./cli/measure')).measureCommand(rest.slice(1), flags, paths, out, err)
        : (await import('./cli/probes')).probesCommand(rest, flags, lists, paths, out, err);
    case 'pods':
      return (await import('./cli/pods')).podsCommand(rest, flags, paths, out, err);
    case 'health':
      return (await import('./cli/health')).healthCommand(rest, flags, paths, out, err);
    case 'preflight':
      return (await import('./cli/preflight')).preflightCommand(rest, flags, lists, paths, out, err);
    case 'ship':
      return (await import('./cli/ship')).shipCommand(rest, flags, paths, out, err);
    default:
      err(`aks-worker: unknown command "${command}".\nRun "aks-worker --help" for the list of commands.\n`);
      return 2;
  }
}

/** The exit code for each signal the CLI stops on: 128 + its number, as shells report it. */
export const SIGNAL_EXIT_CODES: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP end the tools the CLI started (each runs as its own process
 * group, which the terminal's signal does not reach) before the CLI exits with 128 + the signal's
 * number: no kubectl port-forward left listening, no helm left running. A second signal while they
 * end kills them at once.
 */
function endChildrenOnSignals(err: (s: string) => void): void {
  let stopping = false;
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
    process.on(signal, () => {
      // The process registry is loaded here, not at start-up: `--version` loads no tool code.
      void import('./tools/process').then(({ endAllRunning, killAllRunning, runCleanups, runningPids }) => {
        if (stopping) {
          killAllRunning();
          process.exit(code);
        }
        stopping = true;
        const n = runningPids().length;
        if (n > 0) err(`aks-worker: ${signal}: stopping ${n === 1 ? 'the running tool' : `${n} running tools`}…\n`);
        // Then what they leave behind (preflight's container) is removed.
        void endAllRunning(2000)
          .then(() => runCleanups(10_000))
          .then(() => process.exit(code));
      });
    });
  }
}

if (require.main === module) {
  endChildrenOnSignals((s) => process.stderr.write(s));
  // A reader that goes away (`aks-worker probes get … | head`) ends the output quietly, not with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
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
