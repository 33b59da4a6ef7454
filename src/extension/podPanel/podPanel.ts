import vscode = require('vscode');
import { eventTotalsLine, explainRatio, groupEvents } from '../../core/events';
import { EventStore, RestartHistory, buildTimelines, commonThreshold, livenessFailureThreshold, podRow } from '../../core/podTimeline';
import { PodStore, PodSummary, RELEASE_LABEL, WatchEvent } from '../../core/pods';
import { RestartReason, lastLines, restartReasons } from '../../core/restartReason';
import { ToolPaths } from '../../tools/catalog';
import { WatchStatus, podLogs, watchKind } from '../../tools/kubectl';
import { toolPaths } from '../util/config';
import { localRoots, pageHtml } from '../util/webview';
import { HostMessage, PanelState, WatchInfo, isPageMessage } from './protocol';

export interface PodTarget {
  namespace: string;
  release?: string;
  pod?: string;
}

/** At most this many state messages a second reach the page. */
const MAX_POSTS_PER_SECOND = 10;


/** A pod the watch has not brought this long after the last pod it did is taken as gone. */
const GONE_AFTER_MS = 3000;

/** The previous container's last lines shown under a crash. */
const CRASH_LOG_LINES = 10;
/** Terminations whose last lines are kept: the latest of each container, for a long watch. */
const MAX_CRASH_LOGS = 50;

/**
 * "Show Pod Restarts and Events": the pods of a release (or one pod) with their restarts, a
 * timeline per pod, and the events grouped by reason. Two kubectl watches (pods, events) feed it
 * while the panel is open; the page gets at most ten updates a second, none while it is hidden.
 */
export class PodPanel implements vscode.Disposable {
  static readonly viewType = 'aksWorker.pods';
  private static panels = new Map<string, PodPanel>();

  static key(t: PodTarget): string {
    return `${t.namespace}/${t.pod ? `pod=${t.pod}` : t.release ? `release=${t.release}` : '*'}`;
  }

