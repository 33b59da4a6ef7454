import vscode = require('vscode');
import { basename, join } from 'node:path';
import { addProbesToValues, moveProbesToValues, readChartProbes, writeProbeToTemplate, writeProbeToValues } from '../../core/chartProbes';
import { PROBE_KINDS, Probe, probeToObject, validateProbe } from '../../core/probes';
import { YamlEditError, parseForEdit } from '../../core/yamlEdit';
import { ParseLimitError } from '../../core/parseLimits';
import { updateBudgetComment } from '../../core/chart';
import { minimalEdit } from '../util/edits';
import { localRoots, pageHtml } from '../util/webview';
import { ChartTarget } from '../steps/chart/chartTarget';
import { FileLocation, FormState, HostMessage, ProbeSet, ShutdownInfo, ShutdownRow, SourceLink, WhereInfo, isPageMessage } from './protocol';
import type { ChartModel } from '../../tools/chartModel';
import { toolPaths } from '../util/config';
import { ProbeMeasurer, ReleaseRef } from './measure';
import { PROBE_EDITOR_VIEW_TYPE, ProbeDocument, ProbeEditorProvider, ProbeFormView } from './probeEditor';

/**
 * The Probe form of one chart, the view of its custom editor (ProbeEditorProvider). Reads the probes
 * from the open documents (unsaved edits count), follows the files as they change, and saves through
 * a WorkspaceEdit so Undo works. The form's unsaved state is the editor document's draft: VS Code
 * shows it dirty, saves it with Ctrl+S and asks before closing it.
 */
export class ProbePanel implements vscode.Disposable, ProbeFormView {
  static readonly viewType = PROBE_EDITOR_VIEW_TYPE;
  private static panels = new Map<string, ProbePanel>();
  private static waiting = new Map<string, Array<(p: ProbePanel) => void>>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private saving = false;

