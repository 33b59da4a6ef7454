import { readUserText } from './files';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { BuildArgsError, BuildArgsSource, checkBuildArgs } from '../core/buildArgs';
import { InvalidNameError, checkName } from '../core/names';
import { guardYaml, yamlToJS } from '../core/parseLimits';
import { formatImageRef, parseImageRef, tagProblem } from '../core/imageRef';
import { BumpKind, nextPatch } from '../core/versions';
import { ToolPaths } from './catalog';
import { ACR_TOKEN_USER, acrToken } from './az';
import { buildImage, login, pushImage } from './docker';
import { dockerBuildContext } from './buildContext';
import { ActionableError } from './errors';
import { ReleaseSettings, upgradeRequestFor } from '../core/release';
import { ReleaseInfo, UpgradeRequest, upgradeInstall } from './helm';
import { LineSink } from './process';
import { bumpChartFiles } from './workerChart';
import { PreflightReport, formatPreflight } from '../core/preflight';

export const SHIP_STEPS = ['build', 'preflight', 'push', 'bump', 'release'] as const;
export type ShipStep = (typeof SHIP_STEPS)[number];

export class ShipInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShipInputError';
  }
}

/** A step that failed: which, and why. Nothing after it ran. */
export class ShipStepError extends Error {
  constructor(readonly step: ShipStep, readonly cause: unknown) {
    super(`${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ShipStepError';
  }
}

export interface ShipRequest {
  /** Absolute paths. */
  dockerfile: string;
  chartDir: string;
  /** Where the workspace ends (a solution above it is not the build context). */
  workspace: string;
  /** The new image tag; default: the chart's appVersion, bumped. */
  tag?: string;
  bump?: BumpKind;
  namespace: string;
  release: string;
  /** How Helm waits, times out and rolls back (aksWorker.release.*); missing ones take the settings' defaults. */
  settings?: Partial<ReleaseSettings>;
  /** Log in to this ACR through az before pushing; otherwise docker's existing login is used. */
  acrName?: string;
  /** Extra docker build arguments, e.g. ["--platform", "linux/amd64"]: only the allowed options (core/buildArgs). */
  buildArgs?: readonly unknown[];
  /** Where buildArgs come from, for the message when one is refused. */
  buildArgsSource?: BuildArgsSource;
  /** Where the release name comes from ("--release", "the name in Chart.yaml"), for the message when it is refused. */
  releaseOrigin?: string;
  createNamespace?: boolean;
  /** Check that the Dockerfile still fits the project (MSBuild); default true. */
  checkProject?: boolean;
  /** Run the built image and probe it as the kubelet would before the push; default true. */
  preflight?: boolean;
  /** Preflight's local values for what the chart takes from Secrets and ConfigMaps. */
  preflightEnvFile?: string;
}

/** Preflight found that a release would not keep the worker running: nothing was pushed. */
export class PreflightFailedError extends Error {
  constructor(readonly report: PreflightReport) {
    super(report.problems.filter((p) => p.severity === 'error').map((p) => p.message).join(' ') || 'the preflight was cancelled');
    this.name = 'PreflightFailedError';
  }
}

export interface ShipOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  sink?: LineSink;
  signal?: AbortSignal;
  onStep?: (step: ShipStep, index: number, detail: string) => void;
}

export interface ShipResult {
  image: string;
  /** The preflight's report (absent when it was skipped). */
  preflight?: PreflightReport;
  digest?: string;
  chartVersion: string;
  release: ReleaseInfo;
}

/** The `helm upgrade --install` request of Ship's release step: the same builder as Install or Upgrade. */
export function shipUpgradeRequest(req: Pick<ShipRequest, 'release' | 'chartDir' | 'namespace' | 'settings' | 'createNamespace'>): UpgradeRequest {
  return upgradeRequestFor({ release: req.release, chartDir: req.chartDir, namespace: req.namespace }, req.settings, req.createNamespace ?? false);
}

/** The image the chart deploys (values image.repository) and the tag this ship will use. */
export async function planShip(req: Pick<ShipRequest, 'chartDir' | 'tag'>): Promise<{ repository: string; tag: string; currentAppVersion?: string }> {
  let values: Record<string, unknown>;
  let chart: Record<string, unknown>;
  try {
    const read = async (name: string) => {
      const file = join(req.chartDir, name);
      const text = await readUserText(file);
      guardYaml(text, file);
      return (yamlToJS(parseDocument(text), file) ?? {}) as Record<string, unknown>;
    };
    values = await read('values.yaml');
    chart = await read('Chart.yaml');
  } catch (err) {
    throw new ShipInputError(`${req.chartDir} is not a readable chart: ${(err as Error).message}`);
  }
  const repository = (values.image as { repository?: unknown } | undefined)?.repository;
  if (typeof repository !== 'string' || !repository) throw new ShipInputError(`${join(req.chartDir, 'values.yaml')} has no image.repository: set it to <registry>/<image>.`);
  try {
    const ref = parseImageRef(repository);
    if (!ref.registry) throw new ShipInputError(`image.repository "${repository}" names no registry; set it to <registry login server>/<image>.`);
  } catch (err) {
    if (err instanceof ShipInputError) throw err;
    throw new ShipInputError(`image.repository "${repository}": ${(err as Error).message}`);
  }
  const currentAppVersion = chart.appVersion === undefined ? undefined : String(chart.appVersion);
  const tag = req.tag ?? (currentAppVersion ? nextPatch(currentAppVersion) : undefined) ?? '0.0.1';
  const tp = tagProblem(tag);
  if (tp) throw new ShipInputError(tp);
  return { repository, tag, currentAppVersion };
}

/**
 * Build → preflight → push → bump → upgrade. Each step starts only if the one before succeeded: an
 * image the kubelet would restart is not pushed; the chart files change only after the image is in
 * the registry, and atomically.
 */
export async function ship(req: ShipRequest, o: ShipOptions = {}): Promise<ShipResult> {
  // Names and build options are checked before anything runs: Ship never builds what it cannot release.
  try {
    checkName('release', req.release, req.releaseOrigin);
    checkName('namespace', req.namespace);
    checkBuildArgs(req.buildArgs ?? [], req.buildArgsSource ?? { setting: 'the extra docker build arguments' });
  } catch (err) {
    if (err instanceof InvalidNameError || err instanceof BuildArgsError) throw new ShipInputError(err.message);
    throw err;
  }
  const { repository, tag } = await planShip(req);
  if (req.checkProject !== false) {
    // Before anything runs: a Dockerfile that no longer fits the project would ship a worker that
    // cannot start (a runtime image for a worker that now needs ASP.NET Core, another .NET version).
    const { dockerfileMismatch } = await import('./dotnetProject');
    const mismatch = await dockerfileMismatch(req.dockerfile, { paths: o.paths, env: o.env, signal: o.signal, stopAt: req.workspace });
    if (mismatch) throw new ShipInputError(mismatch);
  }
  const image = formatImageRef({ ...parseImageRef(repository), tag });
  const common = { paths: o.paths, env: o.env, sink: o.sink, signal: o.signal };
  const step = async <T>(name: ShipStep, detail: string, run: () => Promise<T>): Promise<T> => {
    if (o.signal?.aborted) throw new ShipStepError(name, new Error('cancelled before it started'));
    o.onStep?.(name, SHIP_STEPS.indexOf(name), detail);
    o.sink?.info(`── ${name}: ${detail}`);
    try {
      return await run();
    } catch (err) {
      throw new ShipStepError(name, err);
    }
  };

  await step('build', `docker build ${image}`, async () => {
    const context = await dockerBuildContext(req.dockerfile, req.workspace);
    return buildImage({ dockerfile: req.dockerfile, context, tags: [image], extraArgs: req.buildArgs, extraArgsSource: req.buildArgsSource }, common);
  });
  let checked: PreflightReport | undefined;
  if (req.preflight === false) {
    o.onStep?.('preflight', SHIP_STEPS.indexOf('preflight'), 'skipped');
    o.sink?.info('── preflight: skipped');
  } else {
    checked = await step('preflight', `run ${image} and probe it as the kubelet would`, async () => {
      const { preflight } = await import('./preflight');
      const report = await preflight({ image, chartDir: req.chartDir, release: req.release, namespace: req.namespace, quick: true, envFile: req.preflightEnvFile }, { paths: o.paths, env: o.env, sink: o.sink, signal: o.signal });
      for (const line of formatPreflight(report)) o.sink?.info(line);
      if (!report.ok) throw new PreflightFailedError(report);
      return report;
    });
  }
  const pushed = await step('push', `docker push ${image}`, async () => {
    if (req.acrName) {
      const { accessToken, loginServer } = await acrToken(req.acrName, common);
      if (loginServer !== parseImageRef(repository).registry) {
        throw new ActionableError('az', 'registry-mismatch', `The chart pushes to ${parseImageRef(repository).registry}, but ACR ${req.acrName} logs in to ${loginServer}.`);
      }
      await login(loginServer, ACR_TOKEN_USER, accessToken, common);
    }
    return pushImage(image, common);
  });
  const bumped = await step('bump', `chart version (${req.bump ?? 'patch'}), appVersion and image.tag = ${tag}`, () =>
    bumpChartFiles(req.chartDir, { appVersion: tag, chartVersion: req.bump ?? 'patch' }, { paths: o.paths, env: o.env, signal: o.signal, release: req.release, namespace: req.namespace }),
  );
  const release = await step('release', `helm upgrade --install ${req.release} in ${req.namespace}`, () =>
    upgradeInstall(shipUpgradeRequest(req), common),
  );
  return { image, digest: pushed.digest, chartVersion: bumped.to.version, release, ...(checked ? { preflight: checked } : {}) };
}
