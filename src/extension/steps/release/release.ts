import vscode = require('vscode');
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { parseHelmError } from '../../../core/chart';
import { bumpChart } from '../../../core/bump';
import { nextPatch, isSemver, BumpKind } from '../../../core/versions';
import { tagProblem } from '../../../core/imageRef';
import { YamlEditError } from '../../../core/yamlEdit';
import { ActionableError, ToolExitError } from '../../../tools/errors';
import { HelmOptions, ReleaseInfo, history, rollback, uninstall, upgradeInstall } from '../../../tools/helm';
import { NamespaceSource, ResolvedNamespace, resolveNamespace } from '../../../core/namespace';
import { upgradeRequestFor } from '../../../core/release';
import { KubeContextService } from '../../kubeContext';
import { NamespaceService } from '../../namespaceService';
import { releaseChanged } from '../../releaseEvents';
import { WorkflowState } from '../../state';
import { releaseSettings, toolPaths, workflowSettings } from '../../util/config';
import { RunView } from '../../util/runView';
import { WorkspaceModel } from '../../workspaceModel';
import { minimalEdit } from '../../util/edits';
import { showReadOnly } from '../../util/readonlyDocs';
import { ChartTarget, pickChart } from '../chart/chartTarget';

interface ReleaseTarget extends ChartTarget {
  release: string;
  namespace: string;
  /** Where the namespace comes from (setting, picked, context or default), and in words. */
  namespaceSource: NamespaceSource;
  namespaceWhy: string;
}

/**
 * The release a chart is installed as, and where. The name: the setting, then the name used before,
 * then the chart's. The namespace: NamespaceService, the one every command uses.
 */
export function releaseTarget(chart: ChartTarget, state: WorkflowState, kube: KubeContextService, namespaces: NamespaceService | undefined = NamespaceService.shared): ReleaseTarget {
  const settings = workflowSettings(chart.folder);
  const remembered = state.get(chart.folder).releaseNames?.[chart.dir];
  const ns = namespaces?.current(chart.folder) ?? fallbackNamespace(chart.folder, kube);
  return { ...chart, release: settings.releaseName ?? remembered ?? chart.name, namespace: ns.namespace, namespaceSource: ns.source, namespaceWhy: ns.why };
}

function fallbackNamespace(folder: vscode.WorkspaceFolder, kube: KubeContextService): ResolvedNamespace {
  const ctx = kube.kubeconfig?.contexts.find((c) => c.name === kube.contextName);
  return resolveNamespace({ setting: workflowSettings(folder).namespace, context: { name: kube.contextName, namespace: ctx?.namespace } });
}

/**
 * Asks before Install or Ship releases a chart into a namespace it was not released into by us
 * before (or when the namespace changed since): "Install x as release y into namespace z (context c)?",
 * with the choice of another namespace. Returns the namespace to use, or undefined when cancelled.
 */
export async function confirmNamespace(
  namespaces: NamespaceService,
  t: { name: string; dir: string; release: string; folder: vscode.WorkspaceFolder },
  kube: KubeContextService,
  verb: 'Install' | 'Ship',
  describe?: (namespace: string) => { message: string; detail: string },
  always = false,
): Promise<{ namespace: string; asked: boolean } | undefined> {
  let ns = namespaces.current(t.folder);
  if (!always && !namespaces.needsConfirmation(t.dir, ns.namespace)) return { namespace: ns.namespace, asked: false };
  const another = 'Use Another Namespace…';
  for (;;) {
    const before = namespaces.confirmedFor(t.dir);
    const text = describe?.(ns.namespace) ?? {
      message: `${verb} ${t.name} as release ${t.release} into namespace ${ns.namespace} (context ${kube.contextName ?? 'none'})?`,
      detail: `The namespace is ${ns.why}.${before && before !== ns.namespace ? ` Last time ${t.name} went to ${before}.` : ''} Helm creates it if it does not exist. You are asked once per chart, and again when its namespace changes.`,
    };
    const pick = await vscode.window.showInformationMessage(text.message, { modal: true, detail: text.detail }, verb, another);
    if (pick === verb) {
      await namespaces.rememberConfirmed(t.dir, ns.namespace);
      return { namespace: ns.namespace, asked: true };
    }
    if (pick !== another) return undefined;
    if (!(await namespaces.pick({ title: `${verb} ${t.name}: which namespace?`, scope: t.folder }))) continue;
    ns = namespaces.current(t.folder);
  }
}

