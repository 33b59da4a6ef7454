/**
 * A release as Helm reports it now (`helm status`), for the Workflow view: what each chart's release
 * row says, whether Helm knows the release at all, and what to say when the cluster cannot be asked.
 */

export interface LiveRelease {
  release: string;
  namespace: string;
  /** The kube context asked. */
  context?: string;
  state:
    | { kind: 'pending' }
    | { kind: 'installed'; revision: number; status: string; chart?: string; appVersion?: string; updated?: string }
    | { kind: 'not-installed' }
    | { kind: 'error'; message: string };
}

/** Helm's way of saying the release does not exist (status, history, get). */
export function isReleaseNotFound(text: string): boolean {
  return /release: not found|release "[^"]*" not found|has no deployed releases/i.test(text);
}

/** "3 minutes ago": how long since `iso`, for a tree row. */
export function ago(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export interface ReleaseRow {
  label: string;
  description: string;
  tooltip: string;
  problem: boolean;
  /** The release exists and its last revision is deployed. */
  deployed: boolean;
  /** When its current revision was deployed (ms since the epoch). */
  updated?: number;
}

/** One chart's release row: revision, status, chart and appVersion, and when; or why not. */
export function releaseRow(r: LiveRelease, now: number): ReleaseRow {
  const where = `${r.namespace}${r.context ? ` (context ${r.context})` : ''}`;
  switch (r.state.kind) {
    case 'pending':
      return { label: r.release, description: `asking Helm about ${r.namespace}…`, tooltip: `Reading ${r.release} from Helm in ${where}.`, problem: false, deployed: false };
    case 'not-installed':
      return {
        label: r.release,
        description: `not installed in ${r.namespace}`,
        tooltip: `Helm has no release ${r.release} in ${where}. Install or Upgrade installs it.`,
        problem: false,
        deployed: false,
      };
    case 'error':
      return {
        label: r.release,
        description: `cannot read: ${r.state.message}`,
        tooltip: `Helm could not read ${r.release} in ${where}: ${r.state.message}\n\nRefresh asks again.`,
        problem: true,
        deployed: false,
      };
    case 'installed': {
      const s = r.state;
      const when = ago(s.updated, now);
      const app = s.appVersion ? ` (${s.appVersion})` : '';
      return {
        label: r.release,
        description: `rev ${s.revision} ${s.status}${app}${when ? ` · ${when}` : ''}`,
        tooltip: [
          `${r.release} in ${where}: revision ${s.revision}, ${s.status}.`,
          s.chart ? `Chart ${s.chart}${s.appVersion ? `, appVersion ${s.appVersion}` : ''}.` : undefined,
          s.updated ? `Last deployed ${new Date(s.updated).toISOString()}.` : undefined,
          /^pending-/.test(s.status) ? 'Helm is still at work on this revision, or the command that started it was interrupted (then roll back to the last good revision).' : undefined,
          s.status === 'failed' ? 'The last upgrade failed: Show History / Rollback lists the revisions.' : undefined,
          'As Helm reports it now (helm status).',
        ]
          .filter(Boolean)
          .join('\n'),
        // A pending-* status is a rollout under way, not a failure.
        problem: s.status === 'failed' || s.status === 'unknown',
        deployed: s.status === 'deployed',
        ...(s.updated && !Number.isNaN(Date.parse(s.updated)) ? { updated: Date.parse(s.updated) } : {}),
      };
    }
  }
}

/**
 * The Release step as a whole, from each chart's row: done when all are deployed, a problem when any
 * is. Its text is the first problem's, else the release deployed last, else the first chart's.
 */
export function releaseStep(rows: readonly ReleaseRow[]): { state: 'done' | 'ready' | 'problem' | 'unknown'; description: string } | undefined {
  if (rows.length === 0) return undefined;
  const problem = rows.find((r) => r.problem);
  const pending = rows.every((r) => r.description.startsWith('asking Helm'));
  const latest = rows.filter((r) => r.deployed).sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0))[0];
  const first = problem ?? latest ?? rows[0];
  const more = rows.length > 1 ? ` (+${rows.length - 1} more)` : '';
  const state = problem ? 'problem' : rows.every((r) => r.deployed) ? 'done' : pending ? 'unknown' : 'ready';
  return { state, description: `${first.label} ${first.description}${more}` };
}
