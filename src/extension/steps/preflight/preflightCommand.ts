import vscode = require('vscode');
import { basename, dirname } from 'node:path';
import { PreflightReport, formatPreflight, localPreflightTag } from '../../../core/preflight';
import { buildImage } from '../../../tools/docker';
import { dockerBuildContext } from '../../../tools/buildContext';
import { findWorkspaceParts } from '../../../tools/workspaceFiles';
import { ImageState, WorkflowState } from '../../state';
import { buildExtraArgs, preflightEnvFile, toolPaths } from '../../util/config';
import { RunView } from '../../util/runView';
import { WorkspaceModel } from '../../workspaceModel';
import { pickChart } from '../chart/chartTarget';

/** What the Workflow view shows of the last preflight. */
export function preflightRecord(r: PreflightReport): NonNullable<ImageState['lastPreflight']> {
  const first = r.problems.find((p) => p.severity === 'error') ?? r.problems[0];
  return {
    image: r.image,
    at: new Date().toISOString(),
    ok: r.ok,
    summary: r.cancelled ? 'cancelled' : first ? first.message : `passed${r.latency?.p99Ms !== undefined ? `: p99 ${r.latency.p99Ms} ms` : ''}`,
    noEndpoint: r.problems.some((p) => p.kind === 'no-listener' || p.kind === 'wrong-path'),
    warnings: r.problems.filter((p) => p.severity === 'warning').length,
  };
}

export interface PreflightCommandOptions {
  /** Probe an image already built instead of building the workspace's Dockerfile. */
  image?: string;
  durationSeconds?: number;
}

/**
 * Preflight: build the worker's image (cached layers make it quick), run it in the local Docker
 * engine and probe it as the kubelet would with the chart's probes, then stop it. The result shows
 * in the Workflow view; a missing endpoint offers Add Health Endpoint.
 */
export async function preflightCommand(model: WorkspaceModel, state: WorkflowState, log: vscode.LogOutputChannel, target?: vscode.Uri, options: PreflightCommandOptions = {}): Promise<PreflightReport | undefined> {
  const folder =
    (target ? vscode.workspace.getWorkspaceFolder(target) : undefined) ??
    (vscode.workspace.workspaceFolders?.length === 1 ? vscode.workspace.workspaceFolders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Preflight which folder?' }));
  if (!folder) return undefined;
  const parts = await findWorkspaceParts(folder.uri.fsPath);
  // A right-clicked Dockerfile is the one built; a right-clicked chart gives the probes.
  const isDockerfile = target && /(^|[./])[Dd]ockerfile$|^[Dd]ockerfile\./.test(basename(target.fsPath));
  if (isDockerfile) parts.dockerfile = target.fsPath;
  // The Workflow view passes the folder itself: no chart was chosen.
  const chartTarget = target && !isDockerfile && target.fsPath !== folder.uri.fsPath ? target : undefined;
  const charts = (await model.get()).find((f) => f.folder.uri.toString() === folder.uri.toString())?.scan.charts.filter((c) => !c.error) ?? [];
  if (chartTarget || charts.length > 1) {
    const chart = await pickChart(model, chartTarget, 'Preflight');
    if (!chart) return undefined;
    parts.chartDir = chart.dir;
    parts.chartName = chart.name;
  }
  if (!options.image && !parts.dockerfile) {
    const add = 'Add Dockerfile';
    if ((await vscode.window.showWarningMessage(`Preflight needs a Dockerfile in ${folder.name} to build the worker's image.`, add)) === add) await vscode.commands.executeCommand('aksWorker.addDockerfile');
    return undefined;
  }
  const image = options.image ?? localPreflightTag(parts.chartDir ? parts.chartName : basename(dirname(parts.dockerfile as string)));
  const view = new RunView(`Preflight ${image}`, log);
  const paths = toolPaths(folder);
  let report: PreflightReport;
  try {
    report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Preflight', cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      if (!options.image) {
        progress.report({ message: `building ${image}…` });
        const extra = buildExtraArgs(folder);
        const dockerfile = parts.dockerfile as string;
        const context = await dockerBuildContext(dockerfile, folder.uri.fsPath);
        await buildImage({ dockerfile, context, tags: [image], extraArgs: extra.args, extraArgsSource: extra.source }, { paths, sink: view.sink, signal: controller.signal });
      }
      const { preflight } = await import('../../../tools/preflight');
      const configured = vscode.workspace.getConfiguration('aksWorker.preflight', folder).get<number>('durationSeconds', 0);
      let last = 0;
      return preflight(
        { image, chartDir: parts.chartDir, durationSeconds: options.durationSeconds ?? (configured > 0 ? configured : undefined), envFile: preflightEnvFile(folder) },
        {
          paths,
          sink: view.sink,
          signal: controller.signal,
          onProgress: (p) => {
            const pct = p.fraction !== undefined ? Math.round(p.fraction * 100) : undefined;
            progress.report({ message: p.message, ...(pct !== undefined && pct > last ? { increment: pct - last } : {}) });
            if (pct !== undefined && pct > last) last = pct;
          },
        },
      );
    });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    view.finish(false, `Preflight failed: ${text}`);
    view.dispose();
    throw err;
  }
  for (const line of formatPreflight(report)) view.sink.info(line);
  const record = preflightRecord(report);
  await state.update(folder, { lastPreflight: record });
  view.finish(report.ok, record.summary);
  view.dispose();
  if (report.cancelled) return report;
  const actions: string[] = [];
  if (record.noEndpoint) actions.push('Add Health Endpoint');
  if (!report.ok && parts.chartDir) actions.push('Edit Probes');
  const show = report.ok ? vscode.window.showInformationMessage : report.problems.length ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
  void show(`Preflight of ${image}: ${report.ok ? (report.problems.length ? `passed with ${report.problems.length} warning${report.problems.length === 1 ? '' : 's'}: ${report.problems[0].message}` : record.summary) : record.summary}`, ...actions).then((pick) => {
    if (pick === 'Add Health Endpoint') void vscode.commands.executeCommand('aksWorker.addHealthEndpoint');
    if (pick === 'Edit Probes') void vscode.commands.executeCommand('aksWorker.editProbes', vscode.Uri.file(parts.chartDir as string));
  });
  return report;
}
