/** aks-worker ship: build, push, bump and release in one go. */
import { resolve } from 'node:path';
import { ToolPaths } from '../tools/catalog';
import { SHIP_STEPS, ShipInputError, ShipStepError, ship } from '../tools/ship';
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