function helmOptions(folder: vscode.WorkspaceFolder, view?: RunView, signal?: AbortSignal): HelmOptions {
  return { paths: toolPaths(folder), sink: view?.sink, signal };
}

/**
 * Helm failures that point into a template or values file: one error notification naming the file
 * (workspace-relative), line and column, with Open File at that place. Returns true when shown.
 */
function showHelmLocation(err: unknown, chartDir: string, title: string, log: vscode.LogOutputChannel | undefined): boolean {
  const text = err instanceof ToolExitError ? err.stderrTail : err instanceof ActionableError ? '' : err instanceof Error ? err.message : String(err);
  const where = parseHelmError(text);
  if (!where) return false;
  const file = vscode.Uri.file(join(chartDir, where.file));
  const place = `${vscode.workspace.asRelativePath(file)}:${where.line}${where.column ? `:${where.column}` : ''}`;
  log?.error(`${title}: ${place}: ${where.message}`);
  const open = 'Open File';
  const output = 'Show Output';
  void vscode.window.showErrorMessage(`${title}: Helm cannot use ${place}: ${where.message}`, open, ...(log ? [output] : [])).then(async (p) => {
    if (p === output) log?.show(true);
    if (p !== open) return;
    const pos = new vscode.Position(where.line - 1, Math.max(0, (where.column ?? 1) - 1));
    const editor = await vscode.window.showTextDocument(file, { selection: new vscode.Range(pos, pos) });
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  });
  return true;
}

