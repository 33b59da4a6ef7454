import { chartNameProblem } from '../core/chart';
import { checkName } from '../core/names';
import { TOOLS, ToolPaths, toolFile } from './catalog';
import { ActionableError, ToolExitError } from './errors';
import { LineSink, RunOptions, runTool } from './process';

export interface HelmOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  sink?: LineSink;
  signal?: AbortSignal;
  cwd?: string;
}

export interface HelmVersionInfo {
  version: string;
  major: number;
  minor: number;
}

const versions = new Map<string, Promise<HelmVersionInfo>>();

const run = (o: HelmOptions, args: string[], extra: RunOptions = {}) =>
  runTool(TOOLS.helm, toolFile('helm', o.paths), args, { env: o.env, sink: o.sink, signal: o.signal, cwd: o.cwd, timeoutMs: 10 * 60_000, ...extra });

/** The Helm version, once per binary: `helm version --template` (Helm 4 refuses `-c`). */
export function helmVersion(o: HelmOptions = {}): Promise<HelmVersionInfo> {
  const key = toolFile('helm', o.paths);
  let p = versions.get(key);
  if (!p) {
    p = run(o, ['version', '--template', '{{.Version}}'], { logCommand: false, timeoutMs: 30_000 }).then((r) => {
      const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
      if (!m) throw new ActionableError('helm', 'helm-version', `Could not read the Helm version from "${r.stdout.trim()}".`);
      const info = { version: `${m[1]}.${m[2]}.${m[3]}`, major: Number(m[1]), minor: Number(m[2]) };
      if (info.major < 3) throw new ActionableError('helm', 'helm-too-old', `Helm ${info.version} is too old: install Helm 3 or 4.`);
      return info;
    });
    p.catch(() => versions.delete(key));
    versions.set(key, p);
  }
  return p;
}

/** Helm error text → what to do. */
export function mapHelmError(err: unknown): unknown {
  if (!(err instanceof ToolExitError)) return err;
  const text = err.stderrTail;
  if (/Kubernetes cluster unreachable|connection refused|no such host|i\/o timeout|dial tcp/i.test(text)) {
    return new ActionableError('helm', 'cluster-unreachable', `The Kubernetes cluster could not be reached: check the current context (status bar) and your network. Helm said: ${lastLine(text)}`, err);
  }
  if (/another operation \(install\/upgrade\/rollback\) is in progress/i.test(text)) {
    return new ActionableError('helm', 'operation-in-progress', `Another Helm operation on this release is still in progress (or was interrupted). Wait for it, or roll back to the last good revision. Helm said: ${lastLine(text)}`, err);
  }
  return err;
}

const lastLine = (text: string) => text.trim().split('\n').pop()?.replace(/^Error:\s*/, '') ?? '';

async function helm(o: HelmOptions, args: string[], extra: RunOptions = {}) {
  try {
    return await run(o, args, extra);
  } catch (err) {
    throw mapHelmError(err);
  }
}

/*
 * The argument builders below are the only places that put a name or a path on a helm command
 * line: release names and namespaces are checked, and every positional comes after `--`, so a name
 * or a folder can never be read as an option.
 */

/** `helm create -- NAME`: the chart name Helm writes a folder for. */
export function createArgs(name: string): string[] {
  const problem = chartNameProblem(name);
  if (problem) throw new ActionableError('helm', 'bad-chart-name', problem);
  return ['create', '--', name];
}

export function lintArgs(chartDir: string): string[] {
  return ['lint', '--', chartDir];
}

