import vscode = require('vscode');
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { chartNameProblem } from '../../../core/chart';
import { defaultImageName, formatImageRef, parseImageRef, repositoryProblem, tagProblem } from '../../../core/imageRef';
import { createWorkerChart } from '../../../tools/workerChart';
import { WorkflowState } from '../../state';
import { toolPaths, workflowSettings } from '../../util/config';
import { sinkFor } from '../../util/log';
import { WorkspaceModel } from '../../workspaceModel';

export interface CreateChartOptions {
  name?: string;
  repository?: string;
  tag?: string;
  healthPort?: number;
  healthPath?: string;
  /** The liveness probe's handler; asked when the worker's image has no ASP.NET Core. */
  probe?: 'httpGet' | 'tcpSocket' | 'exec';
}

/** The worker's image has no ASP.NET Core: which liveness probe can check it. */
async function pickProbe(dockerfile: string, tag: string): Promise<CreateChartOptions['probe'] | undefined> {
  const items: Array<vscode.QuickPickItem & { probe: NonNullable<CreateChartOptions['probe']> }> = [
    { label: 'exec: a heartbeat file', description: 'recommended', detail: 'The worker touches /tmp/heartbeat on every loop; the probe fails when the file is older than 30 s.', probe: 'exec' },
    { label: 'tcpSocket: the health port accepts connections', detail: 'Only proves that something listens on the port, not that the worker loop runs.', probe: 'tcpSocket' },
    { label: 'httpGet: the worker serves HTTP itself', detail: 'For a worker that answers the health path without ASP.NET Core (HttpListener).', probe: 'httpGet' },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Create Worker Chart: liveness probe',
    placeHolder: `${dockerfile} runs on runtime:${tag}, which has no ASP.NET Core to serve an HTTP health endpoint`,
    ignoreFocusOut: true,
  });
  return pick?.probe;
}

/** Create Worker Chart: helm create in charts/, stripped for a worker, then values.yaml opens. */
export async function createChartCommand(model: WorkspaceModel, state: WorkflowState, log: vscode.LogOutputChannel, target?: vscode.Uri, options: CreateChartOptions = {}): Promise<vscode.Uri | undefined> {
  const folder = target ? vscode.workspace.getWorkspaceFolder(target) : vscode.workspace.workspaceFolders?.length === 1 ? vscode.workspace.workspaceFolders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Create the chart in which folder?' });
  if (!folder) return undefined;
  const chartsDir = target?.fsPath ?? join(folder.uri.fsPath, 'charts');
  const remembered = state.get(folder);
  const scan = (await model.get()).find((f) => f.folder.uri.toString() === folder.uri.toString())?.scan;
  const lastBuilt = remembered.lastBuilt ? parseImageRef(remembered.lastBuilt.ref) : undefined;
  const project = scan?.projects[0]?.split('/').pop()?.replace(/\.(cs|fs|vb)proj$/, '');
  const suggested = (lastBuilt?.repository.split('/').pop() ?? defaultImageName(project ?? folder.name)).replace(/[._]+/g, '-').replace(/^-+|-+$/g, '');

  const exists = async (n: string) => stat(join(chartsDir, n)).then(() => true, () => false);
  const name =
    options.name ??
    (await vscode.window.showInputBox({
      title: 'Create Worker Chart (1/2): chart name',
      value: suggested,
      prompt: `Created in ${vscode.workspace.asRelativePath(chartsDir)}; lower-case letters, digits and "-".`,
      validateInput: async (v) => chartNameProblem(v.trim()) ?? ((await exists(v.trim())) ? `${v.trim()} already exists in ${vscode.workspace.asRelativePath(chartsDir)}.` : undefined),
      ignoreFocusOut: true,
    }))?.trim();
  if (!name) return undefined;

  const registry = remembered.registry?.loginServer ?? workflowSettings(folder).registry ?? 'myregistry.azurecr.io';
  const repository =
    options.repository ??
    (await vscode.window.showInputBox({
      title: 'Create Worker Chart (2/2): image repository',
      value: `${registry}/${lastBuilt?.repository ?? defaultImageName(project ?? name)}`,
      prompt: 'Registry login server and image name, without a tag; the tag becomes the chart\'s appVersion.',
      validateInput: (v) => {
        try {
          const ref = parseImageRef(v.trim());
          return ref.tag || ref.digest ? 'Leave out the tag.' : repositoryProblem(ref.repository);
        } catch (e) {
          return (e as Error).message;
        }
      },
      ignoreFocusOut: true,
    }))?.trim();
  if (!repository) return undefined;
  const tag = options.tag ?? lastBuilt?.tag ?? '0.0.1';
  const tp = tagProblem(tag);
  if (tp) throw new Error(tp);
  // What the Dockerfile says: the port it exposes, and whether the image can serve HTTP at all.
  const dockerfile = scan?.dockerfiles.find((d) => scan.dockerfileBases?.[d]);
  const base = dockerfile ? scan?.dockerfileBases?.[dockerfile] : undefined;
  const healthPort = options.healthPort ?? base?.port ?? 8080;
  const probe = options.probe ?? (base?.image === 'runtime' && dockerfile ? await pickProbe(dockerfile, base.tag) : 'httpGet');
  if (!probe) return undefined;

  const dir = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Creating worker chart ${name}…` }, () =>
    createWorkerChart({ name, chartsDir, repository, tag, healthPort, healthPath: options.healthPath ?? '/healthz', probe }, { paths: toolPaths(folder), sink: sinkFor(log) }),
  );
  await model.rescan();
  const values = vscode.Uri.file(join(dir, 'values.yaml'));
  await vscode.window.showTextDocument(values);
  void vscode.window.showInformationMessage(`Created ${vscode.workspace.asRelativePath(dir)} for ${formatImageRef({ ...parseImageRef(repository), tag })}: a Deployment only (no Service, Ingress or HPA), ${probe === 'exec' ? 'an exec liveness probe on a heartbeat file' : `a ${probe} liveness probe on port ${healthPort}`}.`);
  return vscode.Uri.file(dir);
}
