import vscode = require('vscode');
import { StepState, StepView, workflowSteps } from '../../core/workspace';
import { ProbeSummary, summarizeRendered } from '../../core/probeSummary';
import { PROBE_KINDS } from '../../core/probes';
import { releaseRow } from '../../core/releaseState';
import { KubeContextService } from '../kubeContext';
import { ReleaseStatusCache } from '../releaseStatus';
import { WorkflowState } from '../state';
import { toolPaths, workflowSettings } from '../util/config';
import { FolderScan, WorkspaceModel } from '../workspaceModel';
import { escapeMarkdown } from '../../core/markdown';

const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

export type WorkflowNode =
  | { kind: 'folder'; folder: vscode.WorkspaceFolder; scan: FolderScan }
  | { kind: 'step'; folder: vscode.WorkspaceFolder; step: StepView }
  | { kind: 'detail'; folder: vscode.WorkspaceFolder; step: StepView; child: NonNullable<StepView['children']>[number] };

const STATE_ICON: Record<StepState, vscode.ThemeIcon> = {
  done: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  ready: new vscode.ThemeIcon('circle-large-outline'),
  blocked: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
  unknown: new vscode.ThemeIcon('question'),
  problem: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
};

const STATE_WORD: Record<StepState, string> = {
  done: 'done',
  ready: 'ready to run',
  blocked: 'waiting for an earlier step',
  unknown: 'not known yet',
  problem: 'needs attention',
};

/** The walkthrough's step (package.json `walkthroughs`) for each Workflow step whose done state it follows. */
const WALKTHROUGH_STEPS: Record<string, string> = { dockerfile: 'dockerfile', image: 'build', registry: 'push', chart: 'chart', probes: 'probes', release: 'release' };

