import vscode = require('vscode');
import { NamespaceSource, ResolvedNamespace, namespaceNameProblem, needsNamespaceConfirmation, resolveNamespace } from '../core/namespace';
import { KubeContextService } from './kubeContext';
import { toolPaths } from './util/config';

const PICKED = 'aksWorker.pickedNamespace';
const CONFIRMED = 'aksWorker.confirmedNamespaces';

export interface NamespaceAnswer extends ResolvedNamespace {
  /** The current kubeconfig context, if any. */
  context?: string;
}

/**
 * The one namespace every command uses: `aksWorker.namespace`, else the one picked with Pick
 * Namespace (remembered in the workspace), else the current context's, else `default`. Fires when
 * any of them changes.
 */
export class NamespaceService implements vscode.Disposable {
  /** The extension's instance, for modules that are handed no service. */
  static shared: NamespaceService | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly kube: KubeContextService,
    private readonly memento: vscode.Memento,
  ) {
    this.disposables.push(
      kube.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('aksWorker.namespace') && this.changed.fire()),
    );
    NamespaceService.shared = this;
  }

  /** The namespace for a workspace folder (the setting is per folder), with where it comes from. */
  current(scope?: vscode.ConfigurationScope): NamespaceAnswer {
    const where = this.settingScope(scope);
    const ctxName = this.kube.contextName;
    const ctx = this.kube.kubeconfig?.contexts.find((c) => c.name === ctxName);
    return {
      ...resolveNamespace({
        setting: where?.value,
        settingScope: where?.label,
        picked: this.memento.get<string>(PICKED),
        context: { name: ctxName, namespace: ctx?.namespace },
      }),
      context: ctxName,
    };
  }

  /** Where `aksWorker.namespace` is set, the most specific scope first. */
  private settingScope(scope?: vscode.ConfigurationScope): { value: string; label: string; target: vscode.ConfigurationTarget } | undefined {
    const i = vscode.workspace.getConfiguration('aksWorker', scope ?? this.defaultScope()).inspect<string>('namespace');
    const pick = (value: string | undefined, label: string, target: vscode.ConfigurationTarget) => (value?.trim() ? { value: value.trim(), label, target } : undefined);
    // In a window with one folder and no .code-workspace file, folder settings are the workspace's.
    const folderLabel = vscode.workspace.workspaceFile ? 'Folder Settings' : 'Workspace Settings';
    return (
      pick(i?.workspaceFolderValue, folderLabel, vscode.workspace.workspaceFile ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Workspace) ??
      pick(i?.workspaceValue, 'Workspace Settings', vscode.ConfigurationTarget.Workspace) ??
      pick(i?.globalValue, 'User Settings', vscode.ConfigurationTarget.Global)
    );
  }

  private defaultScope(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  /**
   * Sets the namespace. While `aksWorker.namespace` is set it wins over a pick, so the setting is
   * changed where it is set; otherwise the pick is remembered for the workspace. `undefined` clears it.
   */
  async set(namespace: string | undefined, scope?: vscode.ConfigurationScope): Promise<NamespaceSource> {
    const where = this.settingScope(scope);
    if (where) {
      await vscode.workspace.getConfiguration('aksWorker', scope ?? this.defaultScope()).update('namespace', namespace, where.target);
      if (namespace === undefined) await this.memento.update(PICKED, undefined);
    } else {
      await this.memento.update(PICKED, namespace);
    }
    this.changed.fire();
    return this.current(scope).source;
  }

  /** The namespace last confirmed for a chart folder (absolute path). */
  confirmedFor(chartDir: string): string | undefined {
    return this.memento.get<Record<string, string>>(CONFIRMED, {})[chartDir];
  }

  async rememberConfirmed(chartDir: string, namespace: string): Promise<void> {
    await this.memento.update(CONFIRMED, { ...this.memento.get<Record<string, string>>(CONFIRMED, {}), [chartDir]: namespace });
  }

  needsConfirmation(chartDir: string, namespace: string): boolean {
    return needsNamespaceConfirmation(this.confirmedFor(chartDir), namespace);
  }

  /**
   * Pick Namespace: the cluster's namespaces (when they may be listed), a typed one, or back to the
   * context's. Returns the namespace now in use, or undefined when cancelled.
   */
  async pick(options: { title?: string; scope?: vscode.ConfigurationScope } = {}): Promise<string | undefined> {
    const now = this.current(options.scope);
    const where = this.settingScope(options.scope);
    let names: string[] = [];
    let listError: string | undefined;
    try {
      const { listJson } = await import('../tools/kubectl');
      names = (await listJson('namespaces', '', { paths: toolPaths(options.scope) })).map((n) => String((n as { metadata?: { name?: string } }).metadata?.name ?? '')).filter(Boolean);
    } catch (err) {
      listError = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
    if (!names.includes(now.namespace)) names.unshift(now.namespace);
    const typed = '$(edit) Type a namespace…';
    const ctxNs = this.kube.kubeconfig?.contexts.find((c) => c.name === this.kube.contextName)?.namespace ?? 'default';
    const back = where ? `$(discard) Clear aksWorker.namespace (use the context's: ${ctxNs})` : `$(discard) Use the context's namespace (${ctxNs})`;
    type Item = vscode.QuickPickItem & { ns?: string; action?: 'type' | 'clear' };
    const items: Item[] = [
      ...names.map((n) => ({ label: n, description: n === now.namespace ? `in use · ${now.why}` : undefined, ns: n })),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: typed, detail: listError ? `The namespaces could not be listed: ${listError}` : undefined, action: 'type' as const },
      ...(now.source === 'picked' || now.source === 'setting' ? [{ label: back, action: 'clear' as const }] : []),
    ];
    const chosen = await vscode.window.showQuickPick(items, {
      title: options.title ?? `Namespace for releases and pods (context ${this.kube.contextName ?? 'none'})`,
      placeHolder: where ? `aksWorker.namespace is set in ${where.label}: picking changes it there` : `Now: ${now.namespace} (${now.why})`,
      matchOnDetail: true,
    });
    if (!chosen) return undefined;
    if (chosen.action === 'clear') {
      await this.set(undefined, options.scope);
      return this.current(options.scope).namespace;
    }
    const ns =
      chosen.action === 'type'
        ? (await vscode.window.showInputBox({ title: 'Namespace', value: now.namespace, validateInput: (v) => namespaceNameProblem(v) }))?.trim()
        : chosen.ns;
    if (!ns) return undefined;
    await this.set(ns, options.scope);
    return ns;
  }

  dispose(): void {
    if (NamespaceService.shared === this) NamespaceService.shared = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
