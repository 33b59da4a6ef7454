import type { ChartInfo, ProbeSummary } from './chartFiles';
import { ReleaseRow, releaseStep } from './releaseState';

export type { ChartInfo, ProbeSummary } from './chartFiles';

/** Dockerfile names we recognise: Dockerfile, Dockerfile.worker, worker.Dockerfile (any case). */
export function isDockerfileName(basename: string): boolean {
  return /^dockerfile(\..+)?$/i.test(basename) || /\.dockerfile$/i.test(basename);
}

/** What the extension found in one workspace folder. Paths are relative, with forward slashes. */
export interface WorkspaceScan {
  dockerfiles: string[];
  /** What each Dockerfile's runtime stage uses, when it is a .NET image: "aspnet", "8.0", and why if it says. */
  dockerfileBases?: Record<string, { image: string; tag: string; reason?: string; port?: number }>;
  projects: string[];
  solutions: string[];
  charts: Array<ChartInfo & { probes: ProbeSummary[] }>;
}

export type StepId = 'dockerfile' | 'image' | 'registry' | 'chart' | 'probes' | 'release' | 'pods';
export type StepState = 'done' | 'ready' | 'blocked' | 'unknown' | 'problem';

export interface StepView {
  id: StepId;
  label: string;
  state: StepState;
  /** Short text beside the label. */
  description: string;
  /** Longer text for the tooltip: what the step does and what to do next. */
  tooltip: string;
  /** The command that runs this step. */
  command: string;
  /** Sub-items (e.g. one per chart). */
  children?: Array<{ label: string; description?: string; tooltip?: string; path?: string; problem?: boolean; command?: string }>;
}

export interface WorkflowSettings {
  registry?: string;
  /** What was last built and pushed from this folder (remembered by the extension). */
  lastBuilt?: { ref: string; at: string; size?: number; architecture?: string };
  /** The last preflight: the image run locally and probed as the kubelet would. */
  lastPreflight?: { image: string; at: string; ok: boolean; summary: string; noEndpoint: boolean; warnings: number };
  /** A scan of the project's code found no HTTP health endpoint. */
  noHealthEndpoint?: { project: string };
  lastPushed?: { ref: string; at: string; digest?: string; uploaded?: number; reused?: number };
  lastRelease?: { release: string; namespace: string; revision: number; status: string; appVersion?: string; at: string };
  releaseName?: string;
  namespace?: string;
  kubeContext?: string;
  /** Each chart's release as Helm reports it now (trusted workspaces); wins over lastRelease. */
  releases?: Array<ReleaseRow & { path?: string }>;
}

const firstOr = (list: string[], none: string) => (list.length === 0 ? none : list.length === 1 ? list[0] : `${list[0]} (+${list.length - 1} more)`);

/** The Image step's rows: the last preflight, and Add Health Endpoint when the worker has none. */
function imageChildren(settings: WorkflowSettings): NonNullable<StepView['children']> {
  const out: NonNullable<StepView['children']> = [];
  const p = settings.lastPreflight;
  if (p) {
    out.push({
      label: 'Preflight',
      description: p.ok ? (p.warnings ? `passed, ${p.warnings} warning${p.warnings === 1 ? '' : 's'}` : p.summary) : p.summary,
      tooltip: `Preflight of ${p.image} at ${p.at}: ${p.ok ? 'passed' : 'failed'}. ${p.summary}`,
      problem: !p.ok,
      command: 'aksWorker.preflight',
    });
  } else if (settings.lastBuilt) {
    out.push({ label: 'Preflight', description: 'not run yet: run the image and probe it as the kubelet would', tooltip: 'Runs the built image locally and probes it with the chart\'s probes before you push it.', command: 'aksWorker.preflight' });
  }
  // A preflight that passed outranks the code scan (the endpoint may be served in a way the scan does not know).
  const missing = p && !p.ok && p.noEndpoint ? p.image : settings.noHealthEndpoint && !p?.ok ? settings.noHealthEndpoint.project : undefined;
  if (missing) {
    out.push({
      label: 'Add Health Endpoint',
      description: p && p.noEndpoint ? 'preflight found no health endpoint' : `${settings.noHealthEndpoint?.project} serves no HTTP health endpoint`,
      tooltip: 'Adds a heartbeat, a health check and an HTTP endpoint on the chart\'s health port and path to the worker project, as an edit you review.',
      problem: true,
      command: 'aksWorker.addHealthEndpoint',
    });
  }
  return out;
}