/** The Workflow view: the seven steps per workspace folder, each with what the files tell of it. */
export class WorkflowTreeProvider implements vscode.TreeDataProvider<WorkflowNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<WorkflowNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly model: WorkspaceModel,
    private readonly kube: KubeContextService,
    private readonly state: WorkflowState,
    private readonly releases?: ReleaseStatusCache,
  ) {
    const fire = () => {
      this.changed.fire(undefined);
      this.scheduleWalkthrough();
    };
    this.scheduleWalkthrough();
    this.disposables.push(
      model.onDidChange(fire),
      ...(releases ? [releases.onDidChange(fire)] : []),
      vscode.workspace.onDidGrantWorkspaceTrust(fire),
      kube.onDidChange(fire),
      state.onDidChange(fire),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('aksWorker') && fire()),
      // The health endpoint scan reads C# files, which the workspace scan does not watch.
      model.onDidChange(() => this.healthScans.clear()),
      this.csWatcher,
      this.csWatcher.onDidChange((u) => this.csChanged([u])),
      this.csWatcher.onDidCreate((u) => this.csChanged([u])),
      this.csWatcher.onDidDelete((u) => this.csChanged([u])),
    );
  }

  private readonly csWatcher = vscode.workspace.createFileSystemWatcher('**/*.cs');
  private csTimer: ReturnType<typeof setTimeout> | undefined;

  /** A C# file changed: the scan is read again (once for a burst of changes, a build's or a checkout's). */
  private csChanged(uris: readonly vscode.Uri[]): void {
    if (!uris.some((u) => /\.cs$/i.test(u.path) && !/\/(bin|obj)\//.test(u.path)) || this.healthScans.size === 0) return;
    if (this.csTimer) clearTimeout(this.csTimer);
    this.csTimer = setTimeout(() => {
      this.csTimer = undefined;
      this.healthScans.clear();
      this.changed.fire(undefined);
    }, 300);
  }

  /** Scans the files again and asks Helm again about each release. */
  refresh(): Promise<unknown> {
    this.releases?.clear();
    return this.model.rescan();
  }

  /** The release step's module (loaded on first use, as the commands load it): it says which release a chart is installed as. */
  private releaseTarget: typeof import('../steps/release/release').releaseTarget | undefined;
  private loadingReleaseTarget = false;

  /** Each chart's release as Helm reports it; undefined until it can be asked (trusted workspace, a context). */
  /** `read`: ask Helm when the cached answer is missing or old (the view does; the walkthrough only looks). */
  private liveReleases(folder: vscode.WorkspaceFolder, scan: FolderScan['scan'], read = true) {
    if (!this.releases || !vscode.workspace.isTrusted || !this.kube.contextName) return undefined;
    if (!this.releaseTarget) {
      if (!this.loadingReleaseTarget) {
        this.loadingReleaseTarget = true;
        void import('../steps/release/release').then((m) => {
          this.releaseTarget = m.releaseTarget;
          this.changed.fire(undefined);
        });
      }
      return undefined;
    }
    const now = Date.now();
    return scan.charts
      .filter((c) => !c.error)
      .map((c) => {
        const dir = vscode.Uri.joinPath(folder.uri, c.dir).fsPath;
        const t = this.releaseTarget!({ folder, dir, name: c.name ?? c.dir.split('/').pop() ?? c.dir }, this.state, this.kube);
        const key = { folder, release: t.release, namespace: t.namespace };
        return releaseRow(read ? this.releases!.get(key) : this.releases!.peek(key), now);
      });
  }

  async getChildren(element?: WorkflowNode): Promise<WorkflowNode[]> {
    if (!element) {
      const folders = await this.model.get();
      if (folders.length === 1) return this.stepsOf(folders[0]);
      return folders.map((scan) => ({ kind: 'folder', folder: scan.folder, scan }));
    }
    if (element.kind === 'folder') return this.stepsOf(element.scan);
    if (element.kind === 'step') return (element.step.children ?? []).map((child) => ({ kind: 'detail', folder: element.folder, step: element.step, child }));
    return [];
  }

  /** Probes as Helm renders each chart (trusted workspaces), per scan: the files alone can miss them. */
  private readonly rendered = new WeakMap<object, Map<string, ProbeSummary[] | 'pending' | 'failed'>>();

  private helmProbes(folder: vscode.WorkspaceFolder, scan: FolderScan['scan'], read = true): FolderScan['scan'] {
    if (!vscode.workspace.isTrusted) return scan;
    let byChart = this.rendered.get(scan);
    if (!byChart) this.rendered.set(scan, (byChart = new Map()));
    const charts = scan.charts.map((c) => {
      if (c.error) return c;
      const dir = vscode.Uri.joinPath(folder.uri, c.dir).fsPath;
      const known = byChart.get(dir);
      if (Array.isArray(known)) return { ...c, probes: known };
      if (known === undefined && read) {
        byChart.set(dir, 'pending');
        void import('../../tools/chartModel')
          .then((m) => m.discoverChartProbes(dir, { paths: toolPaths(folder), release: c.name ?? c.dir.split('/').pop(), trace: false }))
          .then((model) => {
            const probes = model.target ? PROBE_KINDS.flatMap((k) => (model.probes[k].rendered ? [summarizeRendered(k, model.probes[k].rendered as Record<string, unknown>)] : [])) : undefined;
            byChart?.set(dir, probes ?? 'failed');
            if (!probes) this.retryRenderLater(byChart, dir);
            // Only a change is worth a refresh: the files usually say the same.
            if (probes && JSON.stringify(probes) !== JSON.stringify(c.probes)) {
              this.changed.fire(undefined);
              this.scheduleWalkthrough();
            }
          })
          .catch(() => {
            byChart?.set(dir, 'failed');
            this.retryRenderLater(byChart, dir);
          });
      }
      return c;
    });
    return { ...scan, charts };
  }

  /** A render that failed (a chart being written, a busy machine) is tried again on a later look. */
  private retryRenderLater(byChart: Map<string, unknown> | undefined, dir: string): void {
    setTimeout(() => {
      if (byChart?.get(dir) !== 'failed') return;
      byChart.delete(dir);
      this.changed.fire(undefined);
    }, 5000);
  }

  /** Whether the worker's project serves a health endpoint, from its code: read again when the files or its C# change. */
  private readonly healthScans = new Map<string, 'pending' | 'failed' | boolean>();

  /** The worker's project (beside a Dockerfile, else the only one) when its code serves no health endpoint. */
  private noHealthEndpoint(folder: vscode.WorkspaceFolder, scan: FolderScan['scan'], read = true): { project: string } | undefined {
    const beside = scan.projects.filter((p) => scan.dockerfiles.some((d) => dirOf(d) === dirOf(p)));
    const project = beside[0] ?? (scan.projects.length === 1 ? scan.projects[0] : undefined);
    if (!project || !/\.csproj$/i.test(project)) return undefined;
    const byProject = this.healthScans;
    const key = vscode.Uri.joinPath(folder.uri, project).toString();
    const known = byProject.get(key);
    if (known === false) return { project: project.split('/').pop() ?? project };
    if (known === undefined && read) {
      byProject.set(key, 'pending');
      const file = vscode.Uri.joinPath(folder.uri, project).fsPath;
      // The sources decide; the project is read without MSBuild (quick, and safe in Restricted Mode).
      void import('../../tools/healthEndpoint')
        .then((m) => m.scanHealthEndpoint(file, { noMsbuild: true }))
        .then((r) => {
          if (byProject.get(key) !== 'pending') return; // read again meanwhile
          byProject.set(key, r.found);
          if (!r.found) this.changed.fire(undefined);
        })
        .catch(() => byProject.set(key, 'failed'));
    }
    return undefined;
  }

  private stepsOf({ folder, scan: scanned }: FolderScan, read = true): WorkflowNode[] {
    const scan = this.helmProbes(folder, scanned, read);
    const remembered = this.state.get(folder);
    const settings = workflowSettings(folder);
    const steps = workflowSteps(scan, {
      ...settings,
      registry: settings.registry ?? remembered.registry?.loginServer,
      lastBuilt: remembered.lastBuilt,
      lastPreflight: remembered.lastPreflight,
      noHealthEndpoint: this.noHealthEndpoint(folder, scan, read),
      lastPushed: remembered.lastPushed,
      lastRelease: remembered.lastRelease,
      kubeContext: this.kube.contextName,
      releases: this.liveReleases(folder, scan, read),
    });
    return steps.map((step) => ({ kind: 'step', folder, step }));
  }

  private walkthroughTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * The walkthrough ticks a step when this view shows it done (context keys
   * `aksWorker.done.<step>`), so the two never disagree, whichever way the step got done.
   */
  private scheduleWalkthrough(): void {
    if (this.walkthroughTimer) clearTimeout(this.walkthroughTimer);
    this.walkthroughTimer = setTimeout(() => {
      this.walkthroughTimer = undefined;
      void this.updateWalkthrough();
    }, 150);
  }

  /** `<extension id>#<walkthrough id>#`, set by the extension: the prefix of its walkthrough's step ids. */
  walkthroughStepPrefix: string | undefined;
  private walkthroughDone: Set<string> | undefined;

  private async updateWalkthrough(): Promise<void> {
    const done = new Set<string>();
    for (const scan of await this.model.get()) {
      for (const node of this.stepsOf(scan, false)) if (node.kind === 'step' && node.step.state === 'done') done.add(node.step.id);
    }
    const ids = Object.keys(WALKTHROUGH_STEPS);
    // The documented completion events (`onContext:aksWorker.done.<step>`) tick a step when it
    // becomes done while the walkthrough is registered; VS Code ignores a key that was already
    // true when it registered the walkthrough (it registers it late when no Welcome page opens at
    // start-up). So the step is also marked directly, and unmarked when the view no longer shows
    // it done.
    await Promise.all(ids.map((id) => vscode.commands.executeCommand('setContext', `aksWorker.done.${id}`, done.has(id))));
    const before = this.walkthroughDone;
    this.walkthroughDone = done;
    if (!this.walkthroughStepPrefix) return;
    for (const id of ids) {
      if (before && before.has(id) === done.has(id)) continue;
      const step = `${this.walkthroughStepPrefix}${WALKTHROUGH_STEPS[id]}`;
      try {
        await vscode.commands.executeCommand(done.has(id) ? 'welcome.markStepComplete' : 'welcome.markStepIncomplete', step);
      } catch {
        // A VS Code without these commands, or one that has not registered the walkthrough yet:
        // the completion events above still apply.
      }
    }
  }

  getTreeItem(node: WorkflowNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.resourceUri = node.folder.uri;
        item.contextValue = 'folder';
        item.id = `folder:${node.folder.uri.toString()}`;
        return item;
      }
      case 'step': {
        const { step } = node;
        const hasChildren = (step.children?.length ?? 0) > 0;
        const item = new vscode.TreeItem(step.label, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `step:${node.folder.uri.toString()}:${step.id}`;
        item.description = step.description;
        item.iconPath = STATE_ICON[step.state];
        // The text holds file names, settings, release names and errors: escaped, so nothing in it renders as Markdown.
        item.tooltip = new vscode.MarkdownString(`**${step.label}** — ${STATE_WORD[step.state]}\n\n${escapeMarkdown(step.tooltip)}`);
        item.contextValue = `step.${step.id}.${step.state}`;
        item.accessibilityInformation = { label: `${step.label}: ${step.description}, ${STATE_WORD[step.state]}` };
        return item;
      }
      case 'detail': {
        const { child } = node;
        const item = new vscode.TreeItem(child.label, vscode.TreeItemCollapsibleState.None);
        item.id = `detail:${node.folder.uri.toString()}:${node.step.id}:${child.path ?? child.label}`;
        item.description = child.description;
        item.tooltip = child.tooltip;
        item.contextValue = `detail.${node.step.id}`;
        if (child.problem) item.iconPath = STATE_ICON.problem;
        if (child.path) {
          const uri = vscode.Uri.joinPath(node.folder.uri, child.path);
          item.resourceUri = uri;
          item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
        } else if (child.command) {
          item.command = { command: child.command, title: child.label, arguments: [node.folder.uri] };
          if (!child.problem) item.iconPath = new vscode.ThemeIcon(child.command === 'aksWorker.preflight' ? 'beaker' : 'heart');
        }
        return item;
      }
    }
  }

  dispose(): void {
    if (this.walkthroughTimer) clearTimeout(this.walkthroughTimer);
    if (this.csTimer) clearTimeout(this.csTimer);
    for (const d of this.disposables) d.dispose();
  }
}
