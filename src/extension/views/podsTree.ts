import vscode = require('vscode');
import { KubeEvent, normalizeEvent } from '../../core/events';
import { ContainerSummary, PodSummary } from '../../core/pods';
import { listJson } from '../../tools/kubectl';
import { PodWatcher } from '../pods/podWatcher';
import { toolPaths } from '../util/config';
import { escapeMarkdown } from '../../core/markdown';
import { RestartReason, describeReason, restartReasons } from '../../core/restartReason';

const REASON_ICON: Record<RestartReason['kind'], string> = {
  liveness: 'debug-restart',
  startup: 'debug-restart',
  probeMisconfigured: 'plug',
  oom: 'dashboard',
  crash: 'bug',
  completed: 'debug-stop',
  imagePull: 'cloud-download',
  evicted: 'sign-out',
  createFailed: 'error',
};

/** Reasons the pod alone tells (the view watches pods, not events): see ReasonOptions.eventsKnown. */
const podOnlyReasons = (p: PodSummary) => restartReasons(p, [], undefined, { eventsKnown: false });

export type PodNode =
  | { kind: 'release'; release: string; namespace: string }
  | { kind: 'pod'; pod: PodSummary }
  | { kind: 'container'; pod: PodSummary; container: ContainerSummary }
  | { kind: 'detail'; label: string; description?: string; tooltip?: string; icon?: string }
  | { kind: 'events'; pod: PodSummary }
  | { kind: 'message'; label: string; description?: string; command?: vscode.Command; icon: string };

const ICON: Record<PodSummary['health'], vscode.ThemeIcon> = {
  ready: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  running: new vscode.ThemeIcon('circle-large-filled', new vscode.ThemeColor('editorWarning.foreground')),
  pending: new vscode.ThemeIcon('loading~spin'),
  crashloop: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  terminating: new vscode.ThemeIcon('trash'),
  succeeded: new vscode.ThemeIcon('check'),
};