/** The seven workflow steps and what can be told about each from the files and settings alone. */
export function workflowSteps(scan: WorkspaceScan, settings: WorkflowSettings): StepView[] {
  const hasDockerfile = scan.dockerfiles.length > 0;
  const goodCharts = scan.charts.filter((c) => !c.error);
  const hasChart = goodCharts.length > 0;
  const probes = goodCharts.flatMap((c) => c.probes.map((p) => ({ chart: c, probe: p })));
  const liveness = probes.filter((p) => p.probe.kind === 'liveness');
  const valuesProblem = goodCharts.some((c) => c.valuesError);

  const steps: StepView[] = [
    {
      id: 'dockerfile',
      label: 'Dockerfile',
      state: hasDockerfile ? 'done' : scan.projects.length ? 'ready' : 'blocked',
      description: hasDockerfile ? firstOr(scan.dockerfiles, '') : scan.projects.length ? 'none yet' : 'no .NET project found',
      tooltip: hasDockerfile
        ? `Found: ${scan.dockerfiles.join(', ')}`
        : 'Add a multi-stage Dockerfile for the .NET worker, with a .dockerignore.',
      command: 'aksWorker.addDockerfile',
      children: scan.dockerfiles.map((d) => {
        const base = scan.dockerfileBases?.[d];
        return base
          ? { label: d, path: d, description: `${base.image}:${base.tag}${base.reason ? ` · ${base.reason}` : ''}`, tooltip: `${d}: runs on mcr.microsoft.com/dotnet/${base.image}:${base.tag}${base.reason ? ` because ${base.reason}` : ''}.` }
          : { label: d, path: d };
      }),
    },
    {
      id: 'image',
      label: 'Image',
      state: settings.lastBuilt ? 'done' : hasDockerfile ? 'ready' : 'blocked',
      description: settings.lastBuilt ? settings.lastBuilt.ref : hasDockerfile ? 'build from the Dockerfile' : 'needs a Dockerfile',
      tooltip: settings.lastBuilt
        ? `Last built ${settings.lastBuilt.ref} at ${settings.lastBuilt.at}${settings.lastBuilt.size ? `, ${(settings.lastBuilt.size / 1e6).toFixed(1)} MB` : ''}${settings.lastBuilt.architecture ? `, ${settings.lastBuilt.architecture}` : ''}.`
        : 'Build and tag the worker image with docker build.',
      command: 'aksWorker.buildImage',
      children: imageChildren(settings),
    },
    {
      id: 'registry',
      label: 'Registry',
      state: settings.lastPushed ? 'done' : settings.registry ? 'ready' : settings.lastBuilt ? 'ready' : 'unknown',
      description: settings.lastPushed ? settings.lastPushed.ref : settings.registry ? settings.registry : 'no registry set',
      tooltip: settings.lastPushed
        ? `Last pushed ${settings.lastPushed.ref}${settings.lastPushed.digest ? ` (${settings.lastPushed.digest})` : ''} at ${settings.lastPushed.at}${settings.lastPushed.uploaded !== undefined ? `: ${settings.lastPushed.uploaded} layers uploaded, ${settings.lastPushed.reused ?? 0} reused` : ''}.`
        : settings.registry
          ? `Push the image to ${settings.registry}.`
          : 'Push the image to Azure Container Registry; set "aksWorker.registry" or pick one when pushing.',
      command: 'aksWorker.pushImage',
    },
    {
      id: 'chart',
      label: 'Chart',
      state: hasChart ? 'done' : scan.charts.length ? 'problem' : 'ready',
      description: hasChart ? firstOr(goodCharts.map((c) => `${c.name ?? c.dir} ${c.version ?? ''}`.trim()), '') : scan.charts.length ? 'Chart.yaml has errors' : 'none yet',
      tooltip: hasChart ? 'Helm charts in this folder.' : 'Create a worker chart with helm create, stripped of Service and Ingress.',
      command: 'aksWorker.createChart',
      children: scan.charts.map((c) =>
        c.error
          ? { label: c.dir, description: c.error, tooltip: c.error, path: `${c.dir}/Chart.yaml`, problem: true }
          : {
              label: c.name ?? c.dir,
              description: `version ${c.version ?? '?'} · appVersion ${c.appVersion ?? '?'}`,
              tooltip: `${c.dir}/Chart.yaml`,
              path: `${c.dir}/Chart.yaml`,
            },
      ),
    },
    {
      id: 'probes',
      label: 'Probes',
      state: !hasChart ? 'blocked' : liveness.length ? 'done' : valuesProblem ? 'problem' : 'ready',
      description: !hasChart ? 'needs a chart' : liveness.length ? liveness[0].probe.handler : valuesProblem ? 'values.yaml has errors' : 'no liveness probe',
      tooltip: 'Set the liveness, readiness and startup probes and see how long the worker may block before it is killed.',
      command: 'aksWorker.editProbes',
      children: [
        ...goodCharts
          .filter((c) => c.valuesError)
          .map((c) => ({ label: `${c.dir}/values.yaml`, description: c.valuesError, tooltip: `${c.valuesError}\nThe chart's probes cannot be told until values.yaml can be read.`, path: `${c.dir}/values.yaml`, problem: true })),
        ...probes.map(({ chart, probe }) => ({
          label: `${probe.kind}`,
          description: [probe.handler, probe.periodSeconds !== undefined ? `every ${probe.periodSeconds}s` : undefined, probe.failureThreshold !== undefined ? `×${probe.failureThreshold}` : undefined]
            .filter(Boolean)
            .join(' · '),
          tooltip: `${chart.dir}/values.yaml`,
          path: `${chart.dir}/values.yaml`,
        })),
      ],
    },
    releaseStepView(settings, hasChart, goodCharts),
    {
      id: 'pods',
      label: 'Pods',
      state: settings.kubeContext ? 'ready' : 'unknown',
      description: settings.kubeContext ? `context ${settings.kubeContext}${settings.namespace ? ` · ${settings.namespace}` : ''}` : 'no Kubernetes context',
      tooltip: 'Watch the worker pods live: restarts, last termination reason and probe events.',
      command: 'aksWorker.watchPods',
    },
  ];
  return steps;
}

