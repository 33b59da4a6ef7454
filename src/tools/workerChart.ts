import { rm, stat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BumpRequest, BumpResult, bumpChart } from '../core/bump';
import { ChartProbes, readChartProbes, writeProbeToTemplate, writeProbeToValues } from '../core/chartProbes';
import { Probe, ProbeKind } from '../core/probes';
import { YamlEditError } from '../core/yamlEdit';
import { WORKER_GRACE_SECONDS, WORKER_REMOVED_DIRS, WORKER_REMOVED_TEMPLATES, WorkerValues, chartNameProblem, setAppVersion, stripDeployment, stripValues, workerNotes } from '../core/chart';
import { MAX_ALIAS_COUNT, ParseLimitError, guardYaml } from '../core/parseLimits';
import { readUserText, writeFileAtomic } from './files';
import { HelmOptions, create } from './helm';

export class ChartError extends Error {
  constructor(message: string, readonly code: 'bad-name' | 'exists') {
    super(message);
    this.name = 'ChartError';
  }
}

export interface CreateWorkerChartRequest extends WorkerValues {
  name: string;
  /** The charts/ folder; created if missing. */
  chartsDir: string;
}

/**
 * `helm create` with the user's Helm, then stripped for a worker and rendered by that Helm to check
 * it. The chart folder is new, so if anything fails it is removed again and nothing else was touched.
 */
export async function createWorkerChart(req: CreateWorkerChartRequest, o: HelmOptions = {}): Promise<string> {
  const problem = chartNameProblem(req.name);
  if (problem) throw new ChartError(problem, 'bad-name');
  const dir = join(req.chartsDir, req.name);
  if (await stat(dir).then(() => true, () => false)) throw new ChartError(`${dir} already exists; choose another name or delete it first.`, 'exists');
  await mkdir(req.chartsDir, { recursive: true });
  await create(req.name, { ...o, cwd: req.chartsDir });
  try {
    const read = (p: string) => readUserText(join(dir, p));
    const [values, chart, deployment] = await Promise.all([read('values.yaml'), read('Chart.yaml'), read('templates/deployment.yaml')]);
    const files: Array<[string, string]> = [
      ['values.yaml', stripValues(values, req, join(dir, 'values.yaml'))],
      ['Chart.yaml', setAppVersion(chart, req.tag, join(dir, 'Chart.yaml'))],
      ['templates/deployment.yaml', stripDeployment(deployment, join(dir, 'templates/deployment.yaml'))],
      ['templates/NOTES.txt', workerNotes(req.name)],
    ];
    for (const t of WORKER_REMOVED_TEMPLATES) await rm(join(dir, 'templates', t), { force: true });
    for (const d of WORKER_REMOVED_DIRS) await rm(join(dir, 'templates', d), { recursive: true, force: true });
    for (const [p, text] of files) await writeFileAtomic(join(dir, p), text);
    // Helm's own eyes: the stripped chart renders one Deployment with the values just written.
    const { template } = await import('./helm');
    const { parseRendered } = await import('../core/chartRender');
    const deployments = parseRendered(await template(req.name, dir, o)).filter((w) => w.kind === 'Deployment');
    if (deployments.length !== 1 || deployments[0]!.terminationGracePeriodSeconds !== WORKER_GRACE_SECONDS) {
      throw new Error(`Helm renders ${deployments.length} Deployment(s) from the stripped chart${deployments[0] ? ` (terminationGracePeriodSeconds ${String(deployments[0].terminationGracePeriodSeconds)})` : ''}, not the worker's one with terminationGracePeriodSeconds ${WORKER_GRACE_SECONDS}; the chart was removed.`);
    }
    return dir;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Which values key sets the tag of the chart's images, as Helm renders them: one render with a distinct
 * word in every `tag` value; the image that shows one tells which key (and the file where it wins).
 * Undefined when none does (the images follow appVersion) or helm cannot render.
 */
async function findTagKey(chartDir: string, verify: BumpVerify): Promise<{ file: string; path: string[] } | undefined> {
  const { parse, stringify } = await import('yaml');
  const { template } = await import('./helm');
  const { parseRendered } = await import('../core/chartRender');
  const { locateValue, subcharts } = await import('./chartModel');
  const { mkdtemp, writeFile: write, rm: remove } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const files = [join(chartDir, 'values.yaml'), ...(verify.valuesFiles ?? [])];
  const merged: Record<string, unknown> = {};
  const put = (o: Record<string, unknown>, v: unknown) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x && typeof x === 'object' && !Array.isArray(x)) put((o[k] ??= {}) as Record<string, unknown>, x);
      else o[k] = x;
    }
  };
  const read = async (file: string): Promise<unknown> => {
    const text = await readUserText(file).catch((err: unknown) => {
      if (err instanceof ParseLimitError) throw err;
      return '';
    });
    guardYaml(text, file);
    return parse(text, { maxAliasCount: MAX_ALIAS_COUNT });
  };
  for (const sub of await subcharts(chartDir)) put(merged, { [sub.key]: (await read(join(sub.dir, 'values.yaml'))) ?? {} });
  for (const f of files) put(merged, (await read(f)) ?? {});
  const overlay: Record<string, unknown> = {};
  const byWord = new Map<string, string[]>();
  let n = 0;
  const walk = (v: unknown, path: string[]) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'tag' && typeof x === 'string' && x !== '' && !x.includes('{{')) {
        const word = `akswtag${++n}x`;
        byWord.set(word, [...path, k]);
        let o = overlay;
        for (const p of path) o = (o[p] ??= {}) as Record<string, unknown>;
        o[k] = word;
      } else walk(x, [...path, k]);
    }
  };
  walk(merged, []);
  if (!byWord.size) return undefined;
  const tmp = await mkdtemp(join(tmpdir(), 'aksw-tag-'));
  try {
    await write(join(tmp, 'tags.yaml'), stringify(overlay));
    const text = await template(verify.release ?? 'release-name', chartDir, { paths: verify.paths, env: verify.env, signal: verify.signal, namespace: verify.namespace, values: [...(verify.valuesFiles ?? []), join(tmp, 'tags.yaml')] });
    const images = parseRendered(text).flatMap((w) => w.containers.map((c) => c.image ?? ''));
    // The chart's own image: image.tag, or a subchart's (an umbrella's worker.image.tag); a sidecar's
    // tag elsewhere (configmapReload.image.tag) is not the chart's.
    const subKeys = new Set((await subcharts(chartDir)).map((x) => x.key));
    const own = (p: string[]) => p.join('.') === 'image.tag' || (p.length === 3 && subKeys.has(p[0]) && p[1] === 'image' && p[2] === 'tag');
    const hits = [...byWord.entries()].filter(([w, p]) => own(p) && images.some((i) => i.includes(w))).map(([, p]) => p);
    const path = hits.find((p) => p.join('.') === 'image.tag') ?? hits[0];
    if (!path) return undefined;
    const at = await locateValue(chartDir, files, path);
    return at ? { file: at.file, path: at.path } : undefined;
  } finally {
    await remove(tmp, { recursive: true, force: true });
  }
}

