import { isMap, isScalar, parseDocument, type Node, type Pair } from 'yaml';
import { tagProblem } from './imageRef';
import { setValue } from './valuesEdit';
import { BumpKind, bumpSemver, compareSemver, isSemver } from './versions';
import { guardYaml } from './parseLimits';
import { YamlEditError } from './yamlEdit';

export interface BumpRequest {
  /** The new image tag: becomes appVersion and values image.tag. */
  appVersion: string;
  /** How to move the chart's own version, or an explicit SemVer. */
  chartVersion: BumpKind | { exact: string };
  /** Accept an explicit chart version lower than or equal to the current one. */
  allowDowngrade?: boolean;
}

export interface BumpResult {
  chartYaml: string;
  valuesYaml: string;
  from: { version: string; appVersion?: string; tag?: string };
  to: { version: string; appVersion: string; tag: string };
  /** What was left alone and why (a templated image.tag). */
  notes: string[];
}

export class BumpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BumpError';
  }
}

/**
 * A scalar as written in the file, without its quotes: `appVersion: 1.10` reads "1.10", not 1.1.
 * Undefined when the key is absent or not a scalar.
 */
export function rawScalar(text: string, path: string[], file = 'Chart.yaml'): string | undefined {
  guardYaml(text, file);
  const doc = parseDocument(text, { uniqueKeys: false });
  let node = doc.contents as Node | null;
  for (const k of path) {
    if (!isMap(node)) return undefined;
    const pairs = node.items.filter((it) => isScalar(it.key) && String(it.key.value) === k) as Array<Pair<Node, Node>>;
    node = pairs.length ? (pairs[pairs.length - 1].value as Node | null) : null;
  }
  if (!node || !isScalar(node) || !node.range) return undefined;
  if (node.value === null) return undefined;
  const src = text.slice(node.range[0], node.range[1]);
  return typeof node.value === 'string' ? node.value : src.trim();
}

const problemOf = (text: string, file: string) => {
  guardYaml(text, file);
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw new YamlEditError(file, err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), pos?.line, pos?.col);
  }
};

/**
 * Sets Chart.yaml version and appVersion and values.yaml image.tag together. Only those three values
 * change in the text, each keeping how it was written (quoted stays quoted; `1.10` stays `1.10`).
 * A templated image.tag ("{{ .Chart.AppVersion }}-alpine") follows appVersion by itself and is left
 * alone. Anything invalid throws before either file is touched.
 */
export function bumpChart(chartYaml: string, valuesYaml: string, req: BumpRequest, files = { chart: 'Chart.yaml', values: 'values.yaml' }, tagPath: string[] = ['image', 'tag']): BumpResult {
  const tp = tagProblem(req.appVersion);
  if (tp) throw new BumpError(`The image tag is not valid: ${tp}`);
  problemOf(chartYaml, files.chart);
  problemOf(valuesYaml, files.values);
  const current = rawScalar(chartYaml, ['version'], files.chart);
  if (current === undefined) throw new YamlEditError(files.chart, 'has no "version"');
  let next: string | undefined;
  if (typeof req.chartVersion === 'object') {
    next = req.chartVersion.exact;
    if (!isSemver(next)) throw new BumpError(`"${next}" is not a semantic version (MAJOR.MINOR.PATCH), which Helm requires for a chart version.`);
    const cmp = compareSemver(next, current);
    if (cmp !== undefined && cmp <= 0 && !req.allowDowngrade) {
      throw new BumpError(`${files.chart}: the chart version would go from ${current} ${cmp === 0 ? 'to the same' : 'down to'} ${next}; Helm and chart repositories order releases by version. Give a higher version, or --allow-downgrade if this is meant.`);
    }
  } else {
    next = bumpSemver(current, req.chartVersion);
    if (!next) throw new BumpError(`${files.chart}: version "${current}" is not a semantic version, so it cannot be bumped; give the new version explicitly.`);
  }
  const doc = parseDocument(valuesYaml, { uniqueKeys: false });
  const image = doc.getIn(tagPath.slice(0, -1), true) as Node | undefined;
  const hasImage = !!image && isMap(image);
  const tagKey = tagPath.join('.');
  const from = { version: current, appVersion: rawScalar(chartYaml, ['appVersion'], files.chart), tag: rawScalar(valuesYaml, tagPath, files.values) };
  const notes: string[] = [];
  let chart = setValue(chartYaml, files.chart, ['version'], next).text;
  chart = setValue(chart, files.chart, ['appVersion'], req.appVersion).text;
  let values = valuesYaml;
  let tag = req.appVersion;
  if (!hasImage) {
    // No top-level image map (server.image, images.…): the chart's images follow appVersion or keys
    // of their own; the render after the bump tells which.
    notes.push(`${files.values} has no ${tagKey}: only appVersion changes, and the chart's images follow it where they use it`);
  } else if (from.tag && from.tag.includes('{{')) {
    notes.push(`${files.values}: ${tagKey} is a template ("${from.tag}"), so it follows appVersion by itself and was left as it is`);
    tag = from.tag;
  } else if (from.tag === '') {
    // helm create's `tag: ""`: the image follows appVersion; writing the same value there changes nothing Helm renders.
    notes.push(`${files.values}: ${tagKey} is empty, so the image follows appVersion (${req.appVersion}); it was left empty`);
  } else {
    const r = setValue(values, files.values, tagPath, req.appVersion);
    values = r.text;
    notes.push(...r.notes);
  }
  return { chartYaml: chart, valuesYaml: values, from, to: { version: next, appVersion: req.appVersion, tag }, notes };
}
