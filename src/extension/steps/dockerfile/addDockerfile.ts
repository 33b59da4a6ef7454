import vscode = require('vscode');
import { basename, dirname, relative } from 'node:path';
import { DotnetModelError } from '../../../core/dotnetModel';
import { DockerfilePlan, PlanOptions, ProjectError, existingFiles, findProjects, planDockerfile, writeDockerfilePlan } from '../../../tools/dotnetProject';
import { ReadOnlyFileError } from '../../../tools/files';
import { ToolError } from '../../../tools/errors';
import { toolPaths } from '../../util/config';
import { WorkspaceModel } from '../../workspaceModel';

const PROJECT = /\.(cs|fs|vb)proj$/i;

/** Options a caller (a test, another command) may pass to skip the prompts. */
export interface AddDockerfileOptions {
  framework?: string;
  base?: 'aspnet' | 'runtime';
  /** Absolute folder to use as the build context. */
  context?: string;
  /** Replace an existing Dockerfile without asking. */
  replace?: boolean;
}

/** Which project to use: the one right-clicked, one in the right-clicked folder, or one picked. */
async function pickProject(model: WorkspaceModel, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  let candidates: vscode.Uri[];
  if (target && PROJECT.test(target.path)) return target;
  if (target) {
    candidates = (await findProjects(target.fsPath)).map((p) => vscode.Uri.file(p));
  } else {
    const folders = await model.get();
    candidates = folders.flatMap(({ folder, scan }) => scan.projects.map((p) => vscode.Uri.joinPath(folder.uri, p)));
  }
  if (candidates.length === 0) {
    void vscode.window.showWarningMessage(`No .NET project (.csproj, .fsproj or .vbproj) found${target ? ` in ${vscode.workspace.asRelativePath(target)}` : ' in the workspace'}. Open the folder of your worker first.`);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((uri) => ({ label: basename(uri.fsPath).replace(PROJECT, ''), description: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Add Dockerfile: which project is the worker?', placeHolder: 'Pick the .NET project to containerise' },
  );
  return pick?.uri;
}

/** "file:line:col: message" → a location to open. */
function locationOf(message: string): { uri: vscode.Uri; position?: vscode.Position } | undefined {
  const m = /^((?:[A-Za-z]:)?[^:]+?\.(?:cs|fs|vb)proj|[^:]+?\.(?:props|targets)):(\d+)(?::(\d+))?:/.exec(message);
  if (!m) return undefined;
  return { uri: vscode.Uri.file(m[1]), position: new vscode.Position(Number(m[2]) - 1, m[3] ? Number(m[3]) - 1 : 0) };
}

async function openAt(uri: vscode.Uri, position?: vscode.Position): Promise<void> {
  const editor = await vscode.window.showTextDocument(uri);
  if (position) {
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
  }
}

/**
 * Plans the Dockerfile, asking what only the user can answer: the framework of a multi-targeting
 * project, a wider build context when a reference lies outside the solution's folder.
 */
async function planWithPrompts(project: vscode.Uri, base: PlanOptions, log: vscode.LogOutputChannel): Promise<DockerfilePlan | undefined> {
  const options: PlanOptions = { ...base };
  for (;;) {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Add Dockerfile: reading ${basename(project.fsPath)}${options.evaluation === 'static' ? '' : ' with MSBuild'}…`, cancellable: true },
        (_p, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return planDockerfile(project.fsPath, { ...options, signal: abort.signal, sink: { info: (l) => log.info(l) } });
        },
      );
    } catch (err) {
      if (err instanceof ProjectError && err.code === 'framework' && err.choices?.length && !options.framework) {
        const tfm = await vscode.window.showQuickPick(err.choices, { title: `${basename(project.fsPath)} targets several frameworks`, placeHolder: 'Which one runs in the container?' });
        if (!tfm) return undefined;
        options.framework = tfm;
        continue;
      }
      if (err instanceof ProjectError && err.code === 'outside-context' && err.suggestedContext && !options.context) {
        const folder = vscode.workspace.asRelativePath(err.suggestedContext) || err.suggestedContext;
        const use = `Use ${folder}`;
        const open = 'Open Project File';
        const pick = await vscode.window.showWarningMessage('The worker references a project outside its build context.', { modal: true, detail: err.message }, use, open);
        if (pick === open) await openAt(project);
        if (pick !== use) return undefined;
        options.context = err.suggestedContext;
        continue;
      }
      if (err instanceof ProjectError || err instanceof DotnetModelError) {
        const at = locationOf(err.message);
        const open = at ? 'Go to Error' : 'Open Project File';
        void vscode.window.showErrorMessage(`Add Dockerfile: ${err.message}`, open).then((p) => {
          if (p === open) void openAt(at?.uri ?? project, at?.position);
        });
        return undefined;
      }
      if (err instanceof ToolError) {
        log.error(err.message);
        void vscode.window.showErrorMessage(`Add Dockerfile: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  }
}

export async function addDockerfile(model: WorkspaceModel, log: vscode.LogOutputChannel, target?: vscode.Uri, given: AddDockerfileOptions = {}): Promise<vscode.Uri | undefined> {
  const project = await pickProject(model, target instanceof vscode.Uri ? target : undefined);
  if (!project) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(project);
  // MSBuild runs the project's own files: never in Restricted Mode.
  const trusted = vscode.workspace.isTrusted;
  const plan = await planWithPrompts(
    project,
    { stopAt: folder?.uri.fsPath, paths: toolPaths(folder), evaluation: trusted ? 'auto' : 'static', cache: true, framework: given.framework, base: given.base, context: given.context },
    log,
  );
  if (!plan) return undefined;

  const present = await existingFiles(plan);
  let force = given.replace === true;
  if (present.includes(plan.dockerfile) && !force) {
    const replace = 'Replace';
    const openExisting = 'Open Existing';
    const pick = await vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(plan.dockerfile)} already exists. Replace it with a new multi-stage Dockerfile for ${plan.project.assemblyName}?`,
      { modal: true, detail: present.includes(plan.dockerignore) ? 'The existing .dockerignore is kept; the lines it lacks are added at its end.' : undefined },
      replace,
      openExisting,
    );
    if (pick === openExisting) await vscode.window.showTextDocument(vscode.Uri.file(plan.dockerfile));
    if (pick !== replace) return undefined;
    force = true;
  }
  let result;
  try {
    result = await writeDockerfilePlan(plan, { force });
  } catch (err) {
    if (err instanceof ReadOnlyFileError || err instanceof ProjectError) {
      void vscode.window.showErrorMessage(`Add Dockerfile: ${err.message}`);
      return undefined;
    }
    throw err;
  }
  const dockerfileUri = vscode.Uri.file(plan.dockerfile);
  await vscode.window.showTextDocument(dockerfileUri);
  await model.rescan();

  const context = relative(folder?.uri.fsPath ?? dirname(plan.dockerfile), plan.context) || '.';
  const source = plan.model.source === 'msbuild' ? `evaluated by MSBuild (.NET SDK ${plan.model.sdkVersion ?? '?'})` : trusted ? 'read without MSBuild (no .NET SDK 8+ found)' : 'read without MSBuild (Restricted Mode)';
  log.info(`Add Dockerfile: ${plan.runtimeReason}; ${source}; ${plan.closure.length} project(s); build context ${plan.context}`);
  for (const w of plan.warnings) log.warn(`Add Dockerfile: ${w}`);
  const tag = plan.targetFramework.replace(/^net/, '');
  const other = plan.runtimeImage === 'aspnet' ? 'runtime' : 'aspnet';
  const switchBase = `Use ${other} Instead`;
  const showWarnings = `Show ${plan.warnings.length} Warning${plan.warnings.length === 1 ? '' : 's'}`;
  const ignoreNote = result.dockerignore === 'merged' ? ' (.dockerignore: missing lines added)' : result.dockerignore === 'kept' ? ' (existing .dockerignore kept)' : '';
  void vscode.window
    .showInformationMessage(
      `Wrote ${result.written.map((w) => vscode.workspace.asRelativePath(w)).join(' and ')}${ignoreNote}: ${plan.runtimeImage}:${tag} because ${plan.runtimeReason.replace(/^(aspnet|runtime): /, '')}; health port ${plan.healthPort}; build context "${context}"; ${source}.`,
      switchBase,
      ...(plan.warnings.length ? [showWarnings] : []),
    )
    .then(async (pick) => {
      if (pick === showWarnings) log.show(true);
      if (pick === switchBase) {
        await addDockerfile(model, log, project, { framework: plan.targetFramework, base: other, context: given.context ?? (plan.context !== dirname(plan.dockerfile) ? plan.context : undefined), replace: true });
      }
    });
  return dockerfileUri;
}
