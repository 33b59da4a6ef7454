/** aks-worker preflight: run the worker's image locally and probe it as the kubelet would, before the push. */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PreflightReport, REACH_MODES, ReachMode, formatPreflight, localPreflightTag } from '../core/preflight';
import { ToolPaths } from '../tools/catalog';
import { ToolError } from '../tools/errors';
import { findWorkspaceParts } from '../tools/workspaceFiles';
import { badInput } from './common';

export interface PreflightTarget {
  image: string;
  /** Set when the image was built here from this Dockerfile. */
  dockerfile?: string;
  chartDir?: string;
}


export async function preflightCommand(rest: string[], flags: Record<string, string | boolean>, lists: Record<string, string[]>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const bad = badInput(err, 'preflight');
  if (rest.length !== 1) return bad('give one workspace folder, project file or image, e.g. "aks-worker preflight ." or "aks-worker preflight myregistry.azurecr.io/worker:1.0.0".');
  let duration: number | undefined;
  if (flags.duration !== undefined) {
    duration = Number(flags.duration);
    if (!Number.isInteger(duration) || duration < 1 || duration > 3600) return bad(`--duration must be a whole number of seconds from 1 to 3600 (got "${String(flags.duration)}").`);
  }
  const reach = flags.reach;
  if (reach !== undefined && !REACH_MODES.includes(reach as ReachMode)) return bad(`--reach must be netns, address or published (got "${String(reach)}").`);
  const envFile = typeof flags['env-file'] === 'string' ? resolve(flags['env-file']) : undefined;
  if (envFile && !(await isFile(envFile))) return bad(`--env-file ${envFile} is not a file.`);
  let chartDir = typeof flags.chart === 'string' ? resolve(flags.chart) : undefined;
  if (chartDir && !(await isFile(join(chartDir, 'Chart.yaml')))) return bad(`${chartDir} is not a chart folder (it has no Chart.yaml).`);

  // A folder or a project file: build its image first; anything else names an image.
  const arg = rest[0];
  const local = await stat(resolve(arg)).catch(() => undefined);
  let image = arg;
  let folder: string | undefined;
  if (local) {
    folder = local.isDirectory() ? resolve(arg) : dirname(resolve(arg));
    const parts = await findWorkspaceParts(folder).catch(() => undefined);
    if (!parts) return bad(`${folder} cannot be read.`);
    if (!parts.dockerfile) return bad(`no Dockerfile in ${folder}; run "aks-worker dockerfile" first, or give an image.`);
    chartDir ??= parts.chartDir;
    image = localPreflightTag(parts.chartDir ? parts.chartName : basename(dirname(parts.dockerfile)));
    const { buildImage } = await import('../tools/docker');
    const { dockerBuildContext } = await import('../tools/buildContext');
    err(`Building ${image} from ${parts.dockerfile}…\n`);
    try {
      const context = await dockerBuildContext(parts.dockerfile, folder);
      await buildImage({ dockerfile: parts.dockerfile, context, tags: [image], extraArgs: typeof flags.network === 'string' ? ['--network', flags.network] : undefined, extraArgsSource: { setting: '--network' } }, { paths });
    } catch (e) {
      err(`aks-worker preflight: build failed: ${(e as Error).message}\n`);
      return 1;
    }
  } else if (!/^[a-z0-9]/i.test(arg) || /\s/.test(arg)) {
    return bad(`"${arg}" is neither a folder, a project file nor an image reference.`);
  }

  const { preflight, PreflightInputError } = await import('../tools/preflight');
  const healthPort = flags['health-port'] !== undefined ? Number(flags['health-port']) : undefined;
  if (healthPort !== undefined && (!Number.isInteger(healthPort) || healthPort < 1 || healthPort > 65535)) return bad(`--health-port must be a whole number from 1 to 65535 (got "${String(flags['health-port'])}").`);
  let report: PreflightReport;
  try {
    report = await preflight(
      {
        image,
        chartDir,
        valuesFiles: lists.values,
        workload: typeof flags.workload === 'string' ? flags.workload : undefined,
        container: typeof flags.container === 'string' ? flags.container : undefined,
        release: typeof flags.release === 'string' ? flags.release : undefined,
        namespace: typeof flags.namespace === 'string' ? flags.namespace : undefined,
        durationSeconds: duration,
        network: typeof flags.network === 'string' ? flags.network : undefined,
        reach: reach as ReachMode | undefined,
        healthPort,
        envFile,
        healthPath: typeof flags['health-path'] === 'string' ? flags['health-path'] : undefined,
      },
      { paths, onProgress: flags.json ? undefined : (p) => err(`${p.message}\n`) },
    );
  } catch (e) {
    if (e instanceof PreflightInputError) return bad(e.message);
    if (e instanceof ToolError) {
      err(`aks-worker preflight: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (flags.json) out(`${JSON.stringify(report, null, 2)}\n`);
  else out(`${formatPreflight(report).join('\n')}\n`);
  return report.ok ? 0 : 1;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}