  static title(t: PodTarget): string {
    return `Pods: ${t.pod ?? t.release ?? 'all'} (${t.namespace})`;
  }

  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, target: PodTarget, paths: ToolPaths): PodPanel {
    const existing = PodPanel.panels.get(PodPanel.key(target));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(PodPanel.viewType, PodPanel.title(target), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: localRoots(extensionUri),
    });
    const p = new PodPanel(panel, extensionUri, log, target, paths);
    PodPanel.panels.set(PodPanel.key(target), p);
    return p;
  }

  private readonly disposables: vscode.Disposable[] = [];
  private readonly pods = new PodStore();
  private readonly events = new EventStore();
  private readonly restarts = new RestartHistory();
  private readonly thresholds = new Map<string, number | undefined>();
  private readonly status: { pods: WatchInfo; events: WatchInfo } = { pods: { state: 'connecting' }, events: { state: 'connecting' } };
  private watches: Array<{ stop(): void; done: Promise<void> }> = [];
  /** Every watch stopped so far has ended once this settles. */
  private ending: Promise<unknown> = Promise.resolve();
  /** Counts Retry clicks: only the latest one starts watches, however fast they come. */
  private retries = 0;
  private starts = 0;
  private disposed = false;
  private pageReady = false;
  private lastPost = 0;
  private postTimer: NodeJS.Timeout | undefined;
  /** The watch has brought the target pod: its absence later means it is gone. */
  private seenTarget = false;
  /** Checks, once the pods have stopped arriving, whether a target pod never seen exists at all. */
  private goneTimer: NodeJS.Timeout | undefined;
  /** Why the panel shows something other than what it was opened on. */
  private note: string | undefined;
  /** The previous container's last lines per termination (`uid/container@finishedAt`): read once each, when a crash shows. */
  private readonly crashLogs = new Map<string, string[] | 'reading'>();
  /** Messages posted to the page, for the tests. */
  posts = 0;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private _target: PodTarget,
    private readonly paths: ToolPaths,
  ) {
    const target = _target;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'aks-worker.svg');
    panel.webview.html = pageHtml(panel.webview, extensionUri, {
      title: PodPanel.title(target),
      script: 'dist/media/pods.js',
      style: 'media/pods/pods.css',
      body: '<main id="app" aria-busy="true"><p>Connecting to the cluster…</p></main>',
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.visible) this.schedulePost();
      }),
    );
    this.start();
  }

  /** What the panel shows: a release's pods, one pod, or every pod of the namespace. */
  get target(): PodTarget {
    return this._target;
  }

  /**
   * A panel opened on one pod of a release follows the release when that pod is gone (a rollout or a
   * rollback replaced it, or it was deleted), and says so; a pod without a release says it is gone.
   */
  private followIfGone(): void {
    const t = this._target;
    if (!t.pod || this.disposed) return;
    const pods = this.pods.list();
    if (pods.some((p) => p.name === t.pod)) {
      this.seenTarget = true;
      return;
    }
    // Never seen: perhaps not listed yet. Wait until the pods stop arriving, and decide only when the
    // release has pods (a list that is still on its way has none).
    if (!this.seenTarget) {
      if (this.goneTimer) clearTimeout(this.goneTimer);
      this.goneTimer = setTimeout(() => {
        this.goneTimer = undefined;
        if (!this.seenTarget && this.pods.list().length > 0 && !this.pods.list().some((p) => p.name === this._target.pod)) {
          this.seenTarget = true;
          this.followIfGone();
        }
      }, GONE_AFTER_MS);
      return;
    }
    if (!t.release) {
      const note = `Pod ${t.pod} no longer exists in ${t.namespace}; it had no ${RELEASE_LABEL} label, so there is no release to follow.`;
      if (this.note !== note) {
        this.note = note;
        this.schedulePost();
      }
      return;
    }
    const next: PodTarget = { namespace: t.namespace, release: t.release };
    this.note = `Pod ${t.pod} is gone (replaced by a rollout or rollback, or deleted); showing ${t.release}'s pods.`;
    this.log.info(`Pod panel: ${this.note}`);
    if (PodPanel.panels.get(PodPanel.key(t)) === this) PodPanel.panels.delete(PodPanel.key(t));
    if (!PodPanel.panels.has(PodPanel.key(next))) PodPanel.panels.set(PodPanel.key(next), this);
    this._target = next;
    this.panel.title = PodPanel.title(next);
    this.schedulePost();
  }

  private start(): void {
    this.starts++;
    const sink = { info: (line: string) => this.log.info(line), stderr: (line: string) => this.log.warn(line) };
    const onStatus = (which: 'pods' | 'events') => (s: WatchStatus) => {
      this.status[which] = { state: s.state, ...(s.message ? { message: s.message } : {}) };
      if (s.state === 'retrying' && s.message) this.log.warn(`Pod panel (${which} watch): ${s.message}`);
      this.schedulePost();
    };
    // kubectl ends a (re)list's burst only after a quiet moment; events arriving prove the watch runs.
    const flowing = (which: 'pods' | 'events') => {
      if (this.status[which].state !== 'watching') this.status[which] = { state: 'watching' };
    };
    this.watches = [
      watchKind('pods', {
        namespace: this.target.namespace,
        selector: this.target.release ? `${RELEASE_LABEL}=${this.target.release}` : undefined,
        paths: this.paths,
        sink,
        onEvent: (e) => {
          flowing('pods');
          const we = e as WatchEvent;
          // Every pod the watch brings is kept (a release's, or the namespace's for a pod without
          // one); state() shows the target's, so following a release needs no new list.
          const uid: string | undefined = we.object?.metadata?.uid;
          if (uid) {
            if (we.type === 'DELETED') this.thresholds.delete(uid);
            else this.thresholds.set(uid, livenessFailureThreshold(we.object));
          }
          if (this.pods.apply(we)) {
            if (we.type !== 'DELETED') {
              const p = this.pods.get(uid ?? '');
              if (p) this.restarts.observe(p);
            }
            this.schedulePost();
            if (this.target.pod) this.followIfGone();
          }
        },
        onResync: (begin) => {
          if (begin) {
            this.pods.beginResync();
            // A re-list may end (after a quiet moment) before kubectl has printed it: until the pod
            // shows again, its absence proves nothing.
            this.seenTarget = false;
          } else {
            if (this.pods.endResync()) this.schedulePost();
            this.followIfGone();
          }
        },
        onStatus: onStatus('pods'),
      }),
      watchKind('events', {
        namespace: this.target.namespace,
        paths: this.paths,
        sink,
        onEvent: (e) => {
          flowing('events');
          if (this.events.apply(e as WatchEvent)) this.schedulePost();
        },
        onResync: (begin) => {
          if (begin) this.events.beginResync();
          else if (this.events.endResync()) this.schedulePost();
        },
        onStatus: onStatus('events'),
      }),
    ];
  }

  /**
   * Stops both watches and starts them again (the page's Retry). Clicks in quick succession start
   * one pair of watches, once every earlier one has ended.
   */
  async retry(): Promise<void> {
    const retry = ++this.retries;
    const old = this.watches;
    this.watches = [];
    for (const w of old) w.stop();
    this.ending = Promise.all([this.ending, ...old.map((w) => w.done)]);
    await this.ending;
    if (this.disposed || retry !== this.retries) return;
    this.status.pods = { state: 'connecting' };
    this.status.events = { state: 'connecting' };
    this.start();
    this.schedulePost();
  }

  /** What the page shows, as of now. */
  state(): PanelState {
    const all = this.pods.list();
    this.restarts.keepOnly(new Set(all.map((p) => p.uid)));
    const pods = this.target.pod ? all.filter((p) => p.name === this.target.pod) : all;
    const now = Date.now();
    const groups = groupEvents(this.events.list(new Set(pods.map((p) => p.name))));
    const failureThreshold = commonThreshold(pods.map((p) => this.thresholds.get(p.uid)));
    const ratio = explainRatio(groups, failureThreshold);
    return {
      namespace: this.target.namespace,
      ...(this.target.release ? { release: this.target.release } : {}),
      ...(this.target.pod ? { pod: this.target.pod } : {}),
      ...(this.note ? { note: this.note } : {}),
      watch: { pods: { ...this.status.pods }, events: { ...this.status.events } },
      starts: this.starts,
      pods: pods.map((p) => ({ ...podRow(p), reasons: this.reasonsOf(p) })),
      timelines: buildTimelines(pods, this.restarts, this.events, now),
      groups,
      totals: eventTotalsLine(groups),
      ...(failureThreshold !== undefined ? { failureThreshold } : {}),
      ...(ratio ? { ratio } : {}),
      now,
      trusted: vscode.workspace.isTrusted,
    };
  }

  /** Why each container of the pod last restarted or does not run; a crash's last lines once read. */
  private reasonsOf(p: PodSummary): RestartReason[] {
    const events = this.events.list(new Set([p.name])).filter((e) => !e.object.uid || e.object.uid === p.uid);
    const first = restartReasons(p, events);
    const logs: Record<string, string[]> = {};
    for (const r of first) {
      if (r.kind !== 'crash' && r.kind !== 'completed') continue;
      const key = `${p.uid}/${r.container}@${r.at ?? ''}`;
      const lines = this.crashLogs.get(key);
      if (lines === undefined) this.readCrashLog(p, r.container, key);
      else if (lines !== 'reading' && lines.length) logs[r.container] = lines;
    }
    return Object.keys(logs).length ? restartReasons(p, events, logs) : first;
  }

  /** Reads the previous container's last lines (kubectl logs --previous) once per termination. */
  private readCrashLog(p: PodSummary, container: string, key: string): void {
    this.crashLogs.set(key, 'reading');
    while (this.crashLogs.size > MAX_CRASH_LOGS) this.crashLogs.delete(this.crashLogs.keys().next().value as string);
    podLogs(p.name, p.namespace, { paths: this.paths, previous: true, container, tail: CRASH_LOG_LINES }).then(
      (text) => {
        this.crashLogs.set(key, lastLines(text, CRASH_LOG_LINES));
        this.schedulePost();
      },
      (e: unknown) => {
        // The node may have dropped them (the container was replaced twice); the reason stands without.
        this.crashLogs.set(key, []);
        this.log.info(`Pod panel: no previous logs of ${p.name}/${container}: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  /** A fix button of a restart reason: runs its command (which asks for trust in Restricted Mode). */
  private async fix(command: 'aksWorker.attachRegistry' | 'aksWorker.pushImage', pod: string, container: string): Promise<void> {
    const p = this.pods.list().find((x) => x.name === pod);
    const r = p && this.reasonsOf(p).find((x) => x.container === container);
    if (!r?.fix || r.fix.command !== command) {
      this.log.warn(`Pod panel: no ${command} fix for ${pod}/${container} any more; ignored.`);
      return;
    }
    this.log.info(`Pod panel: ${r.fix.title} for ${pod}/${container} (${r.title})`);
    if (command === 'aksWorker.attachRegistry') await vscode.commands.executeCommand(command, r.fix.registry ? { registry: r.fix.registry } : undefined);
    else await vscode.commands.executeCommand(command);
  }

  /** Posts soon, at most MAX_POSTS_PER_SECOND times a second, and only while the page is visible. */
  private schedulePost(): void {
    if (this.disposed || this.postTimer || !this.pageReady) return;
    const wait = Math.max(0, this.lastPost + 1000 / MAX_POSTS_PER_SECOND - Date.now());
    this.postTimer = setTimeout(() => {
      this.postTimer = undefined;
      if (this.disposed || !this.panel.visible) return; // posted again when it shows
      this.lastPost = Date.now();
      this.posts++;
      void this.panel.webview.postMessage({ type: 'state', state: this.state() } satisfies HostMessage);
    }, wait);
  }

  private onMessage(message: unknown): void {
    if (!isPageMessage(message)) {
      this.log.warn(`Pod panel: ignored a malformed message ${JSON.stringify(message)?.slice(0, 300)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.pageReady = true;
        this.schedulePost();
        return;
      case 'retry':
        void this.retry();
        return;
      case 'fix':
        void this.fix(message.command, message.pod, message.container);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.postTimer) clearTimeout(this.postTimer);
    if (this.goneTimer) clearTimeout(this.goneTimer);
    for (const w of this.watches) w.stop();
    if (PodPanel.panels.get(PodPanel.key(this.target)) === this) PodPanel.panels.delete(PodPanel.key(this.target));
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

export async function showPodPanel(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, target: { namespace: string; release?: string; pod?: string }, paths: ToolPaths): Promise<PodPanel> {
  return PodPanel.show(extensionUri, log, target, paths);
}

const isName = (v: unknown): v is string => typeof v === 'string' && /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v);

/**
 * The target a caller passes (`{ namespace, release?, pod? }`, where a pod wins over its release) or a
 * Pods view row (`{ kind: 'release', namespace, release }`, `{ kind: 'pod', pod: PodSummary }`); asks
 * for the namespace and release when there is none.
 */
export async function podTargetFrom(arg: unknown, usual?: string): Promise<PodTarget | undefined> {
  if (typeof arg === 'object' && arg !== null) {
    let a = arg as Record<string, unknown>;
    if (typeof a.pod === 'object' && a.pod !== null) {
      const p = a.pod as Record<string, unknown>;
      a = { namespace: p.namespace, release: p.release, pod: p.name };
    }
    if (isName(a.namespace)) {
      return { namespace: a.namespace, ...(isName(a.release) ? { release: a.release } : {}), ...(isName(a.pod) ? { pod: a.pod } : {}) };
    }
  }
  const configured = usual ?? (vscode.workspace.getConfiguration('aksWorker').get<string>('namespace')?.trim() || 'default');
  const validate = (v: string) => (v === '' || isName(v) ? undefined : 'Lowercase letters, digits, "-" and "."; starting and ending with a letter or digit.');
  const namespace = await vscode.window.showInputBox({ title: 'Show Pod Restarts and Events (1/2)', prompt: 'Namespace', value: configured, validateInput: (v) => (v.trim() ? validate(v.trim()) : 'A namespace is required.') });
  if (namespace === undefined) return undefined;
  const release = await vscode.window.showInputBox({ title: 'Show Pod Restarts and Events (2/2)', prompt: 'Release (empty: every pod in the namespace)', placeHolder: 'e.g. sample-worker', validateInput: (v) => validate(v.trim()) });
  if (release === undefined) return undefined;
  return { namespace: namespace.trim(), ...(release.trim() ? { release: release.trim() } : {}) };
}

/** The command `aksWorker.showPodDetails`: tree items pass `{ namespace, release, pod }`; without one it asks. */
export async function showPodDetailsCommand(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, arg: unknown, namespace?: string): Promise<PodPanel | undefined> {
  const target = await podTargetFrom(arg, namespace);
  return target && showPodPanel(extensionUri, log, target, toolPaths());
}