export async function dryRunCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, target?: unknown, namespaces?: NamespaceService, log?: vscode.LogOutputChannel): Promise<ReleaseInfo | undefined> {
  const chart = await pickChart(model, target, 'Dry Run');
  if (!chart) return undefined;
  const t = releaseTarget(chart, state, kube, namespaces);
  let r: ReleaseInfo;
  try {
    r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rendering ${t.name} as ${t.release} in ${t.namespace}…`, cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return upgradeInstall({ release: t.release, chartDir: t.dir, namespace: t.namespace, dryRun: 'client' }, helmOptions(t.folder, undefined, controller.signal));
    });
  } catch (err) {
    if (showHelmLocation(err, t.dir, 'Dry Run', log)) return undefined;
    throw err;
  }
  await showReadOnly(`${t.release}/manifest.yaml`, `# helm upgrade --install ${t.release} ${vscode.workspace.asRelativePath(t.dir)} --namespace ${t.namespace} (dry run, revision ${r.revision})\n${r.manifest ?? ''}`, { language: 'yaml' });
  if (r.notes) await showReadOnly(`${t.release}/NOTES.txt`, r.notes, { beside: true, preserveFocus: true });
  return r;
}

export interface BumpOptions {
  appVersion?: string;
  chartVersion?: BumpKind | { exact: string };
}

export async function bumpVersionCommand(model: WorkspaceModel, state: WorkflowState, target?: unknown, options: BumpOptions = {}): Promise<{ version: string; appVersion: string } | undefined> {
  const chart = await pickChart(model, target, 'Bump Version');
  if (!chart) return undefined;
  const chartDoc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(chart.dir, 'Chart.yaml')));
  const valuesDoc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(chart.dir, 'values.yaml')));
  const current = /^appVersion:\s*["']?([^"'\s#]+)/m.exec(chartDoc.getText())?.[1];
  const remembered = state.get(chart.folder);
  const pushedTag = remembered.lastPushed?.ref.split(':').pop();
  let appVersion = options.appVersion;
  if (!appVersion) {
    const suggestions = [...new Set([pushedTag, remembered.lastBuilt?.ref.split(':').pop(), current ? nextPatch(current) : undefined].filter((x): x is string => !!x && x !== current))];
    appVersion = (
      await vscode.window.showInputBox({
        title: `Bump Version (1/2): new image tag for ${chart.name}`,
        value: suggestions[0] ?? current ?? '0.0.1',
        prompt: `Sets appVersion in Chart.yaml and image.tag in values.yaml (now ${current ?? 'not set'}).${pushedTag ? ` Last pushed: ${pushedTag}.` : ''}`,
        validateInput: (v) => (v.trim() ? tagProblem(v.trim()) : 'Type the image tag the chart should deploy, e.g. 1.4.2.'),
        ignoreFocusOut: true,
      })
    )?.trim();
    if (!appVersion) return undefined;
  }
  let chartVersion = options.chartVersion;
  if (!chartVersion) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'patch', description: 'a fix or a new image', bump: 'patch' as const },
        { label: 'minor', description: 'new values or templates, compatible', bump: 'minor' as const },
        { label: 'major', description: 'incompatible chart changes', bump: 'major' as const },
        { label: '$(edit) Exact version…', bump: undefined },
      ],
      { title: 'Bump Version (2/2): chart version', ignoreFocusOut: true },
    );
    if (!pick) return undefined;
    if (pick.bump) chartVersion = pick.bump;
    else {
      const exact = await vscode.window.showInputBox({
        title: 'Chart version (SemVer)',
        prompt: `Now ${/^version:\s*["']?([^"'\s#]+)/m.exec(chartDoc.getText())?.[1] ?? 'not set'}. Helm orders chart releases by this version.`,
        validateInput: (v) => (isSemver(v.trim()) ? undefined : 'A semantic version MAJOR.MINOR.PATCH, e.g. 0.2.0 (Helm requires one for a chart).'),
        ignoreFocusOut: true,
      });
      if (!exact) return undefined;
      chartVersion = { exact: exact.trim() };
    }
  }
  let result;
  try {
    result = bumpChart(chartDoc.getText(), valuesDoc.getText(), { appVersion, chartVersion }, { chart: chartDoc.uri.fsPath, values: valuesDoc.uri.fsPath });
  } catch (err) {
    if (err instanceof YamlEditError && err.line) {
      const open = 'Open File';
      void vscode.window.showErrorMessage(`Bump Version: ${err.message} Nothing was changed.`, open).then(async (p) => {
        if (p !== open) return;
        const pos = new vscode.Position(err.line! - 1, Math.max(0, (err.column ?? 1) - 1));
        await vscode.window.showTextDocument(vscode.Uri.file(err.file), { selection: new vscode.Range(pos, pos) });
      });
      return undefined;
    }
    throw err;
  }
  const docs = [chartDoc, valuesDoc];
  // What Undo puts back, byte for byte: the file as it was on disk (or the editor's text when it had unsaved changes, which the bump saves).
  const before = await Promise.all(docs.map(async (d) => (d.isDirty ? new TextEncoder().encode(d.getText()) : await vscode.workspace.fs.readFile(d.uri))));
  const edit = new vscode.WorkspaceEdit();
  minimalEdit(edit, chartDoc, result.chartYaml);
  minimalEdit(edit, valuesDoc, result.valuesYaml);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code did not apply the edit (is a file read-only?). Nothing was changed.');
  await Promise.all(docs.map((d) => d.save()));
  const after = await Promise.all(docs.map((d) => vscode.workspace.fs.readFile(d.uri)));
  const changed = docs.filter((_d, i) => !sameBytes(before[i], after[i]));
  const { from, to } = result;
  const parts = [`chart version ${from.version} → ${to.version}`, `appVersion ${from.appVersion ?? '(none)'} → ${to.appVersion}`];
  if (from.tag !== undefined && from.tag !== to.tag) parts.push(`image.tag ${from.tag} → ${to.tag}`);
  const files = changed.map((d) => vscode.workspace.asRelativePath(d.uri)).join(' and ');
  const notes = result.notes.length ? ` ${result.notes.map((n) => n.replace(/\.?$/, '.')).join(' ')}` : '';
  const undo = 'Undo';
  void vscode.window.showInformationMessage(`Bumped ${chart.name}: ${parts.join(', ')} (${files || 'no file changed'}).${notes}`, ...(changed.length ? [undo] : [])).then(async (p) => {
    if (p !== undo) return;
    const now = await Promise.all(docs.map((d) => vscode.workspace.fs.readFile(d.uri)));
    const moved = docs.filter((d, i) => d.isDirty || !sameBytes(now[i], after[i]));
    if (moved.length) {
      void vscode.window.showWarningMessage(
        `Bump Version was not undone: ${moved.map((d) => vscode.workspace.asRelativePath(d.uri)).join(' and ')} changed since the bump${moved.some((d) => d.isDirty) ? ' (unsaved changes)' : ''}. Nothing was restored; use Edit › Undo in the file, or restore it from version control.`,
      );
      return;
    }
    await Promise.all(docs.map((d, i) => vscode.workspace.fs.writeFile(d.uri, before[i])));
    void vscode.window.showInformationMessage(`Undone: ${files} are back to chart version ${from.version}, appVersion ${from.appVersion ?? '(none)'}.`);
  });
  return { version: result.to.version, appVersion: result.to.appVersion };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface UpgradeOptions {
  /** Skip the question about bumping to the pushed tag. */
  noBumpPrompt?: boolean;
  /** false: no namespace confirmation (for callers that chose the namespace themselves). */
  confirm?: boolean;
}

