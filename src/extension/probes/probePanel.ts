import * as vscode from 'vscode';
import { join } from 'node:path';
import { addProbesToValues, moveProbesToValues, readChartProbes, writeProbeToTemplate, writeProbeToValues } from '../../core/chartProbes';
import { PROBE_KINDS, validateProbe } from '../../core/probes';
import { YamlEditError } from '../../core/yamlEdit';
import { minimalEdit } from '../util/edits';
import { localRoots, pageHtml } from '../util/webview';
import { ChartTarget } from '../steps/chart/chartTarget';
import { FormState, HostMessage, ProbeSet, isPageMessage } from './protocol';
import { ProbeMeasurer, ReleaseRef } from './measure';

/**
 * The Probe form for one chart. Reads the probes from the open documents (unsaved edits count),
 * follows the files as they change, and saves through a WorkspaceEdit so Undo works.
 */
export class ProbePanel implements vscode.Disposable {
  static readonly viewType = 'aksWorker.probes';
  private static panels = new Map<string, ProbePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private saving = false;

  /** `releaseOf` names the release (and namespace) whose pods "Measure it" calls. */
  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, chart: ChartTarget, releaseOf?: () => ReleaseRef): ProbePanel {
    const existing = ProbePanel.panels.get(chart.dir);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(ProbePanel.viewType, `Probes: ${chart.name}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: localRoots(extensionUri),
    });
    const p = new ProbePanel(panel, extensionUri, log, chart, releaseOf ?? (() => ({ release: chart.name, namespace: 'default' })));
    ProbePanel.panels.set(chart.dir, p);
    return p;
  }

  private readonly valuesUri: vscode.Uri;
  private readonly deploymentUri: vscode.Uri;
  readonly measurer: ProbeMeasurer;

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel, private readonly chart: ChartTarget, releaseOf: () => ReleaseRef) {
    this.measurer = new ProbeMeasurer((m) => this.send(m), log, releaseOf, chart.folder);
    this.valuesUri = vscode.Uri.file(join(chart.dir, 'values.yaml'));
    this.deploymentUri = vscode.Uri.file(join(chart.dir, 'templates', 'deployment.yaml'));
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'aks-worker.svg');
    panel.webview.html = pageHtml(panel.webview, extensionUri, {
      title: `Probes: ${chart.name}`,
      script: 'dist/media/probes.js',
      style: 'media/probes/probes.css',
      body: '<main id="app" aria-busy="true"><p>Loading the probes…</p></main>',
    });
    const watched = new Set([this.valuesUri.toString(), this.deploymentUri.toString()]);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(chart.dir), '{values.yaml,templates/deployment.yaml}'));
    const external = () => {
      if (!this.saving) void this.post('external');
    };
    this.disposables.push(
      watcher,
      watcher.onDidChange(external),
      watcher.onDidCreate(external),
      watcher.onDidDelete(external),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (watched.has(e.document.uri.toString()) && e.contentChanges.length) external();
      }),
      this.measurer,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
    );
  }

  /** The files as VS Code has them: an open editor's unsaved text wins over the disk. */
  private async text(uri: vscode.Uri): Promise<string> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return '';
    }
  }

  async state(): Promise<FormState> {
    const [values, deployment] = await Promise.all([this.text(this.valuesUri), this.text(this.deploymentUri)]);
    const r = readChartProbes(values, deployment);
    return {
      chart: this.chart.name,
      file: vscode.workspace.asRelativePath(r.location === 'template' ? this.deploymentUri : this.valuesUri),
      location: r.location,
      note: r.note,
      ports: r.ports,
      probes: r.probes,
    };
  }

  private async post(reason: 'open' | 'external' | 'saved' | 'reverted' | 'moved' | 'added'): Promise<void> {
    await this.send({ type: 'state', state: await this.state(), reason });
  }

  private async send(message: HostMessage): Promise<boolean> {
    if (this.disposed) return false;
    return this.panel.webview.postMessage(message);
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isPageMessage(message)) {
      this.log.warn(`Probe form: ignored a malformed message ${JSON.stringify(message)?.slice(0, 300)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        await this.post('open');
        return this.measurer.replay();
      case 'listPods':
        return this.measurer.listPods();
      case 'measure':
        return this.measurer.start(message);
      case 'stopMeasure':
        return this.measurer.stop();
      case 'revert':
        return this.post('reverted');
      case 'openFile': {
        const s = await this.state();
        await vscode.window.showTextDocument(s.location === 'template' ? this.deploymentUri : this.valuesUri, { viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'moveToValues':
      case 'addToValues':
        try {
          if (message.type === 'moveToValues') await this.moveToValues();
          else await this.addToValues();
          await this.post(message.type === 'moveToValues' ? 'moved' : 'added');
        } catch (err) {
          const text = err instanceof Error ? err.message : String(err);
          this.log.error(`Probe form: ${text}`);
          await this.send({ type: 'error', message: text });
        }
        return;
      case 'save':
        try {
          await this.save(message.probes);
          await this.post('saved');
        } catch (err) {
          const text = err instanceof Error ? err.message : String(err);
          this.log.error(`Probe form: ${text}`);
          await this.send({ type: 'error', message: text });
        }
    }
  }

  /** Validates every probe, computes the new file text, applies it as one edit and saves. */
  async save(probes: ProbeSet): Promise<void> {
    const current = await this.state();
    if (current.location === 'none') throw new Error(current.note ?? 'This chart has no probes the form can edit.');
    for (const kind of PROBE_KINDS) {
      const p = probes[kind];
      if (!p) continue;
      const errors = Object.entries(validateProbe(kind, p, current.ports).errors);
      if (errors.length) throw new Error(`${kind} probe: ${errors.map(([f, m]) => `${f}: ${m}`).join(' ')} Nothing was saved.`);
    }
    const uri = current.location === 'values' ? this.valuesUri : this.deploymentUri;
    const doc = await vscode.workspace.openTextDocument(uri);
    let text = doc.getText();
    try {
      for (const kind of PROBE_KINDS) {
        if (JSON.stringify(probes[kind] ?? null) === JSON.stringify(current.probes[kind] ?? null)) continue;
        text = current.location === 'values' ? writeProbeToValues(text, kind, probes[kind], uri.fsPath) : writeProbeToTemplate(text, kind, probes[kind], uri.fsPath);
      }
    } catch (err) {
      if (err instanceof YamlEditError) throw new Error(`${err.message} Nothing was saved.`);
      throw err;
    }
    const edit = new vscode.WorkspaceEdit();
    minimalEdit(edit, doc, text);
    this.saving = true;
    try {
      if (edit.size && !(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code did not apply the edit (is the file read-only?). Nothing was saved.');
      await doc.save();
    } finally {
      this.saving = false;
    }
  }

  /**
   * Moves probes written inline in the template into values.yaml (the template then renders them
   * from there), as one edit of both files that Undo reverts.
   */
  moveToValues(): Promise<void> {
    return this.restructure(moveProbesToValues);
  }

  /** Adds value-driven probes to a template that has none (all off until the form turns them on). */
  addToValues(): Promise<void> {
    return this.restructure(addProbesToValues);
  }

  private async restructure(change: typeof moveProbesToValues): Promise<void> {
    const [values, deployment] = await Promise.all([this.text(this.valuesUri), this.text(this.deploymentUri)]);
    let moved;
    try {
      moved = change(values, deployment, { values: this.valuesUri.fsPath, deployment: this.deploymentUri.fsPath });
    } catch (err) {
      if (err instanceof YamlEditError) throw new Error(`${err.message} Nothing was changed.`);
      throw err;
    }
    const edit = new vscode.WorkspaceEdit();
    const deploymentDoc = await vscode.workspace.openTextDocument(this.deploymentUri);
    minimalEdit(edit, deploymentDoc, moved.deployment);
    let valuesDoc: vscode.TextDocument | undefined;
    try {
      valuesDoc = await vscode.workspace.openTextDocument(this.valuesUri);
      minimalEdit(edit, valuesDoc, moved.values);
    } catch {
      edit.createFile(this.valuesUri, { ignoreIfExists: true, contents: new TextEncoder().encode(moved.values) });
    }
    this.saving = true;
    try {
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code did not apply the edit (is a file read-only?). Nothing was changed.');
      await deploymentDoc.save();
      await valuesDoc?.save();
    } finally {
      this.saving = false;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    ProbePanel.panels.delete(this.chart.dir);
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
