/** aks-worker chart create: a worker chart from helm create. */
import { resolve } from 'node:path';
import { tagProblem, parseImageRef, ImageRefError } from '../core/imageRef';
import { YamlEditError } from '../core/yamlEdit';
import { ToolPaths } from '../tools/catalog';
import { ChartError, createWorkerChart } from '../tools/workerChart';
import { badInput, healthPortFlag } from './common';

export async function chartCommand(rest: string[], flags: Record<string, string | boolean>, paths: ToolPaths, out: (s: string) => void, err: (s: string) => void): Promise<number> {
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