export async function upgradeInstallCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, log: vscode.LogOutputChannel, target?: unknown, options: UpgradeOptions = {}, namespaces: NamespaceService | undefined = NamespaceService.shared): Promise<ReleaseInfo | undefined> {
  const chart = await pickChart(model, target, 'Install or Upgrade');
  if (!chart) return undefined;
  let t = releaseTarget(chart, state, kube, namespaces);
  let confirmed = false;
  if (namespaces && options.confirm !== false) {
    const answer = await confirmNamespace(namespaces, t, kube, 'Install');
    if (!answer) return undefined;
    confirmed = answer.asked;
    t = { ...t, namespace: answer.namespace };
  }
  const remembered = state.get(t.folder);
  const pushed = remembered.lastPushed?.ref;
  if (pushed && !options.noBumpPrompt) {
    const pushedTag = pushed.split(':').pop();
    const valuesTag = /^\s+tag:\s*["']?([^"'\s#]+)/m.exec(await readFile(join(t.dir, 'values.yaml'), 'utf8'))?.[1];
    if (pushedTag && valuesTag !== pushedTag) {
      const bump = `Bump to ${pushedTag}`;
      const keep = `Keep ${valuesTag ?? 'the chart as it is'}`;
      const pick = await vscode.window.showInformationMessage(`You pushed ${pushed}, but the chart deploys ${valuesTag ?? 'another tag'}.`, { modal: true }, bump, keep);
      if (!pick) return undefined;
      if (pick === bump) await bumpVersionCommand(model, state, vscode.Uri.file(t.dir), { appVersion: pushedTag, chartVersion: 'patch' });
    }
  }
  const settings = releaseSettings(t.folder);
  const view = new RunView(`Release ${t.release}`, log);
  // Confirmed just now, with "Helm creates it if it does not exist" said: create it; otherwise ask when it is missing.
  const run = (createNamespace: boolean) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `helm upgrade --install ${t.release} in ${t.namespace}${settings.wait ? ' (waiting for the rollout)' : ''}`, cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return upgradeInstall(upgradeRequestFor({ release: t.release, chartDir: t.dir, namespace: t.namespace }, settings, createNamespace), helmOptions(t.folder, view, controller.signal));
    });
  try {
    let r: ReleaseInfo;
    try {
      r = await run(confirmed);
    } catch (err) {
      if (err instanceof ToolExitError && /namespaces? "[^"]+" not found/.test(err.stderrTail)) {
        const create = `Create ${t.namespace}`;
        if ((await vscode.window.showWarningMessage(`The namespace ${t.namespace} does not exist.`, { modal: true }, create)) !== create) return undefined;
        r = await run(true);
      } else {
        throw err;
      }
    }
    await state.update(t.folder, {
      lastRelease: { release: r.name, namespace: r.namespace, chartDir: t.dir, revision: r.revision, status: r.status, appVersion: r.appVersion, at: new Date().toISOString() },
      releaseNames: { ...remembered.releaseNames, [t.dir]: t.release },
    });
    const msg = `${r.name} revision ${r.revision} is ${r.status} in ${r.namespace}${r.appVersion ? ` (appVersion ${r.appVersion})` : ''}.`;
    view.finish(true, msg);
    const watch = 'Watch Pods';
    void vscode.window.showInformationMessage(msg, watch).then((p) => {
      if (p === watch) void vscode.commands.executeCommand('aksWorker.watchPods', r.namespace);
    });
    return r;
  } catch (err) {
    view.finish(false, err instanceof Error ? err.message : String(err));
    if (showHelmLocation(err, t.dir, 'Install or Upgrade', log)) return undefined;
    throw err;
  } finally {
    view.dispose();
    releaseChanged(t.release, t.namespace, 'install or upgrade');
  }
}

