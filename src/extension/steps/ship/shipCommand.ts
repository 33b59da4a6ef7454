import vscode = require('vscode');
import { join } from 'node:path';
import { checkBuildArgs } from '../../../core/buildArgs';
import { checkName } from '../../../core/names';
import { parseImageRef } from '../../../core/imageRef';
import { PreflightFailedError, SHIP_STEPS, ShipInputError, ShipStepError, planShip, ship } from '../../../tools/ship';
import { preflightRecord } from '../preflight/preflightCommand';
import { findWorkspaceParts } from '../../../tools/workspaceFiles';
import { KubeContextService } from '../../kubeContext';
import { releaseChanged } from '../../releaseEvents';
import { WorkflowState } from '../../state';
import { buildExtraArgs, preflightEnvFile, releaseSettings, toolPaths, workflowSettings } from '../../util/config';
import { NamespaceService } from '../../namespaceService';
import { confirmNamespace } from '../release/release';
import { RunView } from '../../util/runView';
import { WorkspaceModel } from '../../workspaceModel';
import { pickChart } from '../chart/chartTarget';

export interface ShipOptions {
  tag?: string;
  /** false: no confirmation (for callers that already asked). */
  confirm?: boolean;
}

/** Ship: build → preflight → push → bump → upgrade for a workspace folder, one cancellable notification. */
export async function shipCommand(model: WorkspaceModel, state: WorkflowState, kube: KubeContextService, log: vscode.LogOutputChannel, target?: unknown, options: ShipOptions = {}, namespaces: NamespaceService | undefined = NamespaceService.shared) {
  const folder =
    (target instanceof vscode.Uri ? vscode.workspace.getWorkspaceFolder(target) : undefined) ??
    (vscode.workspace.workspaceFolders?.length === 1 ? vscode.workspace.workspaceFolders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Ship which folder?' }));
  if (!folder) return undefined;
  const parts = await findWorkspaceParts(folder.uri.fsPath);
  // The chart Ship was run on (right-click), else the only chart, else the one the user picks.
  const charts = (await model.get()).find((f) => f.folder.uri.toString() === folder.uri.toString())?.scan.charts.filter((c) => !c.error) ?? [];
  if (target instanceof vscode.Uri || charts.length > 1) {
    const chart = await pickChart(model, target, 'Ship');
    if (!chart) return undefined;
    parts.chartDir = chart.dir;
    parts.chartName = chart.name;
  }
  if (!parts.dockerfile || !parts.chartDir) {
    const what = !parts.dockerfile ? 'a Dockerfile' : 'a Helm chart';
    const fix = !parts.dockerfile ? 'Add Dockerfile' : 'Create Worker Chart';
    const pick = await vscode.window.showWarningMessage(`Ship needs ${what} in ${folder.name}.`, fix);
    if (pick) await vscode.commands.executeCommand(!parts.dockerfile ? 'aksWorker.addDockerfile' : 'aksWorker.createChart');
    return undefined;
  }
  const remembered = state.get(folder);
  const settings = workflowSettings(folder);
  const release = settings.releaseName ?? remembered.releaseNames?.[parts.chartDir] ?? parts.chartName;
  const releaseOrigin = settings.releaseName
    ? 'set by aksWorker.releaseName'
    : remembered.releaseNames?.[parts.chartDir]
      ? 'the name used before for this chart'
      : `the chart name in ${vscode.workspace.asRelativePath(vscode.Uri.file(join(parts.chartDir, 'Chart.yaml')))}`;
  // Checked before anything is asked or run: Ship never builds what it could not release.
  checkName('release', release, releaseOrigin);
  const extra = buildExtraArgs(folder);
  checkBuildArgs(extra.args, extra.source);
  let namespace = namespaces?.current(folder).namespace ?? settings.namespace ?? kube.kubeconfig?.contexts.find((c) => c.name === kube.contextName)?.namespace ?? 'default';
  let plan;
  try {
    plan = await planShip({ chartDir: parts.chartDir, tag: options.tag });
  } catch (err) {
    if (err instanceof ShipInputError) {
      void vscode.window.showErrorMessage(`Ship: ${err.message}`);
      return undefined;
    }
    throw err;
  }
  const registry = parseImageRef(plan.repository).registry as string;
  const acrName = remembered.registry?.loginServer === registry ? remembered.registry.acrName : /\.azurecr\.(io|cn|us)$/.test(registry) ? registry.split('.')[0] : undefined;
  const preflightOn = vscode.workspace.getConfiguration('aksWorker.ship', folder).get<boolean>('preflight', true);
  if (options.confirm !== false) {
    const chartDir = parts.chartDir;
    const dockerfile = parts.dockerfile;
    const describe = (ns: string) => ({
      message: `Ship ${plan.repository}:${plan.tag} as ${release} to ${ns} (context ${kube.contextName ?? 'none'})?`,
      detail: `Builds ${vscode.workspace.asRelativePath(dockerfile)}, ${preflightOn ? 'runs it locally and probes it as the kubelet would (preflight), ' : ''}pushes to ${registry}${acrName ? ` (logging in to ACR ${acrName})` : ''}, bumps ${vscode.workspace.asRelativePath(chartDir)} to appVersion ${plan.tag}, then helm upgrade --install with wait (creating ${ns} if it does not exist).${namespaces ? ` The namespace is ${namespaces.current(folder).why}.` : ''}`,
    });
    if (namespaces) {
      const answer = await confirmNamespace(namespaces, { name: parts.chartName ?? release, dir: chartDir, release, folder }, kube, 'Ship', describe, true);
      if (!answer) return undefined;
      namespace = answer.namespace;
    } else {
      const go = 'Ship';
      const text = describe(namespace);
      if ((await vscode.window.showInformationMessage(text.message, { modal: true, detail: text.detail }, go)) !== go) return undefined;
    }
  }
  const view = new RunView(`Ship ${release}`, log);
  const started = Date.now();
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Shipping ${release}`, cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return ship(
        {
          dockerfile: parts.dockerfile as string,
          chartDir: parts.chartDir as string,
          workspace: folder.uri.fsPath,
          tag: plan.tag,
          namespace,
          release,
          acrName,
          buildArgs: extra.args,
          buildArgsSource: extra.source,
          releaseOrigin,
          settings: releaseSettings(folder),
          createNamespace: true,
          preflight: preflightOn,
          preflightEnvFile: preflightEnvFile(folder),
        },
        {
          paths: toolPaths(folder),
          sink: view.sink,
          signal: controller.signal,
          onStep: (step, i, detail) => progress.report({ message: `${i + 1}/${SHIP_STEPS.length} ${step}: ${detail}`, increment: 100 / SHIP_STEPS.length }),
        },
      );
    });
    const at = new Date().toISOString();
    await model.rescan(); // Chart.yaml and values.yaml changed on disk
    await state.update(folder, {
      lastBuilt: { ref: result.image, at, dockerfile: parts.dockerfile, context: folder.uri.fsPath },
      lastPushed: { ref: result.image, digest: result.digest, uploaded: 0, reused: 0, at },
      registry: { loginServer: registry, acrName },
      lastRelease: { release: result.release.name, namespace: result.release.namespace, chartDir: parts.chartDir, revision: result.release.revision, status: result.release.status, appVersion: result.release.appVersion, at },
      releaseNames: { ...remembered.releaseNames, [parts.chartDir]: release },
      ...(result.preflight ? { lastPreflight: preflightRecord(result.preflight) } : {}),
    });
    const msg = `Shipped ${result.image}: ${release} revision ${result.release.revision} ${result.release.status} in ${namespace} (${((Date.now() - started) / 1000).toFixed(0)} s).`;
    view.finish(true, msg);
    void vscode.window.showInformationMessage(msg);
    await vscode.commands.executeCommand('aksWorker.watchPods', result.release.namespace);
    return result;
  } catch (err) {
    const text = err instanceof ShipStepError ? `${err.message}${err.step === 'build' || err.step === 'preflight' || err.step === 'push' ? ' The chart was not changed.' : ''} Nothing after that step ran.` : err instanceof Error ? err.message : String(err);
    view.finish(false, text);
    if (err instanceof ShipStepError && err.cause instanceof PreflightFailedError) {
      await state.update(folder, { lastPreflight: preflightRecord(err.cause.report) });
    }
    if (err instanceof ShipStepError && err.cause instanceof Error && err.cause.name === 'ToolCancelledError') throw err.cause;
    throw new Error(text);
  } finally {
    view.dispose();
    releaseChanged(release, namespace, 'ship');
  }
}
