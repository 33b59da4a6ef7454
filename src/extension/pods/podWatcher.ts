import vscode = require('vscode');
import { PodStore, PodSummary, RELEASE_LABEL, WatchEvent } from '../../core/pods';
import { WatchStatus, watchKind } from '../../tools/kubectl';
import type { NamespaceService } from '../namespaceService';
import { releaseChanged } from '../releaseEvents';
import { toolPaths } from '../util/config';

/**
 * Watches the pods of Helm releases (label app.kubernetes.io/instance) in one namespace of the
 * current context, with one kubectl watch that re-lists after every break. Changes are delivered at
 * most ten times a second.
 */
export class PodWatcher implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly store = new PodStore();
  private watch: { stop(): void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private _status: WatchStatus = { state: 'stopped' };
  /** A namespace asked for explicitly (Watch Pods after a release into another one), until the namespace changes. */
  private override: string | undefined;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Each release's pods (uids) as last delivered; undefined until the first list after a start. */
  private releasePods: Map<string, string> | undefined;

  constructor(private readonly namespaces: NamespaceService, private readonly log: vscode.LogOutputChannel) {
    // A new context or namespace means new pods: start over.
    this.disposables.push(
      namespaces.onDidChange(() => {
        this.override = undefined;
        if (this.watching) this.restart();
        else this.fire();
      }),
    );
  }

  get status(): WatchStatus {
    return this._status;
  }

  get watching(): boolean {
    return this.watch !== undefined;
  }

  /** The namespace watched: the one every command uses (NamespaceService), unless one was asked for explicitly. */
  get namespace(): string {
    return this.override ?? this.namespaces.current().namespace;
  }

  set namespace(ns: string) {
    const before = this.namespace;
    this.override = ns === this.namespaces.current().namespace ? undefined : ns;
    if (this.namespace === before) return;
    if (this.watching) this.restart();
    else this.fire();
  }

  /** Counts starts and stops: a stopped watch's late callbacks (its last status, a buffered event) are ignored. */
  private generation = 0;

  start(): void {
    if (this.watch) return;
    this.store.clear();
    this.releasePods = undefined;
    const namespace = this.namespace;
    const gen = ++this.generation;
    const current = () => gen === this.generation;
    this.watch = watchKind('pods', {
      namespace,
      selector: RELEASE_LABEL,
      paths: toolPaths(),
      sink: { info: (l) => this.log.debug(l) },
      onEvent: (e) => {
        if (current() && this.store.apply(e as WatchEvent)) this.schedule();
      },
      onResync: (begin) => {
        if (!current()) return;
        if (begin) this.store.beginResync();
        else if (this.store.endResync() >= 0) this.schedule();
      },
      onStatus: (s) => {
        if (!current()) return;
        this._status = s;
        if (s.message) this.log.info(`Pods in ${namespace}: ${s.state}: ${s.message}`);
        this.schedule();
      },
    });
    void vscode.commands.executeCommand('setContext', 'aksWorker.watchingPods', true);
    this.fire();
  }

  stop(): void {
    this.generation++;
    this.watch?.stop();
    this.watch = undefined;
    this._status = { state: 'stopped' };
    void vscode.commands.executeCommand('setContext', 'aksWorker.watchingPods', false);
    this.fire();
  }

  restart(): void {
    this.stop();
    this.start();
  }

  pods(): PodSummary[] {
    return this.store.list();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.noticeReleaseChanges();
      this.changed.fire();
    }, 100);
  }

  /**
   * A release whose set of pods changed (a pod added or removed: a rollout, a rollback, a scale)
   * may have a new revision: says so, so the Workflow view reads it from Helm again.
   */
  private noticeReleaseChanges(): void {
    if (this._status.state !== 'watching' && this.store.list().length === 0) return;
    const now = new Map<string, string>();
    for (const p of this.store.list()) {
      if (!p.release) continue;
      now.set(p.release, `${now.get(p.release) ?? ''},${p.uid}`);
    }
    for (const [r, uids] of now) now.set(r, uids.split(',').filter(Boolean).sort().join(','));
    const before = this.releasePods;
    this.releasePods = now;
    if (!before) return;
    const namespace = this.namespace;
    for (const r of new Set([...before.keys(), ...now.keys()])) if (before.get(r) !== now.get(r)) releaseChanged(r, namespace, 'pods');
  }

  private fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.fire();
  }

  dispose(): void {
    this.watch?.stop();
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
