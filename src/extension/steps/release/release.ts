import * as vscode from 'vscode';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { parseHelmError } from '../../../core/chart';
import { bumpChart } from '../../../core/bump';
import { nextPatch, BumpKind } from '../../../core/versions';
import { YamlEditError } from '../../../core/yamlEdit';
import { ActionableError, ToolExitError } from '../../../tools/errors';
import { HelmOptions, ReleaseInfo, history, rollback, uninstall, upgradeInstall } from '../../../tools/helm';
import { KubeContextService } from '../../kubeContext';
import { releaseChanged } from '../../releaseEvents';
import { WorkflowState } from '../../state';
import { toolPaths, workflowSettings } from '../../util/config';
import { RunView } from '../../util/runView';
import { WorkspaceModel } from '../../workspaceModel';
import { minimalEdit } from '../../util/edits';
import { showReadOnly } from '../../util/readonlyDocs';
import { ChartTarget, pickChart } from '../chart/chartTarget';

interface ReleaseTarget extends ChartTarget {
  release: string;
  namespace: string;
}

/** The release a chart is installed as, and where: settings, then the name used before, then the chart's. */
export function releaseTarget(chart: ChartTarget, state: WorkflowState, kube: KubeContextService): ReleaseTarget {
  const settings = workflowSettings(chart.folder);
  const remembered = state.get(chart.folder).releaseNames?.[chart.dir];
  const ctxNs = kube.kubeconfig?.contexts.find((c) => c.name === kube.contextName)?.namespace;
  return { ...chart, release: settings.releaseName ?? remembered ?? chart.name, namespace: settings.namespace ?? ctxNs ?? 'default' };
}

function helmOptions(folder: vscode.WorkspaceFolder, view?: RunView, signal?: AbortSignal): HelmOptions {
  return { paths: toolPaths(folder), sink: view?.sink, signal };
}

/** Helm failures that point into a template or values file: offer to open it at the line. */
async function explainHelmFailure(err: unknown, chartDir: string): Promise<never> {
  const text = err instanceof ToolExitError ? err.stderrTail : err instanceof Error ? err.message : String(err);
  const where = parseHelmError(text);
  if (where) {
    const file = vscode.Uri.file(join(chartDir, where.file));
    const open = 'Open File';
    void vscode.window.showErrorMessage(`Helm: ${where.file}:${where.line}${where.column ? `:${where.column}` : ''}: ${where.message}`, open).then(async (p) => {
      if (p !== open) return;
      const pos = new vscode.Position(where.line - 1, Math.max(0, (where.column ?? 1) - 1));
      await vscode.window.showTextDocument(file, { selection: new vscode.Range(pos, pos) });
    });
    throw new ActionableError('helm', 'template-error', `${where.file}:${where.line}: ${where.message}`, err);
  }
  throw err;
}

export async function dryRunCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, target?: unknown): Promise<ReleaseInfo | undefined> {
  const chart = await pickChart(model, target, 'Dry Run');
  if (!chart) return undefined;
  const t = releaseTarget(chart, state, kube);
  let r: ReleaseInfo;
  try {
    r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rendering ${t.name} as ${t.release} in ${t.namespace}…`, cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return upgradeInstall({ release: t.release, chartDir: t.dir, namespace: t.namespace, dryRun: 'client' }, helmOptions(t.folder, undefined, controller.signal));
    });
  } catch (err) {
    return explainHelmFailure(err, t.dir);
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
      const exact = await vscode.window.showInputBox({ title: 'Chart version (SemVer)', ignoreFocusOut: true });
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
  const edit = new vscode.WorkspaceEdit();
  minimalEdit(edit, chartDoc, result.chartYaml);
  minimalEdit(edit, valuesDoc, result.valuesYaml);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code did not apply the edit (is a file read-only?). Nothing was changed.');
  await Promise.all([chartDoc.save(), valuesDoc.save()]);
  void vscode.window.setStatusBarMessage(`${chart.name}: version ${result.from.version} → ${result.to.version}, appVersion and image.tag ${result.to.appVersion}`, 6000);
  return { version: result.to.version, appVersion: result.to.appVersion };
}

export interface UpgradeOptions {
  /** Skip the question about bumping to the pushed tag. */
  noBumpPrompt?: boolean;
}

export async function upgradeInstallCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, log: vscode.LogOutputChannel, target?: unknown, options: UpgradeOptions = {}): Promise<ReleaseInfo | undefined> {
  const chart = await pickChart(model, target, 'Install or Upgrade');
  if (!chart) return undefined;
  const t = releaseTarget(chart, state, kube);
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
  const cfg = vscode.workspace.getConfiguration('aksWorker.release', t.folder);
  const wait = cfg.get<boolean>('wait', true);
  const timeout = cfg.get<string>('timeout', '5m');
  const atomic = cfg.get<boolean>('rollbackOnFailure', true);
  const waitStrategy = cfg.get<'watcher' | 'legacy'>('waitStrategy', 'watcher');
  const view = new RunView(`Release ${t.release}`, log);
  const run = (createNamespace: boolean) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `helm upgrade --install ${t.release} in ${t.namespace}${wait ? ' (waiting for the rollout)' : ''}`, cancellable: true }, (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return upgradeInstall({ release: t.release, chartDir: t.dir, namespace: t.namespace, createNamespace, wait, waitStrategy, timeout, atomic }, helmOptions(t.folder, view, controller.signal));
    });
  try {
    let r: ReleaseInfo;
    try {
      r = await run(false);
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
      if (p === watch) void vscode.commands.executeCommand('aksWorker.watchPods');
    });
    return r;
  } catch (err) {
    view.finish(false, err instanceof Error ? err.message : String(err));
    return explainHelmFailure(err, t.dir);
  } finally {
    view.dispose();
    releaseChanged(t.release, t.namespace, 'install or upgrade');
  }
}

export async function historyCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, log: vscode.LogOutputChannel, target?: unknown): Promise<number | undefined> {
  const chart = await pickChart(model, target, 'Show History / Rollback');
  if (!chart) return undefined;
  const t = releaseTarget(chart, state, kube);
  const entries = await history(t.release, t.namespace, helmOptions(t.folder));
  if (entries.length === 0) {
    void vscode.window.showInformationMessage(`${t.release} has no history in ${t.namespace}: it was never installed there.`);
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

export async function uninstallCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, log: vscode.LogOutputChannel, target?: unknown): Promise<boolean> {
  const chart = await pickChart(model, target, 'Uninstall');
  if (!chart) return false;
  const t = releaseTarget(chart, state, kube);
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
