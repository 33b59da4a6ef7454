import vscode = require('vscode');
import { dirname, basename } from 'node:path';
import type { LoadedKubeconfig } from '../tools/kubeconfig';
import { useContext } from '../tools/kubectl';
import { toolPaths } from './util/config';
import { sinkFor } from './util/log';
import type { NamespaceService } from './namespaceService';
import { escapeMarkdown } from '../core/markdown';

/**
 * The current Kubernetes context, read from the kubeconfig files the user's kubectl reads
 * (KUBECONFIG or ~/.kube/config), shown in the status bar and switched with kubectl itself.
 */
export class KubeContextService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly item: vscode.StatusBarItem;
  private current: LoadedKubeconfig | undefined;
  private watchers: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.item = vscode.window.createStatusBarItem('aksWorker.kubeContext', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'AKS Worker: Kubernetes Context';
    this.item.command = 'aksWorker.switchContext';
    this.disposables.push(this.item);
  }

  private namespaces: NamespaceService | undefined;

  /** Shows the namespace every command uses beside the context, and follows its changes. */
  attachNamespaces(namespaces: NamespaceService): void {
    this.namespaces = namespaces;
    this.disposables.push(namespaces.onDidChange(() => this.render()));
    this.render();
  }

  get kubeconfig(): LoadedKubeconfig | undefined {
    return this.current;
  }

  get contextName(): string | undefined {
    return this.current?.currentContext;
  }

  async refresh(): Promise<void> {
    const { loadKubeconfig } = await import('../tools/kubeconfig'); // the YAML parser loads on first use
    this.current = await loadKubeconfig(process.env);
    for (const e of this.current.errors) this.log.warn(`kubeconfig: ${e}`);
    this.watch(this.current.paths);
    this.render();
    await vscode.commands.executeCommand('setContext', 'aksWorker.hasKubeContext', !!this.current.currentContext);
    this.changed.fire();
  }

  private watch(paths: string[]): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = paths.map((p) => {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(p)), basename(p)));
      const again = () => void this.refresh();
      w.onDidChange(again);
      w.onDidCreate(again);
      w.onDidDelete(again);
      return w;
    });
  }

  private render(): void {
    const cfg = this.current;
    const name = cfg?.currentContext;
    const ns = this.namespaces?.current();
    const links = '[Switch context](command:aksWorker.switchContext) · [Pick namespace](command:aksWorker.pickNamespace)';
    if (!name) {
      this.item.text = '$(cloud) no context';
      this.item.tooltip = `No Kubernetes context is set (read ${cfg?.paths.join(', ') ?? 'kubeconfig'}). Click to pick one.`;
    } else {
      const ctx = cfg.contexts.find((c) => c.name === name);
      const namespace = ns?.namespace ?? ctx?.namespace ?? 'default';
      this.item.text = `$(cloud) ${name} · ${namespace}`;
      const md = new vscode.MarkdownString(undefined, true);
      md.isTrusted = { enabledCommands: ['aksWorker.switchContext', 'aksWorker.pickNamespace'] };
      // Names, servers and paths come from kubeconfig files: escaped, so only our two command links are links.
      const e = escapeMarkdown;
      md.appendMarkdown(`**Kubernetes context:** ${e(name)}\n\n`);
      if (ctx?.cluster) md.appendMarkdown(`Cluster: ${e(ctx.cluster)}${ctx.server ? ` (${e(ctx.server)})` : ''}\n\n`);
      md.appendMarkdown(`**Namespace:** ${e(namespace)}${ns ? ` — ${e(ns.why)}` : ''}\n\n`);
      md.appendMarkdown(`From: ${e(cfg.paths.join(', '))}\n\n${links}`);
      this.item.tooltip = md;
      this.item.accessibilityInformation = { label: `Kubernetes context ${name}, namespace ${namespace}` };
    }
    this.item.show();
  }

  /** Quick pick of contexts; kubectl config use-context does the switch. */
  async pickAndSwitch(): Promise<string | undefined> {
    await this.refresh();
    const cfg = this.current;
    if (!cfg || cfg.contexts.length === 0) {
      const help = 'How to get credentials';
      const pick = await vscode.window.showWarningMessage(
        `No Kubernetes contexts found in ${cfg?.paths.join(', ') ?? '~/.kube/config'}. For AKS, run "az aks get-credentials --resource-group RG --name CLUSTER".`,
        help,
      );
      if (pick === help) void vscode.env.openExternal(vscode.Uri.parse('https://learn.microsoft.com/cli/azure/aks#az-aks-get-credentials'));
      return undefined;
    }
    const pickNs = '$(symbol-namespace) Pick Namespace…';
    const ns = this.namespaces?.current();
    const items: vscode.QuickPickItem[] = [
      ...cfg.contexts.map((c) => ({
        label: c.name,
        description: [c.name === cfg.currentContext ? 'current' : '', c.namespace ? `namespace ${c.namespace}` : ''].filter(Boolean).join(' · '),
        detail: c.cluster ? `${c.cluster}${c.server ? ` — ${c.server}` : ''}` : undefined,
        picked: c.name === cfg.currentContext,
      })),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: pickNs, description: ns ? `now ${ns.namespace} (${ns.why})` : undefined },
    ];
    const chosen = await vscode.window.showQuickPick(items, { title: 'Switch Kubernetes Context', placeHolder: `Current: ${cfg.currentContext ?? 'none'}${ns ? ` · namespace ${ns.namespace}` : ''}`, matchOnDetail: true });
    if (chosen?.label === pickNs) {
      await vscode.commands.executeCommand('aksWorker.pickNamespace');
      return cfg.currentContext;
    }
    if (!chosen || chosen.label === cfg.currentContext) return chosen?.label;
    await useContext(chosen.label, { paths: toolPaths(), sink: sinkFor(this.log) });
    await this.refresh();
    void vscode.window.setStatusBarMessage(`Kubernetes context: ${chosen.label}`, 3000);
    return chosen.label;
  }

  dispose(): void {
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
