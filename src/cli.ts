#!/usr/bin/env node
/**
 * aks-worker: the headless command over the same core as the extension, for CI/CD pipelines.
 * Exit codes: 0 done, 1 a tool or server failed, 2 bad input (message on stderr, nothing written).
 */
import { stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { UsageError, parseArgs } from './core/args';
import { BumpError } from './core/bump';
import { DotnetModelError } from './core/dotnetModel';
import { tagProblem, parseImageRef, ImageRefError } from './core/imageRef';
import { BumpKind } from './core/versions';
import { YamlEditError } from './core/yamlEdit';
import { ParseLimitError } from './core/parseLimits';
import { DEFAULTS, PROBE_KINDS, Probe, ProbeKind, probeBudget, probeFromObject, probeToObject, validateProbe } from './core/probes';
import { pathText } from './core/chartRender';
import { describeSummary, resolveProbePort, summarizeSamples } from './core/latency';
import { measurePodHealth, releasePods } from './tools/measure';
import { ToolPaths } from './tools/catalog';
import { doctor, formatDoctorReport } from './tools/doctor';
import { PROJECT_FILE, ProjectError, findProjects, planDockerfile, writeDockerfilePlan } from './tools/dotnetProject';
import { ReadOnlyFileError } from './tools/files';
import { ToolError, ToolNotFoundError } from './tools/errors';
import { BumpVerifyError, ChartError, bumpChartFiles, createWorkerChart, readChartProbesFromDir, writeChartProbe } from './tools/workerChart';
import { SHIP_STEPS, ShipInputError, ShipStepError, ship } from './tools/ship';
import { findWorkspaceParts } from './tools/workspaceFiles';

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
             [--container NAME] [-f FILE]... [--release R] [--namespace NS] [--json]
                    Show the chart's probes as Helm renders them (helm template), where each
                    field comes from (values file:line and key, or a template) and the
                    switch that turns a probe on, and the liveness budget: how long the
                    worker may block before it is killed, the worst-case time to restart a
                    hung pod. Without helm, values.yaml and templates/deployment.yaml are
                    read instead, and it says so.
  probes set <chart-dir> --probe KIND [--path P] [--port N|name] [--initial-delay S]
             [--period S] [--timeout S] [--success-threshold N] [--failure-threshold N]
             [--workload KIND/NAME] [--container NAME] [-f FILE]...
                    Change one probe where Helm reads it (the values key that wins, or the
                    literal in a template); only those characters change. The chart is
                    rendered again: exit 0 only when the render shows the change and nothing
                    else moved; otherwise every file is restored (exit 1).
  probes measure <chart-dir> [--probe KIND] [--release R] [--namespace NS] [--pod P]
             [--duration S] [--request-timeout S] [--json]
                    Port-forward to a pod of the release (kubectl) and call the probe's
                    httpGet endpoint one request after another for --duration seconds
                    (default 60): p50/p95/p99/max latency, timeouts, and how many answers
                    the probe's timeout would have failed. Exit 1 if kubectl lost the pod.

  ship <workspace-folder> [--tag T] [--bump patch|minor|major] [--namespace NS] [--release R]
       [--no-wait] [--acr NAME] [--network NAME]
                    Build the worker image, push it to the registry the chart names, bump the
                    chart (version, appVersion, image.tag) and helm upgrade --install it.
                    Each step runs only if the one before succeeded; the chart changes only
                    after the push. --acr logs in to that ACR through az first.

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
  --no-msbuild      dockerfile: read the project files without running MSBuild
  --force           dockerfile: replace an existing Dockerfile; add missing lines to .dockerignore
  --health-path P   chart create: path of the health endpoint (default /healthz)
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
      return dockerfileCommand(rest, flags, paths, out, err);
    case 'chart':
      return chartCommand(rest, flags, paths, out, err);
    case 'release':
      return releaseCommand(rest, flags, lists, paths, out, err);
    case 'probes':
      return rest[0] === 'measure' ? measureCommand(rest.slice(1), flags, paths, out, err) : probesCommand(rest, flags, lists, paths, out, err);
    case 'ship':
      return shipCommand(rest, flags, paths, out, err);
    default:
      err(`aks-worker: unknown command "${command}".\nRun "aks-worker --help" for the list of commands.\n`);
      return 2;
  }
}

async function dockerfileCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
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