  /**
   * Opens the chart's probe form (its values.yaml with the Probe form editor), or shows it when it is
   * open, and returns it. `viewColumn` defaults to the active editor group.
   */
  static async show(chart: ChartTarget, viewColumn = vscode.ViewColumn.Active): Promise<ProbePanel> {
    const existing = ProbePanel.panels.get(chart.dir);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const opened = new Promise<ProbePanel>((resolve, reject) => {
      const list = ProbePanel.waiting.get(chart.dir) ?? [];
      list.push(resolve);
      ProbePanel.waiting.set(chart.dir, list);
      setTimeout(() => reject(new Error(`The probe form of ${chart.name} did not open within 30 s.`)), 30_000).unref?.();
    });
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(join(chart.dir, 'values.yaml')), PROBE_EDITOR_VIEW_TYPE, viewColumn);
    return opened;
  }

  private readonly valuesUri: vscode.Uri;
  private readonly deploymentUri: vscode.Uri;
  readonly measurer: ProbeMeasurer;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly chart: ChartTarget,
    releaseOf: () => ReleaseRef,
    private readonly doc: ProbeDocument,
    private readonly editor: ProbeEditorProvider,
  ) {
    this.measurer = new ProbeMeasurer((m) => this.send(m), log, releaseOf, chart.folder);
    this.valuesUri = vscode.Uri.file(join(chart.dir, 'values.yaml'));
    this.deploymentUri = vscode.Uri.file(join(chart.dir, 'templates', 'deployment.yaml'));
    doc.view = this;
    ProbePanel.panels.set(chart.dir, this);
    for (const resolve of ProbePanel.waiting.get(chart.dir) ?? []) resolve(this);
    ProbePanel.waiting.delete(chart.dir);
    panel.title = `Probes: ${chart.name}`;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'aks-worker.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: localRoots(extensionUri) };
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
    // Unsaved edits count; a clean document may not have caught up with a change on disk yet.
    if (open?.isDirty) return open.getText();
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return open?.getText() ?? '';
    }
  }

  /** The chart as Helm renders it (trusted workspaces with helm); dropped when the files change. */
  private helmModel: Promise<ChartModel | undefined> | undefined;

  private renderOptions() {
    return { paths: toolPaths(this.chart.folder), release: this.chart.name };
  }

  /** Helm's view of the chart, or undefined (Restricted Mode, no helm, a chart Helm cannot render: said in the log). */
  helm(): Promise<ChartModel | undefined> {
    if (!vscode.workspace.isTrusted) return Promise.resolve(undefined);
    this.helmModel ??= import('../../tools/chartModel')
      .then((m) => m.discoverChartProbes(this.chart.dir, this.renderOptions()))
      .catch((err: unknown) => {
        this.log.info(`Probe form: Helm's render of ${this.chart.name} is not available: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
    return this.helmModel;
  }

  async state(): Promise<FormState> {
    const [values, deployment] = await Promise.all([this.text(this.valuesUri), this.text(this.deploymentUri)]);
    const files = { values: vscode.workspace.asRelativePath(this.valuesUri), deployment: vscode.workspace.asRelativePath(this.deploymentUri) };
    let r: ReturnType<typeof readChartProbes>;
    try {
      r = readChartProbes(values, deployment, files);
    } catch (err) {
      // A file too large or nested too deeply to read: the form says which and shows no probes, rather
      // than showing them off.
      if (!(err instanceof ParseLimitError)) throw err;
      const which = err.file === files.deployment ? 'deployment' : 'values';
      return { chart: this.chart.name, file: files[which], location: 'none', note: err.message, ports: [], probes: {}, problem: { message: err.message, at: { which, file: files[which], line: 1, column: 1 } } };
    }
    // The files alone may not show the probes as Kubernetes gets them (switches, handlers written in
    // the template, helpers, components): when Helm's render says otherwise, the form follows Helm.
    // Not while the chart's files have unsaved edits (Helm reads the disk; the form reads the editor).
    const dirty = vscode.workspace.textDocuments.some((d) => d.isDirty && d.uri.fsPath.startsWith(this.chart.dir));
    // A values.yaml that does not parse cannot be rendered either: the form says so at once.
    const problem = this.valuesProblem(values);
    const m = dirty || problem ? undefined : await this.helm();
    if (m?.target && PROBE_KINDS.some((k) => m.probes[k].rendered || m.probes[k].root)) {
      const probes: ProbeSet = {};
      for (const k of PROBE_KINDS) if (m.probes[k].probe) probes[k] = m.probes[k].probe;
      const same = PROBE_KINDS.every((k) => JSON.stringify(r.probes[k] ? probeToObject(r.probes[k] as Probe) : null) === JSON.stringify(probes[k] ? probeToObject(probes[k] as Probe) : null));
      if (r.location === 'none' || !same) {
        return {
          chart: this.chart.name,
          file: vscode.workspace.asRelativePath(this.valuesUri),
          location: 'helm',
          note: `As Helm renders ${m.target.workload.kind}/${m.target.workload.name}, container ${m.target.container.name}; saved where Helm reads each value, and checked by a render.`,
          ports: m.ports,
          probes,
        };
      }
    }
    return {
      chart: this.chart.name,
      file: vscode.workspace.asRelativePath(r.location === 'template' ? this.deploymentUri : this.valuesUri),
      location: r.location,
      note: r.note,
      ports: r.ports,
      probes: r.probes,
      ...(problem ? { problem } : {}),
    };
  }

  /** What is wrong with values.yaml, when it does not parse as YAML: the message and where. */
  private valuesProblem(values: string): FormState['problem'] {
    if (!values.trim()) return undefined;
    const file = vscode.workspace.asRelativePath(this.valuesUri);
    try {
      parseForEdit(values, file);
      return undefined;
    } catch (err) {
      if (!(err instanceof YamlEditError) || !err.line) return undefined;
      const column = err.column ?? 1;
      const prefix = `${err.file}:${err.line}:${column}: `;
      return { message: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message, at: { which: 'values', file, line: err.line, column } };
    }
  }

  /** Where Helm reads each field, for the form to show; undefined without Helm's view. */
  async where(): Promise<WhereInfo | undefined> {
    const m = await this.helm();
    if (!m?.target) return undefined;
    const { describeLocation } = await import('../../tools/chartModel');
    const fields: WhereInfo['fields'] = {};
    const switches: WhereInfo['switches'] = {};
    for (const k of PROBE_KINDS) {
      const v = m.probes[k];
      fields[k] = Object.entries(v.fields).map(([field, loc]) => ({
        field,
        text: `${describeLocation(loc, m.chartDir)}${loc.kind === 'values' && loc.sharedWith ? ' (also used elsewhere: not editable here)' : ''}`,
        editable: (loc.kind === 'values' && !loc.sharedWith) || (loc.kind === 'template' && !!loc.line),
      }));
      if (v.switch) switches[k] = `${v.switch.path.join('.')} = ${v.switch.value} (${v.switch.file ? vscode.workspace.asRelativePath(v.switch.file) : '?'}${v.switch.line ? `:${v.switch.line}` : ''})`;
    }
    return { workload: `${m.target.workload.kind}/${m.target.workload.name}`, container: m.target.container.name, fields, switches };
  }

  private async post(reason: 'open' | 'external' | 'saved' | 'reverted' | 'moved' | 'added'): Promise<void> {
    if (reason !== 'open' && reason !== 'reverted') this.helmModel = undefined;
    const draft = reason === 'open' ? this.doc.draft?.form : undefined;
    await this.send({ type: 'state', state: await this.state(), reason, ...(draft ? { draft } : {}) });
    // Helm's view follows when it is ready; the form does not wait for it.
    void this.where()
      .then((where) => where && this.send({ type: 'where', where }))
      .catch(() => undefined)
      .then(() => this.postShutdown());
  }

  /** The files the shutdown section links to, by the id the page sends back. */
  private shutdownLinks: Array<{ file: string; line?: number }> = [];

  /**
   * The worker's ShutdownTimeout, read once per form (its project evaluated, its C# and settings files
   * read) for the environment the chart gives the container; "Check again" reads it afresh.
   */
  private workerTimeout?: { key: string; value: Promise<import('../../tools/shutdown').WorkerTimeout> };

  private readWorkerOnce: typeof import('../../tools/shutdown').readWorkerTimeout = async (chartDir, names, env, envAt, o) => {
    const key = JSON.stringify([chartDir, names, env, envAt, o?.evaluation]);
    if (this.workerTimeout?.key !== key) {
      const { readWorkerTimeout } = await import('../../tools/shutdown');
      const value = readWorkerTimeout(chartDir, names, env, envAt, o);
      this.workerTimeout = { key, value };
      value.catch(() => {
        if (this.workerTimeout?.value === value) this.workerTimeout = undefined;
      });
    }
    return this.workerTimeout.value;
  };

  private async postShutdown(): Promise<void> {
    const shutdown = await this.shutdown().catch((err: unknown): ShutdownInfo => {
      const text = err instanceof Error ? err.message : String(err);
      this.log.info(`Probe form: the shutdown budget of ${this.chart.name} could not be read: ${text}`);
      return { verdict: 'unknown', message: 'The shutdown budget could not be read.', rows: [], overridden: [], notes: [], unavailable: text };
    });
    await this.send({ type: 'shutdown', shutdown });
  }

  /**
   * The shutdown budget: the pod's grace period and preStop as Helm renders them, against the worker's
   * ShutdownTimeout. In Restricted Mode nothing runs: the project is read from its files, and the
   * chart's side (which needs Helm) is said to be unavailable.
   */
  async shutdown(): Promise<ShutdownInfo> {
    const { readShutdown } = await import('../../tools/shutdown');
    const links: Array<{ file: string; line?: number }> = [];
    const linkTo = (at?: { file: string; line?: number }): SourceLink | undefined => {
      if (!at?.file) return undefined;
      links.push({ file: at.file, line: at.line });
      return { id: links.length - 1, label: `${vscode.workspace.asRelativePath(at.file)}${at.line ? `:${at.line}` : ''}` };
    };
    const seconds = (n: number | undefined) => (n === undefined ? 'unknown' : `${n} s`);
    const timeoutRows = (t: import('../../core/shutdown').ShutdownTimeout, tfm?: string, project?: string) => {
      const first: ShutdownRow = { name: 'ShutdownTimeout', value: seconds(t.seconds), from: `${t.source.text}${project && t.source.kind === 'default' ? ` — ${vscode.workspace.asRelativePath(project)}${tfm ? ` targets ${tfm}` : ''}` : ''}`, link: linkTo(t.source.at) };
      const overridden = t.all.slice(1).map((x) => ({ name: 'ShutdownTimeout', value: seconds(x.seconds), from: x.text, link: linkTo(x.at), ...(x.ignored ? { ignored: x.ignored } : {}) }));
      return { first, overridden };
    };
    const stopAt = this.chart.folder.uri.fsPath;
    if (!vscode.workspace.isTrusted) {
      const w = await this.readWorkerOnce(this.chart.dir, [this.chart.name, basename(this.chart.dir)], [], undefined, { evaluation: 'static', stopAt });
      const { first, overridden } = timeoutRows(w.timeout, w.targetFramework, w.project);
      this.shutdownLinks = links;
      return {
        verdict: 'unknown',
        message: `The worker's host waits ${seconds(w.timeout.seconds)} for its work to finish on a stop.`,
        rows: [first],
        overridden,
        notes: w.notes,
        unavailable: 'terminationGracePeriodSeconds and preStop come from Helm\'s render of the chart, which does not run in Restricted Mode; the project was read from its files without MSBuild. Trust the workspace to see the whole budget.',
      };
    }
    const m = await this.helm();
    if (!m?.target) {
      this.shutdownLinks = links;
      return { verdict: 'unknown', message: 'The shutdown budget needs Helm\'s render of the chart.', rows: [], overridden: [], notes: [], unavailable: m ? (m.targetProblem ?? 'The chart renders no workload.') : 'Helm could not render the chart (is helm installed? the output log "AKS Worker Deploy" says why).' };
    }
    const r = await readShutdown(m, { paths: toolPaths(this.chart.folder), evaluation: 'auto', cache: true, stopAt }, this.readWorkerOnce);
    const { first, overridden } = timeoutRows(r.timeout, r.targetFramework, r.project);
    const rows: ShutdownRow[] = [
      { name: 'terminationGracePeriodSeconds', value: `${r.grace.seconds} s`, from: r.grace.text, link: linkTo(r.grace.at) },
      first,
      { name: 'preStop', value: r.preStop ? seconds(r.preStop.seconds) : 'none', from: r.preStop ? r.preStop.text : 'no preStop hook: SIGTERM comes at once', link: linkTo(r.preStop?.at) },
    ];
    const info: ShutdownInfo = {
      verdict: r.budget.verdict,
      message: r.budget.message,
      ...(r.budget.note ? { note: r.budget.note } : {}),
      rows,
      overridden,
      notes: r.notes,
      ...(r.graceEditable && r.budget.verdict === 'warning' && r.budget.recommendedGraceSeconds !== undefined ? { offer: { seconds: r.budget.recommendedGraceSeconds } } : {}),
      ...(r.graceHint ? { hint: { text: r.graceHint.text, link: linkTo(r.graceHint.file ? { file: r.graceHint.file, line: r.graceHint.line } : undefined) } } : {}),
    };
    this.shutdownLinks = links;
    return info;
  }

  /** Sets the pod's terminationGracePeriodSeconds where Helm reads it; a render checks it, else the files are restored. */
  async setGrace(seconds: number): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      await this.send({ type: 'graceSet', ok: false, message: 'Setting the grace period renders the chart with Helm, which does not run in Restricted Mode.' });
      return;
    }
    if (this.doc.dirty) {
      await this.send({ type: 'graceSet', ok: false, message: 'Save or revert the probe changes first: the grace period is written to the chart\'s files.' });
      return;
    }
    const { discoverChartProbes, setGracePeriod, ProbeEditError } = await import('../../tools/chartModel');
    this.saving = true;
    try {
      const model = await discoverChartProbes(this.chart.dir, this.renderOptions());
      const r = await setGracePeriod(model, seconds, this.renderOptions());
      for (const n of r.notes) this.log.info(`Probe form: ${n}`);
      await this.send({ type: 'graceSet', ok: true, message: `terminationGracePeriodSeconds is ${seconds} s in ${r.files.map((f) => vscode.workspace.asRelativePath(f)).join(', ')}, checked by a render.` });
    } catch (err) {
      const text = err instanceof ProbeEditError || err instanceof Error ? err.message : String(err);
      this.log.error(`Probe form: ${text}`);
      await this.send({ type: 'graceSet', ok: false, message: `terminationGracePeriodSeconds was not changed: ${text}` });
    } finally {
      this.saving = false;
      this.helmModel = undefined;
    }
    await this.post('external');
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
      case 'openSource': {
        const at = this.shutdownLinks[message.id];
        if (!at) return;
        const pos = new vscode.Position(Math.max(0, (at.line ?? 1) - 1), 0);
        await vscode.window.showTextDocument(vscode.Uri.file(at.file), { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(pos, pos) });
        return;
      }
      case 'setGrace':
        return this.setGrace(message.seconds);
      case 'refreshShutdown':
        // "Check again" reads everything again: Helm's render too (helm may have been installed since).
        this.helmModel = undefined;
        this.workerTimeout = undefined;
        return this.postShutdown();
      case 'measure':
        return this.measurer.start(message);
      case 'stopMeasure':
        return this.measurer.stop();
      case 'changed':
        this.doc.draft = message.dirty ? { form: message.draft, probes: message.probes, error: message.error } : undefined;
        if (message.dirty) this.editor.markDirty(this.doc);
        // Back to what the files say (typed back by hand): the editor is clean again.
        else if (this.doc.dirty && this.panel.active) await vscode.commands.executeCommand('workbench.action.files.revert');
        return;
      case 'revert':
        // Through VS Code, so its dirty marker goes too; the editor's revert reloads the form.
        if (this.doc.dirty && this.panel.active) await vscode.commands.executeCommand('workbench.action.files.revert');
        else await this.reverted();
        return;
      case 'openAt': {
        const uri = message.at.which === 'values' ? this.valuesUri : this.deploymentUri;
        const pos = new vscode.Position(message.at.line - 1, message.at.column - 1);
        await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(pos, pos) });
        return;
      }
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
        // Through VS Code's Save when it knows the form is dirty (its marker goes, as with Ctrl+S).
        if (this.doc.dirty && this.panel.active && this.doc.draft) {
          this.doc.draft.probes = message.probes;
          await vscode.commands.executeCommand('workbench.action.files.save');
        } else {
          await this.saveDraft(message.probes).catch(() => undefined);
        }
    }
  }

  /** Saves what the form holds (VS Code's Save, Ctrl+S, the Save button): refused with the reason while a field is invalid. */
  async saveDraft(probes = this.doc.draft?.probes): Promise<void> {
    if (!probes) {
      if (!this.doc.draft) return;
      const text = `Nothing was saved: ${this.doc.draft.error ?? 'a field of the form is not valid.'}`;
      await this.send({ type: 'error', message: text });
      // Saved by hand: VS Code says it failed and keeps the form dirty. Auto save (VS Code for the
      // Web saves after a delay by default) is not told: the form shows why, and the next valid
      // change saves.
      if (vscode.workspace.getConfiguration('files', this.doc.uri).get<string>('autoSave', 'off') !== 'off') return;
      throw new Error(text);
    }
    try {
      await this.save(probes);
      this.doc.draft = undefined;
      await this.post('saved');
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.log.error(`Probe form: ${text}`);
      await this.send({ type: 'error', message: text, ...(err instanceof LocatedError && err.at ? { at: err.at } : {}) });
      throw err;
    }
  }

  /** After VS Code reverted the editor (Revert, Don't Save): the form shows the files again. */
  async reverted(): Promise<void> {
    if (!this.disposed) await this.post('reverted');
  }

  /** Validates every probe, computes the new file text, applies it as one edit and saves. */
  async save(probes: ProbeSet): Promise<void> {
    const current = await this.state();
    if (current.location === 'none') throw new Error(current.note ?? 'This chart has no probes the form can edit.');
    if (current.problem) throw new LocatedError(`${current.problem.at.file}:${current.problem.at.line}:${current.problem.at.column}: ${current.problem.message} Fix the file, then save again. Nothing was saved.`, current.problem.at);
    if (current.location === 'helm') return this.saveThroughHelm(current, probes);
    for (const kind of PROBE_KINDS) {
      const p = probes[kind];
      if (!p) continue;
      const errors = Object.entries(validateProbe(kind, p, current.ports).errors);
      if (errors.length) throw new Error(`${kind} probe: ${errors.map(([f, m]) => `${f}: ${m}`).join(' ')} Nothing was saved.`);
    }
    const uri = current.location === 'values' ? this.valuesUri : this.deploymentUri;
    const rel = vscode.workspace.asRelativePath(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    let text = doc.getText();
    try {
      for (const kind of PROBE_KINDS) {
        if (JSON.stringify(probes[kind] ?? null) === JSON.stringify(current.probes[kind] ?? null)) continue;
        text = current.location === 'values' ? writeProbeToValues(text, kind, probes[kind], rel) : writeProbeToTemplate(text, kind, probes[kind], rel);
      }
      // The comment a created chart has above livenessProbe states the budget: it follows the probe.
      if (current.location === 'values') text = updateBudgetComment(text, probes.liveness);
    } catch (err) {
      if (err instanceof YamlEditError) {
        throw new LocatedError(`${err.message} Nothing was saved.`, err.line ? { which: current.location === 'values' ? 'values' : 'deployment', file: rel, line: err.line, column: err.column ?? 1 } : undefined);
      }
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
   * Saves a chart whose probes only Helm's render shows: each changed field where Helm reads it, then a
   * render must show exactly the change (else the files are restored and the reason shown).
   */
  private async saveThroughHelm(current: FormState, probes: ProbeSet): Promise<void> {
    const { discoverChartProbes, setChartProbe, ProbeEditError } = await import('../../tools/chartModel');
    const { flattenLeaves } = await import('../../core/chartRender');
    const { probeToObject } = await import('../../core/probes');
    for (const kind of PROBE_KINDS) {
      const p = probes[kind];
      if (!p) continue;
      const errors = Object.entries(validateProbe(kind, p, current.ports).errors);
      if (errors.length) throw new Error(`${kind} probe: ${errors.map(([f, m]) => `${f}: ${m}`).join(' ')} Nothing was saved.`);
    }
    this.saving = true;
    try {
      for (const kind of PROBE_KINDS) {
        if (JSON.stringify(probes[kind] ?? null) === JSON.stringify(current.probes[kind] ?? null)) continue;
        const next = probes[kind];
        const was = current.probes[kind];
        if (!next || !was || next.handler.type !== was.handler.type) {
          throw new Error(`${kind} probe: turning it off or on, or changing its kind of check, is not done here for this chart (its probes are built by its templates); edit ${current.file} or the templates directly. Nothing more was saved.`);
        }
        const before = new Map(flattenLeaves(probeToObject(was)));
        const changes: Record<string, string | number> = {};
        for (const [f, v] of flattenLeaves(probeToObject(next))) if (JSON.stringify(before.get(f)) !== JSON.stringify(v) && (typeof v === 'string' || typeof v === 'number')) changes[f] = v;
        const model = await discoverChartProbes(this.chart.dir, this.renderOptions());
        try {
          const r = await setChartProbe(model, kind, changes, this.renderOptions());
          for (const n of r.notes) this.log.info(`Probe form: ${n}`);
        } catch (err) {
          if (err instanceof ProbeEditError) throw new Error(`${kind} probe: ${err.message}`);
          throw err;
        }
      }
    } finally {
      this.saving = false;
      this.helmModel = undefined;
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
      moved = change(values, deployment, { values: vscode.workspace.asRelativePath(this.valuesUri), deployment: vscode.workspace.asRelativePath(this.deploymentUri) });
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
    if (ProbePanel.panels.get(this.chart.dir) === this) ProbePanel.panels.delete(this.chart.dir);
    if (this.doc.view === this) this.doc.view = undefined;
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** An error at a place in a chart file, which the form links to. */
class LocatedError extends Error {
  constructor(message: string, readonly at?: FileLocation) {
    super(message);
  }
}