export async function historyCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, log: vscode.LogOutputChannel, target?: unknown, namespaces?: NamespaceService): Promise<number | undefined> {
  const chart = await pickChart(model, target, 'Show History / Rollback');
  if (!chart) return undefined;
  const t = releaseTarget(chart, state, kube, namespaces);
  const entries = await history(t.release, t.namespace, helmOptions(t.folder));
  if (entries.length === 0) {
    void vscode.window.showInformationMessage(`${t.release} has no history in ${t.namespace} (${t.namespaceWhy}): it was never installed there.`);
    return undefined;
  }
  const current = entries[entries.length - 1];
  const pick = await vscode.window.showQuickPick(
    [...entries].reverse().map((e) => ({
      label: `$(${e.status === 'deployed' ? 'pass-filled' : e.status === 'failed' ? 'error' : 'history'}) Revision ${e.revision}`,
      description: `${e.status} · ${e.chart} · app ${e.appVersion}`,
      detail: `${new Date(e.updated).toLocaleString()} — ${e.description}`,
      e,
    })),
    { title: `${t.release} in ${t.namespace}: pick a revision to roll back to`, matchOnDetail: true },
  );
  if (!pick || pick.e.revision === current.revision) return undefined;
  const go = `Roll back to ${pick.e.revision}`;
  if ((await vscode.window.showWarningMessage(`Roll ${t.release} back to revision ${pick.e.revision} (app ${pick.e.appVersion})?`, { modal: true, detail: 'Helm creates a new revision with that revision\'s chart and values.' }, go)) !== go) return undefined;
  const view = new RunView(`Rollback ${t.release}`, log);
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rolling back ${t.release} to ${pick.e.revision}…`, cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return rollback(t.release, pick.e.revision, t.namespace, { ...helmOptions(t.folder, view, controller.signal), wait: true, timeout: vscode.workspace.getConfiguration('aksWorker.release', t.folder).get<string>('timeout', '5m') });
    });
    view.finish(true, `Rolled back to revision ${pick.e.revision}.`);
    void vscode.window.showInformationMessage(`${t.release} rolled back to revision ${pick.e.revision} (app ${pick.e.appVersion}).`);
    return pick.e.revision;
  } finally {
    view.dispose();
    releaseChanged(t.release, t.namespace, 'rollback');
  }
}

export async function uninstallCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, log: vscode.LogOutputChannel, target?: unknown, namespaces?: NamespaceService): Promise<boolean> {
  const chart = await pickChart(model, target, 'Uninstall');
  if (!chart) return false;
  const t = releaseTarget(chart, state, kube, namespaces);
  const go = 'Uninstall';
  if ((await vscode.window.showWarningMessage(`Uninstall ${t.release} from ${t.namespace} (context ${kube.contextName ?? 'none'})?`, { modal: true, detail: 'Its Deployment and pods are deleted, with the release history.' }, go)) !== go) return false;
  const view = new RunView(`Uninstall ${t.release}`, log);
  try {
    await uninstall(t.release, t.namespace, helmOptions(t.folder, view));
    view.finish(true, `Uninstalled ${t.release}.`);
    const last = state.get(t.folder).lastRelease;
    if (last?.release === t.release) await state.update(t.folder, { lastRelease: undefined });
    void vscode.window.showInformationMessage(`${t.release} was uninstalled from ${t.namespace}.`);
    return true;
  } finally {
    view.dispose();
    releaseChanged(t.release, t.namespace, 'uninstall');
  }
}
