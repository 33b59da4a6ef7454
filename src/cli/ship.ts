/** aks-worker ship: build, push, bump and release in one go. */
import { join, resolve } from 'node:path';
import { ToolPaths } from '../tools/catalog';
import { PreflightFailedError, SHIP_STEPS, ShipInputError, ShipStepError, ship } from '../tools/ship';
import { findWorkspaceParts } from '../tools/workspaceFiles';
import { badInput } from './common';

export async function shipCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
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
        buildArgsSource: { setting: '--network' },
        releaseOrigin: typeof flags.release === 'string' ? 'given with --release' : `the chart name in ${join(parts.chartDir, 'Chart.yaml')}`,
        createNamespace: true,
        preflight: flags['no-preflight'] !== true,
        preflightEnvFile: typeof flags['env-file'] === 'string' ? resolve(flags['env-file']) : undefined,
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
      if (e.cause instanceof PreflightFailedError) {
        // The report's lines went to stderr as the step ran.
        err(`aks-worker ship: preflight failed: the image was not pushed and the chart was not changed. Fix the worker, or ship with --no-preflight.\n`);
        return 1;
      }
      err(`aks-worker ship: ${e.message}\n${e.step === 'build' || e.step === 'preflight' || e.step === 'push' ? 'The chart was not changed.\n' : ''}`);
      return 1;
    }
    throw e;
  }
}
