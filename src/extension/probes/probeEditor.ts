import vscode = require('vscode');
import { dirname } from 'node:path';
import type { FormDraft, ProbeSet } from './protocol';
import type { ChartTarget } from '../steps/chart/chartTarget';
import type { ReleaseRef } from './measure';

/** What an open form does for its document: save the draft, reload after a revert. */
export interface ProbeFormView {
  saveDraft(): Promise<void>;
  reverted(): Promise<void>;
}

/**
 * The probe settings of one chart, as the Probe form edits them: the resource is the chart's
 * values.yaml, the unsaved state is the form's draft. VS Code keeps the dirty marker, asks on close,
 * saves with Ctrl+S / Cmd+S, backs the draft up for hot exit and reverts through it.
 */
export class ProbeDocument implements vscode.CustomDocument {
  /** The form's text as typed, while it differs from the files; `probes` when every field is valid. */
  draft?: { form: FormDraft; probes?: ProbeSet; error?: string };
  /** VS Code has been told the document changed since the last save or revert. */
  dirty = false;
  view?: ProbeFormView;
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    this.view = undefined;
  }
}

export const PROBE_EDITOR_VIEW_TYPE = 'aksWorker.probes';

/**
 * The Probe form as a custom editor of a chart's values.yaml (an "Open With…" option; values.yaml
 * still opens as text by default). Loads the form itself only when one opens.
 */
export class ProbeEditorProvider implements vscode.CustomEditorProvider<ProbeDocument> {
  private readonly changed = new vscode.EventEmitter<vscode.CustomDocumentContentChangeEvent<ProbeDocument>>();
  readonly onDidChangeCustomDocument = this.changed.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    /** The chart whose values.yaml this is; undefined when the file is not beside a Chart.yaml in the workspace. */
    private readonly chartOf: (values: vscode.Uri) => Promise<ChartTarget | undefined>,
    private readonly releaseOf: (chart: ChartTarget) => Promise<() => ReleaseRef>,
  ) {}

  /** Tells VS Code the document has unsaved changes (the dirty marker, the prompt on close). */
  markDirty(doc: ProbeDocument): void {
    if (doc.dirty) return;
    doc.dirty = true;
    this.changed.fire({ document: doc });
  }

  async openCustomDocument(uri: vscode.Uri, context: vscode.CustomDocumentOpenContext): Promise<ProbeDocument> {
    const doc = new ProbeDocument(uri);
    if (context.backupId) {
      try {
        const saved = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(context.backupId)))) as unknown;
        const { isFormDraft, isProbeSet } = await import('./protocol');
        const b = saved as { form?: unknown; probes?: unknown; error?: unknown };
        if (b && isFormDraft(b.form)) {
          doc.draft = { form: b.form, probes: isProbeSet(b.probes) ? b.probes : undefined, error: typeof b.error === 'string' ? b.error : undefined };
          doc.dirty = true;
        }
      } catch (err) {
        this.log.warn(`Probe form: the backup of ${vscode.workspace.asRelativePath(uri)} could not be read: ${String(err)}`);
      }
    }
    return doc;
  }

  async resolveCustomEditor(doc: ProbeDocument, panel: vscode.WebviewPanel): Promise<void> {
    const chart = await this.chartOf(doc.uri);
    if (!chart) {
      panel.title = 'Probes';
      panel.webview.options = { enableScripts: false };
      panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p>${escapeHtml(
        vscode.workspace.asRelativePath(doc.uri),
      )} is not the values.yaml of a Helm chart in this workspace (no Chart.yaml beside it in a workspace folder), so the Probe form cannot open it. Open it with the text editor instead.</p></body></html>`;
      return;
    }
    const [{ ProbePanel }, releaseOf] = await Promise.all([import('./probePanel'), this.releaseOf(chart)]);
    new ProbePanel(panel, this.extensionUri, this.log, chart, releaseOf, doc, this);
  }

  async saveCustomDocument(doc: ProbeDocument): Promise<void> {
    if (!doc.view) throw new Error(`Show the probe form of ${vscode.workspace.asRelativePath(dirname(doc.uri.fsPath))} to save it.`);
    await doc.view.saveDraft();
    doc.dirty = false;
  }

  saveCustomDocumentAs(): Promise<void> {
    return Promise.reject(new Error('The probe form saves into its chart\'s files; there is nothing to save elsewhere. Use Save.'));
  }

  async revertCustomDocument(doc: ProbeDocument): Promise<void> {
    doc.draft = undefined;
    doc.dirty = false;
    await doc.view?.reverted();
  }

  async backupCustomDocument(doc: ProbeDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    await vscode.workspace.fs.writeFile(context.destination, new TextEncoder().encode(JSON.stringify(doc.draft ?? {})));
    return {
      id: context.destination.toString(),
      delete: () => void Promise.resolve(vscode.workspace.fs.delete(context.destination)).catch(() => undefined),
    };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
