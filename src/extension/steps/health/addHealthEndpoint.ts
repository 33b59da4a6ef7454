import vscode = require('vscode');
import { basename, dirname } from 'node:path';
import { DotnetModelError } from '../../../core/dotnetModel';
import { ProjectError, findProjects } from '../../../tools/dotnetProject';
import { writeFileAtomic } from '../../../tools/files';
import { ToolError } from '../../../tools/errors';
import { AddHealthOptions, HealthEdit, HealthEndpointError, HealthEndpointExistsError, HealthPlan, addHealthEndpoint, beatAdvice, planDiff } from '../../../tools/healthEndpoint';
import { showReadOnly } from '../../util/readonlyDocs';
import { toolPaths } from '../../util/config';
import { WorkspaceModel } from '../../workspaceModel';

const PROJECT = /\.csproj$/i;
const TITLE = 'Add Health Endpoint';

/** Options a caller (a test, the Workflow view) may pass; `confirm: false` applies without asking. */
export interface AddHealthEndpointOptions {
  port?: number;
  path?: string;
  thresholdSeconds?: number;
  confirm?: boolean;
  /** Add ours even when the worker serves an endpoint already. */
  force?: boolean;
}

/** What the command did: the files it wrote, and a way to put them all back as they were. */
export interface AddHealthEndpointResult {
  plan: HealthPlan;
  files: string[];
  /** Restores every file byte for byte and removes the created one. */
  undo(): Promise<void>;
}

/** The project: the .csproj right-clicked, the one beside a right-clicked Program.cs, or one picked. */
async function pickProject(model: WorkspaceModel, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (target && PROJECT.test(target.path)) return target;
  let candidates: vscode.Uri[];
  if (target) {
    const s = await vscode.workspace.fs.stat(target).then(
      (st) => st,
      () => undefined,
    );
    const folder = s && s.type & vscode.FileType.Directory ? target.fsPath : dirname(target.fsPath);
    // Program.cs may sit in a subfolder of its project: look up to three folders up.
    let found: string[] = [];
    for (let d = folder, i = 0; i < 4 && found.length === 0; i++, d = dirname(d)) {
      found = (await findProjects(d, 1).catch(() => [])).filter((p) => PROJECT.test(p));
      if (dirname(d) === d) break;
    }
    candidates = found.map((p) => vscode.Uri.file(p));
  } else {
    const folders = await model.get();
    candidates = folders.flatMap(({ folder, scan }) => scan.projects.filter((p) => PROJECT.test(p)).map((p) => vscode.Uri.joinPath(folder.uri, p)));
  }
  if (candidates.length === 0) {
    void vscode.window.showWarningMessage(`${TITLE}: no C# project (.csproj) found${target ? ` for ${vscode.workspace.asRelativePath(target)}` : ' in the workspace'}. Open the folder of your worker first.`);
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((uri) => ({ label: basename(uri.fsPath).replace(PROJECT, ''), description: vscode.workspace.asRelativePath(uri), uri })),
    { title: `${TITLE}: which project is the worker?`, placeHolder: 'Pick the worker project that should serve its health endpoint' },
  );
  return pick?.uri;
}

/**
 * The whole lines `after` adds to `before` (each edit here only inserts lines), as document
 * positions; undefined when the change is not made of whole lines.
 */
function lineInsertionsOf(before: string, after: string): Array<{ line: number; text: string }> | undefined {
  const a = before.replace(/^\uFEFF/, '').split('\n');
  const b = after.replace(/^\uFEFF/, '').split('\n');
  const out: Array<{ line: number; text: string }> = [];
  let i = 0;
  for (let j = 0; j < b.length; j++) {
    if (i < a.length && a[i] === b[j]) i++;
    else out.push({ line: i, text: `${b[j].replace(/\r$/, '')}\n` });
  }
  return i === a.length && out.length === b.length - a.length && out.every((o) => o.line < a.length) ? out : undefined;
}

/** Where in `before` the single stretch of `after` was inserted, and the inserted text. */
function insertionOf(before: string, after: string): { line: number; character: number; text: string } {
  let start = 0;
  while (start < before.length && before[start] === after[start]) start++;
  const inserted = after.slice(start, start + after.length - before.length);
  // Positions are those of the document, which does not show the byte-order mark.
  const head = before.slice(0, start).replace(/^\uFEFF/, '');
  const lines = head.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].replace(/\r$/, '').length, text: inserted };
}

