import vscode = require('vscode');
import { LiveRelease, isReleaseNotFound } from '../core/releaseState';
import { ToolError, ToolExitError } from '../tools/errors';
import { KubeContextService } from './kubeContext';
import { onDidChangeRelease } from './releaseEvents';
import { toolPaths } from './util/config';

/** How a chart's release is found: name and namespace (resolved by the release step). */
export interface ReleaseKey {
  folder: vscode.WorkspaceFolder;
  release: string;
  namespace: string;
}

/** Within this long a read is reused rather than asked again (Refresh and our commands ask again at once). */
const FRESH_MS = 60_000;
/** Changes arriving together (a rollout's pods) are read once, this long after the last. */
const DEBOUNCE_MS = 750;

interface Entry {
  value: LiveRelease;
  at: number;
  reading?: Promise<void>;
  again?: boolean;
}

/** A release not read yet (in this context). */
const pending = (k: ReleaseKey, context: string | undefined): LiveRelease => ({ release: k.release, namespace: k.namespace, ...(context ? { context } : {}), state: { kind: 'pending' } });
const keyOf = (k: ReleaseKey) => `${k.folder.uri.toString()}|${k.namespace}/${k.release}`;

/**
 * Each release's state as Helm reports it (`helm status`), read in the background in trusted
 * workspaces, cached, and read again after our commands change a release, when its pods change,
 * when the context changes, and on Refresh.
 */
export class ReleaseStatusCache implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly entries = new Map<string, Entry>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private fireTimer: NodeJS.Timeout | undefined;

  constructor(private readonly kube: KubeContextService, private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      onDidChangeRelease((c) => {
        this.log.debug(`Release ${c.release} in ${c.namespace} changed (${c.cause}): reading it from Helm again.`);
        this.invalidate((k) => k.release === c.release && k.namespace === c.namespace);
      }),
      kube.onDidChange(() => this.invalidate(() => true, 0)),
    );
  }

  /** The release as last read; starts a read when there is none or it is old. */
  get(k: ReleaseKey): LiveRelease {
    const key = keyOf(k);
    const context = this.kube.contextName;
    let e = this.entries.get(key);
    if (!e || e.value.context !== context) {
      e = { value: pending(k, context), at: 0 };
      this.entries.set(key, e);
    }
    if (!e.reading && Date.now() - e.at > FRESH_MS) this.read(key, k, e);
    return e.value;
  }

  /** The release as last read, without starting a read (pending when never read). */
  peek(k: ReleaseKey): LiveRelease {
    const e = this.entries.get(keyOf(k));
    const context = this.kube.contextName;
    if (e && e.value.context === context) return e.value;
    return pending(k, context);
  }

  /** Reads the matching releases again, `delay` ms from now (debounced). */
  invalidate(match: (k: { release: string; namespace: string }) => boolean, delay = DEBOUNCE_MS): void {
    for (const [key, e] of this.entries) {
      if (!match(e.value)) continue;
      const t = this.timers.get(key);
      if (t) clearTimeout(t);
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          e.at = 0;
          if (e.reading) e.again = true;
          this.fire();
        }, delay),
      );
    }
  }

  /** Forgets every read: the next `get` asks Helm (Refresh). */
  clear(): void {
    for (const e of this.entries.values()) {
      e.at = 0;
      if (e.reading) e.again = true;
    }
    this.fire();
  }

  private read(key: string, k: ReleaseKey, e: Entry): void {
    if (!vscode.workspace.isTrusted) return;
    const context = this.kube.contextName;
    e.at = Date.now();
    e.reading = (async () => {
      const base = { release: k.release, namespace: k.namespace, ...(context ? { context } : {}) };
      let value: LiveRelease;
      try {
        const { status } = await import('../tools/helm');
        const r = await status(k.release, k.namespace, { paths: toolPaths(k.folder) });
        value = { ...base, state: { kind: 'installed', revision: r.revision, status: r.status, chart: r.chart, appVersion: r.appVersion, updated: r.updated } };
      } catch (err) {
        const text = err instanceof ToolExitError ? err.stderrTail : err instanceof Error ? err.message : String(err);
        if (isReleaseNotFound(text)) value = { ...base, state: { kind: 'not-installed' } };
        else {
          const message = err instanceof ToolError && !(err instanceof ToolExitError) ? err.message : lastLine(text);
          this.log.warn(`Workflow view: helm status ${k.release} --namespace ${k.namespace}: ${text}`);
          value = { ...base, state: { kind: 'error', message } };
        }
      }
      if (this.entries.get(key) !== e) return;
      const before = JSON.stringify(e.value);
      e.value = value;
      e.at = Date.now();
      if (JSON.stringify(value) !== before) this.fire();
    })().finally(() => {
      e.reading = undefined;
      // A change arrived while Helm was being asked: the answer may predate it.
      if (e.again) {
        e.again = false;
        e.at = 0;
        this.fire();
      }
    });
  }

  /** Resolves when every read under way has finished (for the tests and Refresh). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.reading));
  }

  private fire(): void {
    if (this.fireTimer) return;
    this.fireTimer = setTimeout(() => {
      this.fireTimer = undefined;
      this.changed.fire();
    }, 50);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.fireTimer) clearTimeout(this.fireTimer);
    for (const d of this.disposables) d.dispose();
  }
}

const lastLine = (text: string) =>
  text
    .trim()
    .split('\n')
    .pop()
    ?.replace(/^Error:\s*/, '') || 'no reason given';
