import vscode = require('vscode');
import { basename, dirname, relative } from 'node:path';
import { readdir } from 'node:fs/promises';
import { buildPercent } from '../../../core/dockerBuild';
import { defaultImageName, formatImageRef, parseImageRef, repositoryProblem, tagProblem } from '../../../core/imageRef';
import { nextPatch } from '../../../core/versions';
import { buildImage, inspectImage } from '../../../tools/docker';
import { dockerBuildContext } from '../../../tools/buildContext';
import { runTool } from '../../../tools/process';
import { WorkflowState } from '../../state';
import { toolPaths } from '../../util/config';
import { RunView } from '../../util/runView';
import { WorkspaceModel } from '../../workspaceModel';

export interface BuildOutcome {
  folder: vscode.WorkspaceFolder;
  ref: string;
}

async function pickDockerfile(model: WorkspaceModel, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (target) return target;
  const all = (await model.get()).flatMap(({ folder, scan }) => scan.dockerfiles.map((d) => vscode.Uri.joinPath(folder.uri, d)));
  if (all.length === 0) {
    const add = 'Add Dockerfile';
    if ((await vscode.window.showWarningMessage('No Dockerfile in the workspace yet.', add)) === add) await vscode.commands.executeCommand('aksWorker.addDockerfile');
    return undefined;
  }
  if (all.length === 1) return all[0];
  const pick = await vscode.window.showQuickPick(
    all.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Build Image: which Dockerfile?' },
  );
  return pick?.uri;
}

async function defaultName(dockerfile: string, state: WorkflowState, folder: vscode.WorkspaceFolder): Promise<string> {
  const last = state.get(folder).lastBuilt;
  if (last && last.dockerfile === dockerfile) {
    try {
      return parseImageRef(last.ref).repository;
    } catch {
      /* fall through */
    }
  }
  const dir = dirname(dockerfile);
  const project = (await readdir(dir).catch(() => [] as string[])).find((n) => n.endsWith('.csproj'));
  return defaultImageName(project ? basename(project, '.csproj') : basename(dir));
}

async function gitShortSha(cwd: string): Promise<string | undefined> {
  try {
    const r = await runTool({ name: 'git', setting: 'git.path', install: 'Install git.', url: 'https://git-scm.com/downloads' }, 'git', ['rev-parse', '--short', 'HEAD'], { cwd, timeoutMs: 10_000, logCommand: false });
    return r.stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function askReference(dockerfile: string, model: WorkspaceModel, state: WorkflowState, folder: vscode.WorkspaceFolder): Promise<string | undefined> {
  const name = await vscode.window.showInputBox({
    title: 'Build Image (1/2): image name',
    value: await defaultName(dockerfile, state, folder),
    prompt: 'Lower-case letters, digits and . _ - separators; "/" for a path (the registry is added when you push).',
    validateInput: (v) => repositoryProblem(v.trim()),
    ignoreFocusOut: true,
  });
  if (name === undefined) return undefined;

  const scan = (await model.get()).find((f) => f.folder.uri.toString() === folder.uri.toString())?.scan;
  const appVersion = scan?.charts.find((c) => c.appVersion)?.appVersion;
  const bumped = appVersion ? nextPatch(appVersion) : undefined;
  const lastTag = state.get(folder).lastBuilt?.ref.split(':').pop();
  const sha = await gitShortSha(folder.uri.fsPath);
  const items: Array<vscode.QuickPickItem & { tag?: string }> = [];
  if (bumped) items.push({ label: bumped, description: `the chart's appVersion ${appVersion}, bumped`, tag: bumped });
  else items.push({ label: '0.0.1', description: 'first version', tag: '0.0.1' });
  if (sha) items.push({ label: sha, description: 'git commit', tag: sha });
  if (lastTag && !items.some((i) => i.tag === lastTag)) items.push({ label: lastTag, description: 'the last tag built (overwrites it)', tag: lastTag });
  items.push({ label: '$(edit) Other tag…', alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, { title: `Build Image (2/2): tag for ${name.trim()}`, placeHolder: 'The tag becomes the chart\'s appVersion when you release', ignoreFocusOut: true });
  if (!picked) return undefined;
  let tag = picked.tag;
  if (!tag) {
    tag = await vscode.window.showInputBox({ title: 'Image tag', value: bumped ?? '0.0.1', validateInput: (v) => tagProblem(v.trim()), ignoreFocusOut: true });
    if (tag === undefined) return undefined;
  }
  return formatImageRef({ repository: name.trim(), tag: tag.trim() });
}

/** Build Image: pick the Dockerfile, the name and tag, run docker build with progress and cancel. */
export async function buildImageCommand(
  model: WorkspaceModel,
  state: WorkflowState,
  log: vscode.LogOutputChannel,
  target?: vscode.Uri,
  preset?: { ref?: string },
): Promise<BuildOutcome | undefined> {
  const dockerfile = await pickDockerfile(model, target instanceof vscode.Uri ? target : undefined);
  if (!dockerfile) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(dockerfile);
  if (!folder) {
    void vscode.window.showWarningMessage('The Dockerfile is outside the workspace folders.');
    return undefined;
  }
  const ref = preset?.ref ?? (await askReference(dockerfile.fsPath, model, state, folder));
  if (!ref) return undefined;
  const context = await dockerBuildContext(dockerfile.fsPath, folder.uri.fsPath);
  const extraArgs = vscode.workspace.getConfiguration('aksWorker.build', folder).get<string[]>('extraArgs', []);

  const view = new RunView(`Build ${ref}`, log);
  const contextRel = relative(folder.uri.fsPath, context) || '.';
  view.sink.info(`Building ${ref} from ${vscode.workspace.asRelativePath(dockerfile)} (context: ${contextRel})`);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Building ${ref}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let last = 0;
        return buildImage(
          {
            dockerfile: dockerfile.fsPath,
            context,
            tags: [ref],
            extraArgs,
            onProgress: (s) => {
              const pct = buildPercent(s);
              if (s.currentStep) {
                const increment = pct !== undefined && pct > last ? pct - last : undefined;
                if (increment) last = pct ?? last;
                progress.report({ message: s.currentStep.slice(0, 80), increment });
              }
            },
          },
          { paths: toolPaths(folder), sink: view.sink, signal: controller.signal },
        );
      },
    );
    const details = await inspectImage(ref, { paths: toolPaths(folder) });
    const mb = (details.size / 1e6).toFixed(1);
    await state.update(folder, {
      lastBuilt: { ref, imageId: details.id, size: details.size, architecture: details.architecture, os: details.os, at: new Date().toISOString(), dockerfile: dockerfile.fsPath, context },
    });
    view.finish(true, `Built ${ref}: ${details.id.slice(0, 19)} (${mb} MB, ${details.os}/${details.architecture}) in ${(result.durationMs / 1000).toFixed(1)} s`);
    const push = 'Push to Registry';
    void vscode.window.showInformationMessage(`Built ${ref} (${details.id.replace('sha256:', '').slice(0, 12)}, ${mb} MB).`, push).then((p) => {
      if (p === push) void vscode.commands.executeCommand('aksWorker.pushImage', ref);
    });
    return { folder, ref };
  } catch (err) {
    view.finish(false, err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    view.dispose();
  }
}
