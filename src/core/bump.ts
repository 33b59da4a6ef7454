import { tagProblem } from './imageRef';
import { BumpKind, bumpSemver, isSemver } from './versions';
import { YamlEditError, YamlTextEditor } from './yamlEdit';

export interface BumpRequest {
  /** The new image tag: becomes appVersion and values image.tag. */
  appVersion: string;
  /** How to move the chart's own version, or an explicit SemVer. */
  chartVersion: BumpKind | { exact: string };
}

export interface BumpResult {
  chartYaml: string;
  valuesYaml: string;
  from: { version: string; appVersion?: string; tag?: string };
  to: { version: string; appVersion: string; tag: string };
}

export class BumpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BumpError';
  }
}

/**
 * Sets Chart.yaml version and appVersion and values.yaml image.tag together. Only those three
 * values change in the text; anything invalid throws before either file is touched.
 */
export function bumpChart(chartYaml: string, valuesYaml: string, req: BumpRequest, files = { chart: 'Chart.yaml', values: 'values.yaml' }): BumpResult {
  const tp = tagProblem(req.appVersion);
  if (tp) throw new BumpError(`The image tag is not valid: ${tp}`);
  const chart = new YamlTextEditor(chartYaml, files.chart);
  const values = new YamlTextEditor(valuesYaml, files.values);
  const version = chart.get(['version']);
  if (typeof version !== 'string' && typeof version !== 'number') throw new YamlEditError(files.chart, 'has no "version"');
  const current = String(version);
  let next: string | undefined;
  if (typeof req.chartVersion === 'object') {
    next = req.chartVersion.exact;
    if (!isSemver(next)) throw new BumpError(`"${next}" is not a semantic version (MAJOR.MINOR.PATCH), which Helm requires for a chart version.`);
  } else {
    next = bumpSemver(current, req.chartVersion);
    if (!next) throw new BumpError(`${files.chart}: version "${current}" is not a semantic version, so it cannot be bumped; give the new version explicitly.`);
  }
  const image = values.get(['image']);
  if (image === undefined || image === null || typeof image !== 'object') throw new YamlEditError(files.values, 'has no "image" mapping to set the tag in');
  const from = { version: current, appVersion: stringOrUndefined(chart.get(['appVersion'])), tag: stringOrUndefined(values.get(['image', 'tag'])) };
  chart.setScalar(['version'], next).setScalar(['appVersion'], req.appVersion, 'double');
  values.setScalar(['image', 'tag'], req.appVersion, 'double');
  return { chartYaml: chart.toString(), valuesYaml: values.toString(), from, to: { version: next, appVersion: req.appVersion, tag: req.appVersion } };
}

const stringOrUndefined = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
