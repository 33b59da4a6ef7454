import * as vscode from 'vscode';
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
}

/** Create Worker Chart: helm create in charts/, stripped for a worker, then values.yaml opens. */
export async function createChartCommand(model: WorkspaceModel, state: WorkflowState, log: vscode.LogOutputChannel, target?: vscode.Uri, options: CreateChartOptions = {}): Promise<vscode.Uri | undefined> {
  const folder = target ? vscode.workspace.getWorkspaceFolder(target) : vscode.workspace.workspaceFolders?.length === 1 ? vscode.workspace.workspaceFolders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Create the chart in which folder?' });
  if (!folder) return undefined;
  const chartsDir = target?.fsPath ?? join(folder.uri.fsPath, 'charts');
  const remembered = state.get(folder);
  const scan = (await model.get()).find((f) => f.folder.uri.toString() === folder.uri.toString())?.scan;
  const lastBuilt = remembered.lastBuilt ? parseImageRef(remembered.lastBuilt.ref) : undefined;
  const project = scan?.projects[0]?.split('/').pop()?.replace(/\.csproj$/, '');
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

  const dir = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Creating worker chart ${name}…` }, () =>
    createWorkerChart({ name, chartsDir, repository, tag, healthPort: options.healthPort ?? 8080, healthPath: options.healthPath ?? '/healthz' }, { paths: toolPaths(folder), sink: sinkFor(log) }),
  );
  await model.rescan();
  const values = vscode.Uri.file(join(dir, 'values.yaml'));
  await vscode.window.showTextDocument(values);
  void vscode.window.showInformationMessage(`Created ${vscode.workspace.asRelativePath(dir)} for ${formatImageRef({ ...parseImageRef(repository), tag })}: a Deployment only (no Service, Ingress or HPA), liveness probe on port 8080.`);
  return vscode.Uri.file(dir);
}