/** One WorkspaceEdit for the whole plan (one Undo step): the new file, then each insertion, all under one label. */
function workspaceEditFor(plan: HealthPlan): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  const meta = (e: HealthEdit): vscode.WorkspaceEditEntryMetadata => ({ label: TITLE, description: e.why, needsConfirmation: false });
  for (const e of plan.edits) {
    const uri = vscode.Uri.file(e.file);
    if (e.before === undefined) {
      edit.createFile(uri, { overwrite: false, contents: new TextEncoder().encode(e.after) }, meta(e));
    } else {
      const lines = lineInsertionsOf(e.before, e.after);
      if (lines) {
        for (const l of lines) edit.insert(uri, new vscode.Position(l.line, 0), l.text, meta(e));
      } else {
        const at = insertionOf(e.before, e.after);
        edit.insert(uri, new vscode.Position(at.line, at.character), at.text, meta(e));
      }
    }
  }
  return edit;
}

async function restore(plan: HealthPlan): Promise<void> {
  for (const e of [...plan.edits].reverse()) {
    if (e.before === undefined) await vscode.workspace.fs.delete(vscode.Uri.file(e.file), { useTrash: false }).then(undefined, () => undefined);
    else await writeFileAtomic(e.file, e.before);
  }
}

async function plan(project: vscode.Uri, options: AddHealthOptions): Promise<HealthPlan> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `${TITLE}: reading ${basename(project.fsPath)}${options.noMsbuild ? '' : ' with MSBuild'}…`, cancellable: true },
    (_p, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return addHealthEndpoint(project.fsPath, { ...options, signal: abort.signal });
    },
  );
}