export function age(from: string | undefined, now = Date.now()): string {
  if (!from) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

/** The Pods view: the release pods of one namespace, live, with containers and recent events. */
export class PodsTreeProvider implements vscode.TreeDataProvider<PodNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PodNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(readonly watcher: PodWatcher) {
    this.disposables.push(watcher.onDidChange(() => this.changed.fire(undefined)));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /**
   * The namespace's events, listed once for all the nodes that ask within a moment: every pod change
   * refreshes the view, which asks again for each expanded container and events node.
   */
  private eventsCache?: { namespace: string; at: number; events: Promise<KubeEvent[]> };
  private namespaceEvents(namespace: string): Promise<KubeEvent[]> {
    const c = this.eventsCache;
    if (c && c.namespace === namespace && Date.now() - c.at < 2000) return c.events;
    const events = listJson('events', namespace, { paths: toolPaths() }).then((items) => items.map(normalizeEvent));
    this.eventsCache = { namespace, at: Date.now(), events };
    events.catch(() => {
      if (this.eventsCache?.events === events) this.eventsCache = undefined;
    });
    return events;
  }

  async getChildren(element?: PodNode): Promise<PodNode[]> {
    const w = this.watcher;
    if (!element) {
      if (!w.watching) return [];
      const status = w.status;
      const head: PodNode[] = [];
      if (status.state === 'failed' || (status.state === 'retrying' && status.message)) {
        head.push({
          kind: 'message',
          label: status.state === 'failed' ? 'Cannot watch pods' : 'Reconnecting…',
          description: status.message?.split('\n').pop(),
          icon: 'warning',
          command: { command: 'aksWorker.refreshPods', title: 'Retry' },
        });
        if (status.state === 'failed' && status.missingToolSetting) {
          const setting = status.missingToolSetting;
          head.push(
            { kind: 'message', label: 'Set Path…', description: setting, icon: 'gear', command: { command: 'aksWorker.fixTool', title: 'Set Path…', arguments: ['setPath', setting] } },
            { kind: 'message', label: 'Install…', description: 'kubectl', icon: 'link-external', command: { command: 'aksWorker.fixTool', title: 'Install…', arguments: ['install', setting] } },
          );
        }
      }
      const pods = w.pods();
      if (pods.length === 0) {
        head.push({ kind: 'message', label: status.state === 'watching' ? `No release pods in ${w.namespace}` : `Listing pods in ${w.namespace}…`, icon: status.state === 'watching' ? 'info' : 'loading~spin' });
        return head;
      }
      const releases = [...new Set(pods.map((p) => p.release ?? '(no release)'))];
      return [...head, ...releases.map((release) => ({ kind: 'release' as const, release, namespace: w.namespace }))];
    }
    switch (element.kind) {
      case 'release':
        return this.watcher
          .pods()
          .filter((p) => (p.release ?? '(no release)') === element.release)
          .map((pod) => ({ kind: 'pod' as const, pod }));
      case 'pod': {
        const pod = this.watcher.store.get(element.pod.uid) ?? element.pod;
        return [...pod.containers.map((container) => ({ kind: 'container' as const, pod, container })), { kind: 'events', pod }];
      }
      case 'container': {
        const c = element.container;
        const out: PodNode[] = [];
        // Why it restarted, with the events about the pod (a probe kill shows only there).
        let why: RestartReason | undefined;
        try {
          const events = (await this.namespaceEvents(element.pod.namespace)).filter((e) => e.object.kind === 'Pod' && e.object.name === element.pod.name && (!e.object.uid || e.object.uid === element.pod.uid));
          why = restartReasons(element.pod, events).find((r) => r.container === c.name);
        } catch {
          why = podOnlyReasons(element.pod).find((r) => r.container === c.name);
        }
        if (why) {
          out.push({ kind: 'detail', label: why.when === 'restart' ? 'why it restarted' : why.when === 'running' ? 'warning' : 'why it does not run', description: why.title, tooltip: describeReason(why), icon: REASON_ICON[why.kind] });
          if (why.fix) {
            const fix = why.fix;
            out.push({ kind: 'message', label: `${fix.title}…`, description: fix.hint, icon: fix.command === 'aksWorker.attachRegistry' ? 'link' : 'cloud-upload', command: { command: fix.command, title: fix.title, arguments: fix.command === 'aksWorker.attachRegistry' && fix.registry ? [{ registry: fix.registry }] : [] } });
          }
        }
        out.push({ kind: 'detail', label: 'state', description: `${c.state}${c.reason ? ` (${c.reason})` : ''}`, tooltip: c.message, icon: 'pulse' });
        out.push({ kind: 'detail', label: 'restarts', description: String(c.restartCount), icon: 'debug-restart' });
        if (c.lastTermination) {
          const t = c.lastTermination;
          out.push({ kind: 'detail', label: 'last termination', description: `${t.reason ?? 'unknown'}${t.exitCode !== undefined ? `, exit ${t.exitCode}` : ''}${t.finishedAt ? `, ${age(t.finishedAt)} ago` : ''}`, tooltip: t.message, icon: 'debug-stop' });
        }
        return out;
      }
      case 'events': {
        let events: KubeEvent[];
        try {
          events = (await this.namespaceEvents(element.pod.namespace)).filter((e) => e.object.name === element.pod.name);
        } catch (err) {
          return [{ kind: 'message', label: 'Events could not be read', description: err instanceof Error ? err.message : String(err), icon: 'warning' }];
        }
        events.sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
        if (!events.length) return [{ kind: 'message', label: 'No events', icon: 'info' }];
        return events.slice(0, 15).map((e) => ({ kind: 'detail' as const, label: `${e.reason}${e.count > 1 ? ` ×${e.count}` : ''}`, description: `${age(e.lastSeen)} ago · ${e.message}`, tooltip: e.message, icon: e.type === 'Warning' ? 'warning' : 'info' }));
      }
      default:
        return [];
    }
  }

  getTreeItem(node: PodNode): vscode.TreeItem {
    switch (node.kind) {
      case 'release': {
        const pods = this.watcher.pods().filter((p) => (p.release ?? '(no release)') === node.release);
        const item = new vscode.TreeItem(node.release, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `release:${node.namespace}:${node.release}`;
        const restarts = pods.reduce((n, p) => n + p.restarts, 0);
        item.description = `${pods.filter((p) => p.health === 'ready').length}/${pods.length} ready${restarts ? ` · ${restarts} restarts` : ''}`;
        item.iconPath = new vscode.ThemeIcon('rocket');
        item.contextValue = 'release';
        return item;
      }
      case 'pod': {
        const p = this.watcher.store.get(node.pod.uid) ?? node.pod;
        const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `pod:${p.uid}`;
        item.iconPath = ICON[p.health];
        const reasons = podOnlyReasons(p);
        const why = reasons[0]?.title ?? p.notReadyReason;
        item.description = `${p.status} · ${p.ready}/${p.total} · ${p.restarts} restart${p.restarts === 1 ? '' : 's'} · ${age(p.createdAt)}${why ? ` · ${why}` : ''}`;
        // Names, status and reasons come from the cluster: escaped, so no link or image in them renders.
        const md = new vscode.MarkdownString(`**${escapeMarkdown(p.name)}** — ${escapeMarkdown(p.status)}\n\nReady ${p.ready}/${p.total} · restarts ${p.restarts} · node ${escapeMarkdown(p.node ?? '?')} · age ${age(p.createdAt)}`);
        if (p.notReadyReason) md.appendMarkdown(`\n\nNot ready: ${escapeMarkdown(p.notReadyReason)}`);
        for (const r of reasons) md.appendMarkdown(`\n\n**${escapeMarkdown(r.container)}**: ${escapeMarkdown(r.title)}\n\n${escapeMarkdown(r.detail)}`);
        if (p.restarts && !reasons.length) md.appendMarkdown('\n\nExpand a container to see why it restarted.');
        item.tooltip = md;
        item.contextValue = 'pod';
        item.accessibilityInformation = { label: `Pod ${p.name}, ${p.status}, ${p.restarts} restarts` };
        return item;
      }
      case 'container': {
        const c = node.container;
        const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `container:${node.pod.uid}:${c.name}`;
        const why = podOnlyReasons(node.pod).find((r) => r.container === c.name);
        item.description = `${c.state}${c.reason ? ` (${c.reason})` : ''} · ${c.restartCount} restarts${why ? ` · ${why.title}` : ''}`;
        item.iconPath = new vscode.ThemeIcon(c.ready ? 'pass' : 'circle-large-outline');
        item.contextValue = 'container';
        return item;
      }
      case 'events': {
        const item = new vscode.TreeItem('Events', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `events:${node.pod.uid}`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = 'podEvents';
        return item;
      }
      case 'detail': {
        const item = new vscode.TreeItem(node.label);
        item.description = node.description;
        item.tooltip = node.tooltip;
        if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label);
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = node.command;
        item.contextValue = 'message';
        return item;
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