/** What a bump's render check needs; without it (or without helm) the files are written unchecked. */
export interface BumpVerify extends Pick<HelmOptions, 'paths' | 'env' | 'signal'> {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
}

/** The render after a bump did not show the new image: the files were restored. */
export class BumpVerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BumpVerifyError';
  }
}

/**
 * Bump Version on disk: reads Chart.yaml and values.yaml, computes both edits (nothing is written if
 * either is invalid), writes both atomically, then — with `verify` and helm — renders the chart and
 * checks that its image now carries the new tag; if not, both files are restored byte for byte.
 */
export async function bumpChartFiles(chartDir: string, req: BumpRequest, verify?: BumpVerify): Promise<BumpResult & { verified?: string }> {
  const chartFile = join(chartDir, 'Chart.yaml');
  // The key that sets the image tag: image.tag, unless Helm shows another (an umbrella's worker.image.tag).
  const tag = (verify && (await findTagKey(chartDir, verify).catch(() => undefined))) ?? { file: join(chartDir, 'values.yaml'), path: ['image', 'tag'] };
  const valuesFile = tag.file;
  const [chart, values] = await Promise.all([readUserText(chartFile), readUserText(valuesFile)]);
  const result = bumpChart(chart, values, req, { chart: chartFile, values: valuesFile }, tag.path);
  await writeFileAtomic(chartFile, result.chartYaml);
  try {
    if (result.valuesYaml !== values) await writeFileAtomic(valuesFile, result.valuesYaml);
  } catch (err) {
    await writeFileAtomic(chartFile, chart);
    throw err;
  }
  if (!verify) return result;
  const restore = async () => {
    await writeFileAtomic(chartFile, chart);
    if (result.valuesYaml !== values) await writeFileAtomic(valuesFile, values);
  };
  let rendered: string;
  try {
    const { template } = await import('./helm');
    rendered = await template(verify.release ?? 'release-name', chartDir, { paths: verify.paths, env: verify.env, signal: verify.signal, namespace: verify.namespace, values: verify.valuesFiles });
  } catch (err) {
    const { ToolNotFoundError } = await import('./errors');
    if (err instanceof ToolNotFoundError) return result; // no helm: written as computed, unchecked
    await restore();
    throw new BumpVerifyError(`the chart does not render after the bump, so it was undone: ${(err as Error).message}`);
  }
  const { parseRendered } = await import('../core/chartRender');
  const images = parseRendered(rendered).flatMap((w) => w.containers.map((c) => c.image ?? ''));
  const wanted = result.to.tag.includes('{{') ? req.appVersion : result.to.tag;
  const hit = images.find((i) => i.endsWith(`:${wanted}`) || i.includes(`:${wanted}-`) || i.includes(`:${wanted}@`) || (result.to.tag.includes('{{') && i.includes(wanted)));
  if (!hit) {
    await restore();
    throw new BumpVerifyError(`after the bump no rendered image carries the tag ${wanted} (images: ${images.join(', ') || 'none'}), so both files were restored. Does the template read .Values.image.tag or .Chart.AppVersion?`);
  }
  return { ...result, verified: hit };
}

/** The probes of the chart in `chartDir`, read from values.yaml and templates/deployment.yaml. */
export async function readChartProbesFromDir(chartDir: string): Promise<ChartProbes & { files: { values: string; deployment: string } }> {
  const files = { values: join(chartDir, 'values.yaml'), deployment: join(chartDir, 'templates', 'deployment.yaml') };
  const [values, deployment] = await Promise.all([
    readUserText(files.values).catch((err: unknown) => {
      if (err instanceof ParseLimitError) throw err;
      return '';
    }),
    readUserText(files.deployment),
  ]);
  return { ...readChartProbes(values, deployment, files), files };
}

/** Writes one probe where the chart keeps it (values.yaml or the template), atomically. */
export async function writeChartProbe(chartDir: string, kind: ProbeKind, probe: Probe | undefined): Promise<string> {
  const current = await readChartProbesFromDir(chartDir);
  if (current.location === 'none') throw new YamlEditError(current.files.deployment, current.note ?? 'no probes to edit');
  const file = current.location === 'values' ? current.files.values : current.files.deployment;
  const text = await readUserText(file);
  const next = current.location === 'values' ? writeProbeToValues(text, kind, probe, file) : writeProbeToTemplate(text, kind, probe, file);
  await writeFileAtomic(file, next);
  return file;
}