function releaseStepView(settings: WorkflowSettings, hasChart: boolean, goodCharts: WorkspaceScan['charts']): StepView {
  const command = 'aksWorker.upgradeInstall';
  const live = hasChart && settings.releases?.length ? releaseStep(settings.releases) : undefined;
  if (live && settings.releases) {
    return {
      id: 'release',
      label: 'Release',
      state: live.state,
      description: live.description,
      tooltip: `${settings.releases.map((r) => r.tooltip).join('\n\n')}\n\nRefresh reads the releases from Helm again.`,
      command,
      children: settings.releases.map((r) => ({ label: r.label, description: r.description, tooltip: r.tooltip, problem: r.problem, ...(r.path ? { path: r.path } : {}) })),
    };
  }
  const last = settings.lastRelease;
  return {
    id: 'release',
    label: 'Release',
    state: last ? (last.status === 'deployed' ? 'done' : 'problem') : hasChart ? 'ready' : 'blocked',
    description: last
      ? `${last.release} rev ${last.revision} ${last.status}${last.appVersion ? ` (${last.appVersion})` : ''}`
      : hasChart
        ? `release ${settings.releaseName || goodCharts[0].name || goodCharts[0].dir}${settings.namespace ? ` in ${settings.namespace}` : ''}`
        : 'needs a chart',
    tooltip: last
      ? `Last release made from here: ${last.release} revision ${last.revision} in ${last.namespace}, ${last.status}, at ${last.at}. Helm is not asked (Restricted Mode, or no Kubernetes context), so a change made since, or elsewhere, does not show.`
      : 'Dry run, then helm upgrade --install; bump version, appVersion and image tag together.',
    command,
  };
}

/** Sorts relative paths so the shallowest (most likely the main one) comes first. */
export function byDepth(a: string, b: string): number {
  const da = a.split('/').length;
  const db = b.split('/').length;
  return da - db || a.localeCompare(b);
}
