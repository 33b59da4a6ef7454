/** aks-worker release bump: chart version, appVersion and image tag together, verified by a render. */
import { basename, resolve } from 'node:path';
import { BumpError } from '../core/bump';
import { BumpKind } from '../core/versions';
import { YamlEditError } from '../core/yamlEdit';
import { ToolPaths } from '../tools/catalog';
import { ReadOnlyFileError } from '../tools/files';
import { BumpVerifyError, bumpChartFiles } from '../tools/workerChart';
import { badInput } from './common';

export async function releaseCommand(rest: string[], flags: Record<string, string | boolean>, lists: Record<string, string[]>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
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
