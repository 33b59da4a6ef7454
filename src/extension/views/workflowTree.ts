import * as vscode from 'vscode';
import { StepState, StepView, workflowSteps } from '../../core/workspace';
import { ProbeSummary, summarizeRendered } from '../../core/probeSummary';
import { PROBE_KINDS } from '../../core/probes';
import { KubeContextService } from '../kubeContext';
import { WorkflowState } from '../state';
import { toolPaths, workflowSettings } from '../util/config';
import { FolderScan, WorkspaceModel } from '../workspaceModel';

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

/** The Workflow view: the seven steps per workspace folder, each with what the files tell of it. */
export class WorkflowTreeProvider implements vscode.TreeDataProvider<WorkflowNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<WorkflowNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly model: WorkspaceModel, private readonly kube: KubeContextService, private readonly state: WorkflowState) {
    const fire = () => this.changed.fire(undefined);
    this.disposables.push(
      model.onDidChange(fire),
      kube.onDidChange(fire),
      state.onDidChange(fire),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('aksWorker') && fire()),
    );
  }

  refresh(): Promise<unknown> {
    return this.model.rescan();
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

  private helmProbes(folder: vscode.WorkspaceFolder, scan: FolderScan['scan']): FolderScan['scan'] {
    if (!vscode.workspace.isTrusted) return scan;
    let byChart = this.rendered.get(scan);
    if (!byChart) this.rendered.set(scan, (byChart = new Map()));
    const charts = scan.charts.map((c) => {
      if (c.error) return c;
      const dir = vscode.Uri.joinPath(folder.uri, c.dir).fsPath;
      const known = byChart.get(dir);
      if (Array.isArray(known)) return { ...c, probes: known };
      if (known === undefined) {
        byChart.set(dir, 'pending');
        void import('../../tools/chartModel')
          .then((m) => m.discoverChartProbes(dir, { paths: toolPaths(folder), release: c.name ?? c.dir.split('/').pop(), trace: false }))
          .then((model) => {
            const probes = model.target ? PROBE_KINDS.flatMap((k) => (model.probes[k].rendered ? [summarizeRendered(k, model.probes[k].rendered as Record<string, unknown>)] : [])) : undefined;
            byChart?.set(dir, probes ?? 'failed');
            // Only a change is worth a refresh: the files usually say the same.
            if (probes && JSON.stringify(probes) !== JSON.stringify(c.probes)) this.changed.fire(undefined);
          })
          .catch(() => byChart?.set(dir, 'failed'));
      }
      return c;
    });
    return { ...scan, charts };
  }

  private stepsOf({ folder, scan: scanned }: FolderScan): WorkflowNode[] {
    const scan = this.helmProbes(folder, scanned);
    const remembered = this.state.get(folder);
    const settings = workflowSettings(folder);
    const steps = workflowSteps(scan, {
      ...settings,
      registry: settings.registry ?? remembered.registry?.loginServer,
      lastBuilt: remembered.lastBuilt,
      lastPushed: remembered.lastPushed,
      lastRelease: remembered.lastRelease,
      kubeContext: this.kube.contextName,
    });
    return steps.map((step) => ({ kind: 'step', folder, step }));
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
        item.tooltip = new vscode.MarkdownString(`**${step.label}** — ${STATE_WORD[step.state]}\n\n${step.tooltip}`);
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
        }
        return item;
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
