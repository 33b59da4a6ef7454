import * as vscode from 'vscode';
import { KubeContextService } from '../kubeContext';

export interface PodNode {
  name: string;
  namespace: string;
}

/**
 * The Pods view. It lists the release's pods once a watch is running; while nothing is watched it is
 * empty, so VS Code shows the view's welcome content (no context, no chart, or "Watch Pods").
 */
export class PodsTreeProvider implements vscode.TreeDataProvider<PodNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PodNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private pods: PodNode[] = [];

  constructor(kube: KubeContextService) {
    this.disposables.push(kube.onDidChange(() => this.changed.fire(undefined)));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(element?: PodNode): PodNode[] {
    return element ? [] : this.pods;
  }

  getTreeItem(pod: PodNode): vscode.TreeItem {
    const item = new vscode.TreeItem(pod.name);
    item.description = pod.namespace;
    item.contextValue = 'pod';
    item.iconPath = new vscode.ThemeIcon('server-process');
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