export async function addHealthEndpointCommand(model: WorkspaceModel, log: vscode.LogOutputChannel, target?: vscode.Uri, given: AddHealthEndpointOptions = {}): Promise<AddHealthEndpointResult | undefined> {
  const project = await pickProject(model, target);
  if (!project) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(project);
  // MSBuild runs the project's own files: in Restricted Mode the files are read without it.
  const trusted = vscode.workspace.isTrusted;
  const rel = (f: string) => vscode.workspace.asRelativePath(f);
  const options: AddHealthOptions = { port: given.port, path: given.path, thresholdSeconds: given.thresholdSeconds, force: given.force, noMsbuild: !trusted, paths: toolPaths(folder), cache: true };
  let p: HealthPlan;
  for (;;) {
    try {
      p = await plan(project, options);
      break;
    } catch (err) {
      if (err instanceof HealthEndpointExistsError) {
        const first = err.evidence[0];
        const go = 'Go to Endpoint';
        const anyway = 'Add Anyway';
        const ours = err.evidence.some((e) => e.kind === 'generated');
        const asked = vscode.window.showInformationMessage(
          ours ? `${TITLE}: ${basename(project.fsPath)} has its health endpoint already (${rel(first.file)}).` : `${TITLE}: ${basename(project.fsPath)} serves a health endpoint already: ${rel(first.file)}:${first.line}: ${first.text}`,
          go,
          ...(ours || given.confirm === false ? [] : [anyway]),
        );
        // A caller that asked for no prompts is not held up by the message.
        const pick = given.confirm === false ? undefined : await asked;
        if (pick === go) {
          const pos = new vscode.Position(first.line - 1, first.column - 1);
          await vscode.window.showTextDocument(vscode.Uri.file(first.file), { selection: new vscode.Range(pos, pos) });
        }
        if (pick !== anyway) return undefined;
        options.force = true;
        continue;
      }
      if (err instanceof HealthEndpointError || err instanceof ProjectError || err instanceof DotnetModelError) {
        const open = 'Open Project File';
        void vscode.window.showErrorMessage(`${TITLE}: ${err.message}`, open).then((pick) => {
          if (pick === open) void vscode.window.showTextDocument(project);
        });
        return undefined;
      }
      if (err instanceof ToolError) {
        log.error(err.message);
        void vscode.window.showErrorMessage(`${TITLE}: ${err.message}`);
        return undefined;
      }
      if (err instanceof Error && err.name === 'AbortError') return undefined;
      throw err;
    }
  }

  // The plan was read from disk: an editor with unsaved changes to one of the files would not match it.
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && p.edits.some((e) => e.file === d.uri.fsPath));
  if (dirty.length) {
    void vscode.window.showWarningMessage(`${TITLE}: save ${dirty.map((d) => rel(d.uri.fsPath)).join(', ')} first; nothing was changed.`);
    return undefined;
  }

  const summary = p.edits.map((e) => `${e.before === undefined ? 'Create' : 'Change'} ${rel(e.file)}: ${e.why}.`).join('\n');
  const manual = [p.registration, p.mapping].map((r) => (r && 'manual' in r ? r.manual : undefined)).filter((m): m is string => !!m).join(' ') || undefined;
  if (given.confirm !== false) {
    const add = 'Add';
    const show = 'Show Diff';
    const detail = `${p.variantReason}.\n\n${summary}${manual ? `\n\nNot edited: ${manual}` : ''}\n\nUndo (Ctrl+Z) takes it all back.`;
    let pick = await vscode.window.showInformationMessage(`${TITLE}: serve GET http://+:${p.port}${p.path} from ${basename(project.fsPath)}?`, { modal: true, detail }, add, show);
    if (pick === show) {
      // The whole change as a unified diff, read-only, then the same question once more.
      await showReadOnly(`${basename(project.fsPath).replace(PROJECT, '')}/add-health-endpoint.diff`, planDiff(p, folder?.uri.fsPath ?? dirname(p.project)), { language: 'diff' });
      pick = await vscode.window.showInformationMessage(`${TITLE}: apply the changes shown in the diff?`, { modal: true, detail }, add);
    }
    if (pick !== add) return undefined;
  }
  const edit = workspaceEditFor(p);
  const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: true });
  if (!applied) {
    void vscode.window.showInformationMessage(`${TITLE}: nothing was changed.`);
    return undefined;
  }
  // Saved as written: the documents of the changed files, if VS Code did not save them with the refactoring.
  for (const e of p.edits) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === e.file);
    if (doc?.isDirty) await doc.save();
  }
  const files = p.edits.map((e) => e.file);
  log.info(`${TITLE}: ${p.variantReason}; ${p.evaluatedBy === 'msbuild' ? 'evaluated by MSBuild' : trusted ? 'read without MSBuild (no .NET SDK 8+ found)' : 'read without MSBuild (Restricted Mode)'}`);
  for (const e of p.edits) log.info(`${TITLE}: ${e.before === undefined ? 'created' : 'changed'} ${e.file}: ${e.why}`);
  for (const w of p.warnings) log.warn(`${TITLE}: ${w}`);
  if (manual) log.warn(`${TITLE}: ${manual}`);

  const result: AddHealthEndpointResult = { plan: p, files, undo: () => restore(p) };
  const beat = beatAdvice(p, rel);
  const goLoop = 'Go to Worker Loop';
  const undo = 'Undo';
  const guessed = trusted ? '' : ' The project was read without MSBuild (Restricted Mode): check the framework and the package version.';
  void vscode.window
    .showInformationMessage(
      `${TITLE}: added ${rel(p.healthFile)} (${p.variant === 'aspnet' ? 'Kestrel, MapHealthChecks' : p.variant === 'listener' ? 'HttpListener' : "MapHealthChecks on the app's own port"}, port ${p.port}, ${p.path})${manual ? '; register it by hand: see the output' : ''}. Next: ${beat} Then run Preflight.${guessed}`,
      ...(p.beatHint ? [goLoop] : []),
      undo,
    )
    .then(async (pick) => {
      if (pick === goLoop && p.beatHint) {
        const pos = new vscode.Position(p.beatHint.line - 1, 0);
        await vscode.window.showTextDocument(vscode.Uri.file(p.beatHint.file), { selection: new vscode.Range(pos, pos) });
      }
      if (pick === undo) await result.undo();
    });
  if (manual) {
    void vscode.window.showWarningMessage(`${TITLE}: ${manual}`, 'Open Program.cs').then((pick) => {
      const file = 'file' in p.registration ? p.registration.file : undefined;
      if (pick && file) void vscode.window.showTextDocument(vscode.Uri.file(file));
    });
  }
  await vscode.window.showTextDocument(vscode.Uri.file(p.healthFile), { preview: false });
  return result;
}