export function templateArgs(release: string, chartDir: string, o: { namespace?: string; set?: string[]; values?: string[] } = {}): string[] {
  return [
    'template',
    ...(o.namespace ? ['--namespace', checkName('namespace', o.namespace)] : []),
    ...(o.values ?? []).flatMap((f) => ['--values', f]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
    '--',
    checkName('release', release),
    chartDir,
  ];
}

export function historyArgs(release: string, namespace: string): string[] {
  return ['history', '--namespace', checkName('namespace', namespace), '--output', 'json', '--', checkName('release', release)];
}

export function rollbackArgs(release: string, revision: number, namespace: string, o: { wait?: boolean; timeout?: string } = {}): string[] {
  if (!Number.isInteger(revision) || revision < 0) throw new Error(`${revision} is not a Helm revision number.`);
  return ['rollback', '--namespace', checkName('namespace', namespace), ...(o.wait ? ['--wait'] : []), ...(o.timeout ? ['--timeout', o.timeout] : []), '--', checkName('release', release), String(revision)];
}

export function uninstallArgs(release: string, namespace: string, o: { wait?: boolean } = {}): string[] {
  return ['uninstall', '--namespace', checkName('namespace', namespace), ...(o.wait ? ['--wait'] : []), '--', checkName('release', release)];
}

export function statusArgs(release: string, namespace: string): string[] {
  return ['status', '--namespace', checkName('namespace', namespace), '--output', 'json', '--', checkName('release', release)];
}

export async function create(name: string, o: HelmOptions & { cwd: string }): Promise<void> {
  await helm(o, createArgs(name));
}

export async function lint(chartDir: string, o: HelmOptions = {}): Promise<string> {
  return (await helm(o, lintArgs(chartDir))).stdout;
}

export async function template(release: string, chartDir: string, o: HelmOptions & { namespace?: string; set?: string[]; values?: string[] } = {}): Promise<string> {
  return (await helm(o, templateArgs(release, chartDir, o), { logStdout: false, logCommand: false })).stdout;
}

/** The dry-run flag for this Helm: bare before 3.13, `=client`/`=server` after (a bare one warns on Helm 4). */
export function dryRunFlag(v: HelmVersionInfo, mode: 'client' | 'server' = 'client'): string {
  return v.major === 3 && v.minor < 13 ? '--dry-run' : `--dry-run=${mode}`;
}

/** `--wait` on Helm 3; `--wait=<strategy>` on Helm 4 when a strategy is chosen. */
export function waitFlag(v: HelmVersionInfo, strategy?: 'watcher' | 'legacy'): string {
  return v.major >= 4 && strategy ? `--wait=${strategy}` : '--wait';
}

/** The roll-back-on-failure flag: `--atomic` on Helm 3, `--rollback-on-failure` on Helm 4. */
export function atomicFlag(v: HelmVersionInfo): string {
  return v.major >= 4 ? '--rollback-on-failure' : '--atomic';
}

export interface ReleaseInfo {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chart?: string;
  appVersion?: string;
  manifest?: string;
  notes?: string;
  description?: string;
  /** When this revision was deployed (RFC 3339). */
  updated?: string;
}

interface ReleaseJson {
  name: string;
  namespace: string;
  version: number;
  info?: { status?: string; notes?: string; description?: string; last_deployed?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
  manifest?: string;
}

function toRelease(j: ReleaseJson): ReleaseInfo {
  const meta = j.chart?.metadata;
  return {
    name: j.name,
    namespace: j.namespace,
    revision: j.version,
    status: j.info?.status ?? 'unknown',
    chart: meta ? `${meta.name}-${meta.version}` : undefined,
    appVersion: meta?.appVersion,
    manifest: j.manifest,
    notes: j.info?.notes,
    description: j.info?.description,
    updated: j.info?.last_deployed,
  };
}

function parseRelease(stdout: string): ReleaseInfo {
  const start = stdout.indexOf('{');
  if (start < 0) throw new ActionableError('helm', 'helm-bad-output', 'Helm printed no release JSON.');
  return toRelease(JSON.parse(stdout.slice(start)) as ReleaseJson);
}

export interface UpgradeRequest {
  release: string;
  chartDir: string;
  namespace: string;
  createNamespace?: boolean;
  wait?: boolean;
  /** Helm 4's wait strategy: "watcher" (kstatus, the default) or "legacy" (Helm 3's polling). Ignored on Helm 3. */
  waitStrategy?: 'watcher' | 'legacy';
  /** e.g. "5m0s". */
  timeout?: string;
  atomic?: boolean;
  dryRun?: 'client' | 'server';
  set?: string[];
}

/** The arguments of `helm upgrade --install` for a request, each flag spelled for the Helm in use. */
export function upgradeInstallArgs(req: UpgradeRequest, v: HelmVersionInfo): string[] {
  const args = ['upgrade', '--install', '--namespace', checkName('namespace', req.namespace), '--output', 'json'];
  if (req.createNamespace) args.push('--create-namespace');
  if (req.dryRun) args.push(dryRunFlag(v, req.dryRun));
  if (req.wait) args.push(waitFlag(v, req.waitStrategy));
  if (req.timeout) args.push('--timeout', req.timeout);
  if (req.atomic && !req.dryRun) args.push(atomicFlag(v));
  for (const s of req.set ?? []) args.push('--set', s);
  args.push('--', checkName('release', req.release), req.chartDir);
  return args;
}

/** `helm upgrade --install` (or its dry run), with each flag spelled for the Helm in use. */
export async function upgradeInstall(req: UpgradeRequest, o: HelmOptions = {}): Promise<ReleaseInfo> {
  const v = await helmVersion(o);
  const r = await helm(o, upgradeInstallArgs(req, v), { logStdout: false });
  return parseRelease(r.stdout);
}

export interface HistoryEntry {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  appVersion: string;
  description: string;
}

export async function history(release: string, namespace: string, o: HelmOptions = {}): Promise<HistoryEntry[]> {
  const r = await helm(o, historyArgs(release, namespace), { logStdout: false });
  const list = JSON.parse(r.stdout || '[]') as Array<{ revision: number; updated: string; status: string; chart: string; app_version: string; description: string }>;
  return list.map((h) => ({ revision: h.revision, updated: h.updated, status: h.status, chart: h.chart, appVersion: h.app_version, description: h.description }));
}

export async function rollback(release: string, revision: number, namespace: string, o: HelmOptions & { wait?: boolean; timeout?: string } = {}): Promise<void> {
  await helm(o, rollbackArgs(release, revision, namespace, o));
}

export async function uninstall(release: string, namespace: string, o: HelmOptions & { wait?: boolean } = {}): Promise<void> {
  await helm(o, uninstallArgs(release, namespace, o));
}

/** The release now. `helm status -o json` leaves out the chart, so its name and appVersion come from the history. */
export async function status(release: string, namespace: string, o: HelmOptions = {}): Promise<ReleaseInfo> {
  const info = parseRelease((await helm(o, statusArgs(release, namespace), { logStdout: false })).stdout);
  if (!info.appVersion || !info.chart) {
    const entry = (await history(release, namespace, o)).find((h) => h.revision === info.revision);
    if (entry) return { ...info, chart: info.chart ?? entry.chart, appVersion: info.appVersion ?? entry.appVersion };
  }
  return info;
}