/** The chart's probes, or undefined when the folder has no templates/deployment.yaml. */
async function readChart(chartDir: string): Promise<Awaited<ReturnType<typeof readChartProbesFromDir>> | undefined> {
  try {
    return await readChartProbesFromDir(resolve(chartDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Reports bad input for a subcommand on stderr; returns exit code 2. */
function badInput(err: (s: string) => void, command: string): (message: string) => number {
  return (message) => {
    err(`aks-worker ${command}: ${message}\n`);
    return 2;
  };
}

function healthPortFlag(flags: Record<string, string | boolean>): number | string | undefined {
  if (flags['health-port'] === undefined) return undefined;
  const n = Number(flags['health-port']);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : `--health-port must be a whole number from 1 to 65535 (got "${String(flags['health-port'])}").`;
}

async function chartCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'chart');
  const [sub, name, ...extra] = rest;
  if (sub !== 'create') return bad(`unknown subcommand "${sub ?? ''}"; use "chart create".`);
  if (!name || extra.length) return bad('give one chart name, e.g. "aks-worker chart create sample-worker --dir charts --image myacr.azurecr.io/sampleworker --tag 0.0.1".');
  for (const f of ['dir', 'image', 'tag'] as const) if (typeof flags[f] !== 'string') return bad(`--${f} is required.`);
  const port = healthPortFlag(flags);
  if (typeof port === 'string') return bad(port);
  const tp = tagProblem(flags.tag as string);
  if (tp) return bad(tp);
  try {
    const ref = parseImageRef(flags.image as string);
    if (ref.tag || ref.digest) return bad('--image is the repository without a tag; give the tag with --tag.');
  } catch (e) {
    if (e instanceof ImageRefError) return bad(`--image: ${e.message}`);
    throw e;
  }
  const healthPath = typeof flags['health-path'] === 'string' ? flags['health-path'] : '/healthz';
  if (!healthPath.startsWith('/')) return bad('--health-path must start with "/".');
  const probeTypes = { http: 'httpGet', tcp: 'tcpSocket', exec: 'exec' } as const;
  const probeType = flags['probe-type'] === undefined ? 'http' : String(flags['probe-type']);
  if (!(probeType in probeTypes)) return bad(`--probe-type must be http, tcp or exec (got "${probeType}").`);
  try {
    const dir = await createWorkerChart(
      { name, chartsDir: resolve(flags.dir as string), repository: flags.image as string, tag: flags.tag as string, healthPort: port ?? 8080, healthPath, probe: probeTypes[probeType as keyof typeof probeTypes] },
      { paths },
    );
    out(`${dir}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ChartError || e instanceof YamlEditError) return bad(e.message);
    throw e;
  }
}

async function releaseCommand(rest: string[], flags: Record<string, string | boolean>, lists: Record<string, string[]>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'release');
  const [sub, chartDir, ...extra] = rest;
  if (sub !== 'bump') return bad(`unknown subcommand "${sub ?? ''}"; use "release bump".`);
  if (!chartDir || extra.length) return bad('give one chart folder, e.g. "aks-worker release bump charts/sample-worker --app-version 0.0.2".');
  if (typeof flags['app-version'] !== 'string') return bad('--app-version (the new image tag) is required.');
  if (flags.bump !== undefined && flags['chart-version'] !== undefined) return bad('give --bump or --chart-version, not both.');
  let chartVersion: BumpKind | { exact: string } = 'patch';
  if (typeof flags['chart-version'] === 'string') chartVersion = { exact: flags['chart-version'] };
  else if (flags.bump !== undefined) {
    if (!['patch', 'minor', 'major'].includes(String(flags.bump))) return bad(`--bump must be patch, minor or major (got "${String(flags.bump)}").`);
    chartVersion = flags.bump as BumpKind;
  }
  const dir = resolve(chartDir);
  try {
    const r = await bumpChartFiles(
      dir,
      { appVersion: flags['app-version'], chartVersion, allowDowngrade: flags['allow-downgrade'] === true },
      { paths, release: typeof flags.release === 'string' ? flags.release : basename(dir), namespace: typeof flags.namespace === 'string' ? flags.namespace : undefined, valuesFiles: lists.values },
    );
    out(`version ${r.from.version} -> ${r.to.version}\nappVersion ${r.from.appVersion ?? '(none)'} -> ${r.to.appVersion}\nimage.tag ${r.from.tag ?? '(none)'} -> ${r.to.tag}\n`);
    for (const n of r.notes) err(`note: ${n}\n`);
    if (r.verified) out(`verified: helm renders the image ${r.verified}\n`);
    return 0;
  } catch (e) {
    if (e instanceof BumpVerifyError) {
      err(`aks-worker release: ${e.message}\n`);
      return 1;
    }
    if (e instanceof BumpError || e instanceof YamlEditError || e instanceof ReadOnlyFileError) return bad(e.message);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return bad(`${(e as NodeJS.ErrnoException).path ?? chartDir} does not exist; is ${chartDir} a chart folder?`);
    throw e;
  }
}

const TIMING_FLAGS: Record<string, keyof Omit<Probe, 'handler'>> = {
  'initial-delay': 'initialDelaySeconds',
  period: 'periodSeconds',
  timeout: 'timeoutSeconds',
  'success-threshold': 'successThreshold',
  'failure-threshold': 'failureThreshold',
};

/** Plain decimal whole numbers only: "0x10", "1e1" and " 8" are refused, not read as something else. */
const wholeNumber = (v: string | boolean | undefined) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

async function probesCommand(
  rest: string[],
  flags: Record<string, string | boolean>,
  lists: Record<string, string[]>,
  paths: ToolPaths,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const bad = badInput(err, 'probes');
  const [sub, chartDir, ...extra] = rest;
  if (sub !== 'get' && sub !== 'set') return bad(`unknown subcommand "${sub ?? ''}"; use "probes get", "probes set" or "probes measure".`);
  if (!chartDir || extra.length) return bad(`give one chart folder, e.g. "aks-worker probes ${sub} charts/sample-worker".`);
  const kind = flags.probe as ProbeKind | undefined;
  if (kind !== undefined && !PROBE_KINDS.includes(kind)) return bad(`--probe must be liveness, readiness or startup (got "${String(flags.probe)}").`);
  if (sub === 'set' && !kind) return bad('--probe is required for "probes set".');
  for (const [flag] of Object.entries(TIMING_FLAGS)) {
    if (flags[flag] !== undefined && wholeNumber(flags[flag]) === undefined) return bad(`--${flag} must be a whole number of seconds or times, written in decimal (got "${String(flags[flag])}").`);
  }
  const dir = resolve(chartDir);
  if (!(await stat(join(dir, 'Chart.yaml')).then((x) => x.isFile(), () => false))) return bad(`${chartDir} has no Chart.yaml; is it a chart folder?`);
  for (const f of lists.values ?? []) if (!(await stat(resolve(f)).then((x) => x.isFile(), () => false))) return bad(`-f ${f}: no such values file.`);
  const renderOptions = {
    paths,
    release: typeof flags.release === 'string' ? flags.release : basename(dir),
    namespace: typeof flags.namespace === 'string' ? flags.namespace : undefined,
    valuesFiles: lists.values ?? [],
    workload: typeof flags.workload === 'string' ? flags.workload : undefined,
    container: typeof flags.container === 'string' ? flags.container : undefined,
  };
  const { discoverChartProbes, ChartRenderError } = await import('./tools/chartModel');
  let model: Awaited<ReturnType<typeof discoverChartProbes>>;
  try {
    model = await discoverChartProbes(dir, renderOptions);
  } catch (e) {
    if (e instanceof ChartRenderError || e instanceof YamlEditError) return bad(e.message);
    if (e instanceof ToolNotFoundError) {
      if (lists.values?.length || flags.workload || flags.container) return bad(`helm is needed for -f, --workload and --container (${e.message})`);
      return probesWithoutHelm(sub, kind, dir, flags, out, err, e.message);
    }
    if (e instanceof ToolError) {
      err(`aks-worker probes: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  return sub === 'get' ? probesGet(model, kind, flags, out, err) : probesSet(model, kind as ProbeKind, flags, renderOptions, out, err);
}

type ChartModelT = import('./tools/chartModel').ChartModel;

async function probesGet(model: ChartModelT, kind: ProbeKind | undefined, flags: Record<string, string | boolean>, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { describeLocation } = await import('./tools/chartModel');
  if (!model.target) return badInput(err, 'probes')(`${model.targetProblem ?? 'no workload to show'}${model.choices.length ? `\n${model.choices.map((c) => `  ${c}`).join('\n')}` : ''}`);
  const kinds = kind ? [kind] : PROBE_KINDS;
  const rel = (f?: string) => (f ? relative(model.chartDir, f) || f : undefined);
  const probes = Object.fromEntries(kinds.map((k) => [k, model.probes[k].rendered ?? null]));
  const live = model.probes.liveness.probe;
  const budget = live ? probeBudget({ ...live, terminationGracePeriodSeconds: live.terminationGracePeriodSeconds ?? model.terminationGracePeriodSeconds }, model.probes.startup.probe) : undefined;
  const kindsOf = (k: ProbeKind) => new Set(Object.values(model.probes[k].fields).map((f) => f.kind));
  const location = (() => {
    const all = new Set(kinds.flatMap((k) => [...kindsOf(k)]));
    return all.size === 0 ? 'none' : all.size === 1 ? ([...all][0] === 'values' ? 'values' : 'template') : 'mixed';
  })();
  if (flags.json) {
    const where = Object.fromEntries(
      kinds.map((k) => {
        const v = model.probes[k];
        return [
          k,
          {
            fields: Object.fromEntries(Object.entries(v.fields).map(([f, l]) => [f, { ...l, file: rel(l.file), ...('path' in l ? { path: l.path.join('.') } : {}) }])),
            root: v.root ? { path: v.root.path.join('.'), file: rel(v.root.file), line: v.root.line } : undefined,
            switch: v.switch ? { path: v.switch.path.join('.'), value: v.switch.value, file: rel(v.switch.file), line: v.switch.line } : undefined,
          },
        ];
      }),
    );
    out(
      `${JSON.stringify(
        {
          source: 'helm',
          location,
          workload: `${model.target.workload.kind}/${model.target.workload.name}`,
          container: model.target.container.name,
          template: model.target.workload.source,
          choices: model.choices,
          valuesFiles: model.valuesFiles.map(rel),
          ports: model.ports,
          probes,
          where,
          budget,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  out(`${model.target.workload.kind}/${model.target.workload.name}, container ${model.target.container.name}${model.target.workload.source ? ` (${model.target.workload.source})` : ''}, as Helm renders it\n`);
  if (model.choices.length > 1) out(`  (the chart renders ${model.choices.length} containers: ${model.choices.join(', ')}; --workload and --container choose)\n`);
  for (const k of kinds) {
    const v = model.probes[k];
    out(`${k}: ${v.rendered ? JSON.stringify(v.rendered) : 'off'}\n`);
    if (v.switch) out(`  switch      ${pathText(v.switch.path)} = ${v.switch.value} (${rel(v.switch.file)}${v.switch.line ? `:${v.switch.line}` : ''})\n`);
    if (!v.rendered && v.root) out(`  values      ${pathText(v.root.path)} (${rel(v.root.file)}${v.root.line ? `:${v.root.line}` : ''})\n`);
    for (const [f, l] of Object.entries(v.fields)) out(`  ${f.padEnd(28)} ${describeLocation(l, model.chartDir)}\n`);
  }
  if (budget) {
    out(`budget: the worker may block up to ${budget.maxBlockSeconds} s (rule of thumb timeout x failureThreshold: ${budget.ruleOfThumbSeconds} s)\n`);
    out(`a hung pod is killed within ${budget.worstCaseDetectSeconds} s and restarted within ${budget.worstCaseRestartSeconds} s (grace period included)\n`);
  }
  return 0;
}

async function probesSet(
  model: ChartModelT,
  kind: ProbeKind,
  flags: Record<string, string | boolean>,
  renderOptions: import('./tools/chartModel').RenderOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const bad = badInput(err, 'probes');
  const { setChartProbe, ProbeEditError, ChartRenderError } = await import('./tools/chartModel');
  if (!model.target) return bad(`${model.targetProblem ?? 'no workload to edit'}${model.choices.length ? `\n${model.choices.map((c) => `  ${c}`).join('\n')}` : ''}`);
  const view = model.probes[kind];
  const handler = view.probe?.handler.type ?? 'httpGet';
  const changes: Record<string, string | number> = {};
  const port = flags.port === undefined ? undefined : /^\d+$/.test(String(flags.port)) ? Number(flags.port) : String(flags.port);
  if (flags.path !== undefined || port !== undefined) {
    if (handler === 'exec') return bad(`the ${kind} probe runs a command (exec); --path and --port do not apply.`);
    if (flags.path !== undefined && handler !== 'httpGet') return bad(`the ${kind} probe is ${handler}, which has no path.`);
    if (typeof flags.path === 'string') changes['httpGet.path'] = flags.path;
    if (port !== undefined) changes[`${handler}.port`] = port;
  }
  if (!view.rendered && !view.switch && !('httpGet.path' in changes && 'httpGet.port' in changes)) {
    const where = `${model.target.workload.kind}/${model.target.workload.name} ${model.target.container.name}`;
    return bad(
      view.root
        ? `the chart renders no ${PROBE_KEY_OF[kind]} for ${where}; its values key ${pathText(view.root.path)} is empty: give --path and --port (and timings) to add an httpGet probe there.`
        : `the chart renders no ${PROBE_KEY_OF[kind]} for ${where} and keeps no values for one, so there is nothing to edit (another workload may have one: --workload).`,
    );
  }
  for (const [flag, field] of Object.entries(TIMING_FLAGS)) if (flags[flag] !== undefined) changes[field] = wholeNumber(flags[flag]) as number;
  if (Object.keys(changes).length === 0) return bad('nothing to change: give --path, --port or a timing (--period, --timeout, …).');
  // Validate the probe as it will be.
  const next: Record<string, unknown> = structuredClone(view.rendered ?? {});
  for (const [f, v] of Object.entries(changes)) {
    const keys = f.split('.');
    let cur = next;
    for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
    cur[keys[keys.length - 1]] = v;
  }
  const probe = probeFromObject(next);
  if (probe) {
    const problems = validateProbe(kind, probe, model.ports);
    const errors = Object.entries(problems.errors);
    if (errors.length) return bad(errors.map(([f, m]) => `${f}: ${m}`).join('\n'));
    for (const [f, m] of Object.entries(problems.warnings)) err(`warning: ${f}: ${m}\n`);
  }
  try {
    const r = await setChartProbe(model, kind, changes, renderOptions);
    for (const f of r.files) out(`${f}\n`);
    for (const n of r.notes) err(`note: ${n}\n`);
    const rendered = probeFromObject(r.rendered);
    if (kind === 'liveness' && rendered) {
      const b = probeBudget({ ...rendered, terminationGracePeriodSeconds: rendered.terminationGracePeriodSeconds ?? model.terminationGracePeriodSeconds }, model.probes.startup.probe);
      out(`budget: may block up to ${b.maxBlockSeconds} s; a hung pod is restarted within ${b.worstCaseRestartSeconds} s\n`);
    }
    out(`verified: helm renders ${PROBE_KEY_OF[kind]} ${JSON.stringify(r.rendered)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ProbeEditError) {
      err(`aks-worker probes: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof YamlEditError || e instanceof ReadOnlyFileError || e instanceof ChartRenderError) return bad(e.message);
    throw e;
  }
}

const PROBE_KEY_OF: Record<ProbeKind, string> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };

/** Without helm: the probes as the chart's files show them (values.yaml and templates/deployment.yaml), said to be read so. */
async function probesWithoutHelm(sub: 'get' | 'set', kind: ProbeKind | undefined, dir: string, flags: Record<string, string | boolean>, out: (s: string) => void, err: (s: string) => void, why: string): Promise<number> {
  const bad = badInput(err, 'probes');
  const chart = await readChart(dir);
  if (!chart) return bad(`${dir} has no templates/deployment.yaml, and without helm nothing else can be read (${why})`);
  err(`note: read without Helm (${why.split('. ')[0]}): only values.yaml and templates/deployment.yaml are read\n`);
  if (sub === 'get') {
    const kinds = kind ? [kind] : PROBE_KINDS;
    const probes = Object.fromEntries(kinds.map((k) => [k, chart.probes[k] ? probeToObject(chart.probes[k] as Probe) : null]));
    const budget = chart.probes.liveness ? probeBudget(chart.probes.liveness, chart.probes.startup) : undefined;
    if (flags.json) {
      out(`${JSON.stringify({ source: 'static', location: chart.location, note: chart.note, ports: chart.ports, probes, budget }, null, 2)}\n`);
    } else {
      out(`probes live in: ${chart.location === 'values' ? chart.files.values : chart.location === 'template' ? chart.files.deployment : 'nowhere the form recognises'}\n`);
      if (chart.note) out(`${chart.note}\n`);
      for (const k of kinds) out(`${k}: ${probes[k] ? JSON.stringify(probes[k]) : 'off'}\n`);
      if (budget) {
        out(`budget: the worker may block up to ${budget.maxBlockSeconds} s (rule of thumb timeout x failureThreshold: ${budget.ruleOfThumbSeconds} s)\n`);
        out(`a hung pod is killed within ${budget.worstCaseDetectSeconds} s and restarted within ${budget.worstCaseRestartSeconds} s (grace period included)\n`);
      }
    }
    return 0;
  }
  const k = kind as ProbeKind;
  if (chart.location === 'none') return bad(chart.note ?? 'no probes to edit in this chart.');
  const current = chart.probes[k];
  const next: Probe = current ? { ...current, handler: { ...current.handler } as Probe['handler'] } : { handler: { type: 'httpGet', path: '', port: '' } };
  if (flags.path !== undefined || flags.port !== undefined) {
    const h = next.handler;
    const port = flags.port === undefined ? undefined : /^\d+$/.test(String(flags.port)) ? Number(flags.port) : String(flags.port);
    if (h.type === 'httpGet') {
      if (typeof flags.path === 'string') h.path = flags.path;
      if (port !== undefined) h.port = port;
    } else if (h.type === 'tcpSocket' || h.type === 'grpc') {
      if (flags.path !== undefined) return bad(`the ${k} probe is ${h.type}, which has no path.`);
      if (port !== undefined) (h as { port: number | string }).port = port;
    } else return bad(`the ${k} probe runs a command (exec); --path and --port do not apply.`);
  }
  for (const [flag, field] of Object.entries(TIMING_FLAGS)) if (flags[flag] !== undefined) next[field] = wholeNumber(flags[flag]) as number;
  const problems = validateProbe(k, next, chart.ports);
  const errors = Object.entries(problems.errors);
  if (errors.length) return bad(errors.map(([f, m]) => `${f}: ${m}`).join('\n'));
  for (const [f, m] of Object.entries(problems.warnings)) err(`warning: ${f}: ${m}\n`);
  try {
    const file = await writeChartProbe(dir, k, next);
    out(`${file}\n`);
    if (k === 'liveness') {
      const b = probeBudget(next, chart.probes.startup);
      out(`budget: may block up to ${b.maxBlockSeconds} s; a hung pod is restarted within ${b.worstCaseRestartSeconds} s\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof YamlEditError || e instanceof ReadOnlyFileError) return bad(e.message);
    throw e;
  }
}

async function measureCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'probes measure');
  const [chartDir, ...extra] = rest;
  if (!chartDir || extra.length) return bad('give one chart folder, e.g. "aks-worker probes measure charts/sample-worker --release sample-worker".');
  const kind = (flags.probe ?? 'liveness') as ProbeKind;
  if (!PROBE_KINDS.includes(kind)) return bad(`--probe must be liveness, readiness or startup (got "${String(flags.probe)}").`);
  const seconds = (flag: string, fallback: number, max: number): number | string => {
    if (flags[flag] === undefined) return fallback;
    const v = Number(flags[flag]);
    return Number.isFinite(v) && v > 0 && v <= max ? v : `--${flag} must be a number of seconds from 1 to ${max} (got "${String(flags[flag])}").`;
  };
  const chart = await readChart(chartDir);
  if (!chart) return bad(`${chartDir} has no templates/deployment.yaml; is it a chart folder?`);
  const probe = chart.probes[kind];
  if (!probe) return bad(`the chart has no ${kind} probe to measure.`);
  if (probe.handler.type !== 'httpGet') return bad(`the ${kind} probe is ${probe.handler.type}; measuring needs an httpGet probe (an HTTP health endpoint).`);
  const duration = seconds('duration', 60, 3600);
  if (typeof duration === 'string') return bad(duration);
  const budget = probeBudget(probe);
  const requestTimeout = seconds('request-timeout', Math.max(10, budget.worstCaseDetectSeconds), 3600);
  if (typeof requestTimeout === 'string') return bad(requestTimeout);
  const namespace = typeof flags.namespace === 'string' ? flags.namespace : 'default';
  const release = typeof flags.release === 'string' ? flags.release : basename(resolve(chartDir));
  const kube = { paths };
  let podName = typeof flags.pod === 'string' ? flags.pod : undefined;
  const pods = await releasePods(release, namespace, kube);
  const pod = podName ? pods.find((p) => p.name === podName) : pods[0];
  if (!pod) {
    err(`aks-worker probes measure: ${podName ? `pod ${podName} is not part of release ${release}` : `release ${release} has no pods`} in ${namespace}${podName ? '' : ' (is it installed? pass --release and --namespace)'}.\n`);
    return 1;
  }
  podName = pod.name;
  const port = resolveProbePort(probe.handler.port, pod.containers);
  if (port === undefined) return bad(`the probe's port "${probe.handler.port}" is not a port of ${podName}'s containers.`);
  const handler = probe.handler;
  err(`measuring http${handler.scheme === 'HTTPS' ? 's' : ''}://${podName}:${port}${handler.path} for ${duration} s (request timeout ${requestTimeout} s)…\n`);
  const r = await measurePodHealth({
    paths,
    pod: podName,
    namespace,
    port,
    path: handler.path,
    scheme: handler.scheme,
    headers: handler.headers,
    durationMs: duration * 1000,
    requestTimeoutMs: requestTimeout * 1000,
  });
  const probeTimeout = probe.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  const summary = summarizeSamples(r.samples, requestTimeout * 1000, probeTimeout);
  const covered = summary.p99Seconds === undefined ? undefined : summary.p99Seconds <= budget.maxBlockSeconds;
  if (flags.json) {
    out(`${JSON.stringify({ pod: podName, namespace, port, path: handler.path, durationSeconds: duration, requestTimeoutSeconds: requestTimeout, ended: r.ended, lostReason: r.lostReason, summary, budget: { maxBlockSeconds: budget.maxBlockSeconds, coversP99: covered }, samples: r.samples }, null, 2)}\n`);
  } else {
    out(`${describeSummary(summary, requestTimeout * 1000, probeTimeout)}\n`);
    if (summary.p99Seconds !== undefined) out(`p99 ${summary.p99Seconds} s against a budget of ${budget.maxBlockSeconds} s: ${covered ? 'covered' : 'NOT covered: the worker would be killed'}\n`);
  }
  if (r.ended === 'lost') {
    err(`aks-worker probes measure: ${r.lostReason ?? 'kubectl lost the pod'}\n`);
    return 1;
  }
  return 0;
}

async function shipCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'ship');
  if (rest.length !== 1) return bad('give one workspace folder, e.g. "aks-worker ship .".');
  const folder = resolve(rest[0]);
  if (flags.bump !== undefined && !['patch', 'minor', 'major'].includes(String(flags.bump))) return bad(`--bump must be patch, minor or major (got "${String(flags.bump)}").`);
  const parts = await findWorkspaceParts(folder).catch(() => undefined);
  if (!parts) return bad(`${folder} does not exist or cannot be read.`);
  if (!parts.dockerfile) return bad(`no Dockerfile in ${folder}; run "aks-worker dockerfile" first.`);
  if (!parts.chartDir) return bad(`no Helm chart (Chart.yaml) in ${folder}; run "aks-worker chart create" first.`);
  const release = typeof flags.release === 'string' ? flags.release : parts.chartName;
  try {
    const r = await ship(
      {
        dockerfile: parts.dockerfile,
        chartDir: parts.chartDir,
        workspace: folder,
        tag: typeof flags.tag === 'string' ? flags.tag : undefined,
        bump: flags.bump as 'patch' | 'minor' | 'major' | undefined,
        namespace: typeof flags.namespace === 'string' ? flags.namespace : 'default',
        release,
        settings: { wait: flags['no-wait'] !== true },
        acrName: typeof flags.acr === 'string' ? flags.acr : undefined,
        buildArgs: typeof flags.network === 'string' ? ['--network', flags.network] : undefined,
        createNamespace: true,
      },
      {
        paths,
        sink: { info: (l) => err(`${l}\n`) },
        onStep: (step, i, detail) => err(`[${i + 1}/${SHIP_STEPS.length}] ${step}: ${detail}\n`),
      },
    );
    out(`image ${r.image}${r.digest ? ` ${r.digest}` : ''}\nchart version ${r.chartVersion}\nrelease ${r.release.name} revision ${r.release.revision} ${r.release.status} in ${r.release.namespace}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ShipInputError) return bad(e.message);
    if (e instanceof ShipStepError) {
      err(`aks-worker ship: ${e.message}\n${e.step === 'build' || e.step === 'push' ? 'The chart was not changed.\n' : ''}`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
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
