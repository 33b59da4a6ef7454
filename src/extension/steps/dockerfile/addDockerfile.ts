import * as vscode from 'vscode';
import { basename, dirname, relative } from 'node:path';
import { CsprojError } from '../../../core/dotnet';
import { ProjectError, existingFiles, findProjects, planDockerfile, readProject, writeDockerfilePlan } from '../../../tools/dotnetProject';
import { WorkspaceModel } from '../../workspaceModel';

/** Which .csproj to use: the one right-clicked, one in the right-clicked folder, or one picked. */
async function pickProject(model: WorkspaceModel, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  let candidates: vscode.Uri[];
  if (target?.path.endsWith('.csproj')) return target;
  if (target) {
    candidates = (await findProjects(target.fsPath)).map((p) => vscode.Uri.file(p));
  } else {
    const folders = await model.get();
    candidates = folders.flatMap(({ folder, scan }) => scan.projects.map((p) => vscode.Uri.joinPath(folder.uri, p)));
  }
  if (candidates.length === 0) {
    void vscode.window.showWarningMessage(`No .NET project (.csproj) found${target ? ` in ${vscode.workspace.asRelativePath(target)}` : ' in the workspace'}. Open the folder of your worker first.`);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((uri) => ({ label: basename(uri.fsPath, '.csproj'), description: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Add Dockerfile: which project is the worker?', placeHolder: 'Pick the .NET project to containerise' },
  );
  return pick?.uri;
}

export async function addDockerfile(model: WorkspaceModel, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const project = await pickProject(model, target instanceof vscode.Uri ? target : undefined);
  if (!project) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(project);
  const stopAt = folder?.uri.fsPath;
  let plan;
  try {
    plan = await planDockerfile(project.fsPath, { stopAt });
  } catch (err) {
    if (err instanceof ProjectError && err.code === 'framework' && /several frameworks/.test(err.message)) {
      const info = await readProject(project.fsPath);
      const tfm = await vscode.window.showQuickPick(info.targetFrameworks, { title: `${basename(project.fsPath)} targets several frameworks`, placeHolder: 'Which one runs in the container?' });
      if (!tfm) return undefined;
      plan = await planDockerfile(project.fsPath, { stopAt, framework: tfm });
    } else if (err instanceof ProjectError || err instanceof CsprojError) {
      const open = 'Open Project File';
      void vscode.window.showErrorMessage(`Add Dockerfile: ${err.message}`, open).then((p) => {
        if (p === open) void vscode.window.showTextDocument(project);
      });
      return undefined;
    } else {
      throw err;
    }
  }

  const present = await existingFiles(plan);
  let force = false;
  if (present.includes(plan.dockerfile)) {
    const replace = 'Replace';
    const openExisting = 'Open Existing';
    const pick = await vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(plan.dockerfile)} already exists. Replace it with a new multi-stage Dockerfile for ${plan.info.assemblyName}?`,
      { modal: true, detail: present.includes(plan.dockerignore) ? 'The existing .dockerignore is kept.' : undefined },
      replace,
      openExisting,
    );
    if (pick === openExisting) await vscode.window.showTextDocument(vscode.Uri.file(plan.dockerfile));
    if (pick !== replace) return undefined;
    force = true;
  }
  const written = await writeDockerfilePlan(plan, { force, keepDockerignore: true });
  const dockerfileUri = vscode.Uri.file(plan.dockerfile);
  await vscode.window.showTextDocument(dockerfileUri);
  await model.rescan();
  const context = relative(folder?.uri.fsPath ?? dirname(plan.dockerfile), plan.context) || '.';
  void vscode.window.showInformationMessage(
    `Wrote ${written.map((w) => vscode.workspace.asRelativePath(w)).join(' and ')}: ${plan.runtimeImage} ${plan.targetFramework.replace('net', '')} image (${plan.runtimeReason}), health port ${plan.healthPort}, build context "${context}".`,
  );
  return dockerfileUri;
}
