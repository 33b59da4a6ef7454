/**
 * How the extension runs `helm upgrade --install` for a release, from the `aksWorker.release.*`
 * settings: Install or Upgrade and Ship both go through here, so both wait, time out and roll back
 * the same way.
 */

export interface ReleaseSettings {
  /** Wait for the rollout before reporting done. */
  wait: boolean;
  /** Helm 4's wait strategy (Helm 3 always polls). */
  waitStrategy: 'watcher' | 'legacy';
  /** A Go duration, e.g. "5m". */
  timeout: string;
  /** Roll back when the upgrade fails (`--atomic` / `--rollback-on-failure`). */
  rollbackOnFailure: boolean;
}

/** The settings' defaults (package.json), also what the CLI uses. */
export const DEFAULT_RELEASE_SETTINGS: ReleaseSettings = { wait: true, waitStrategy: 'watcher', timeout: '5m', rollbackOnFailure: true };

/** The release-behaviour fields of an upgrade request (tools/helm.ts UpgradeRequest). */
export interface ReleaseFlags {
  wait: boolean;
  waitStrategy?: 'watcher' | 'legacy';
  timeout: string;
  atomic: boolean;
  createNamespace: boolean;
}

/** The flags for settings that may be partly given (missing ones take their defaults). */
export function releaseFlags(settings: Partial<ReleaseSettings> = {}, createNamespace = false): ReleaseFlags {
  const s = { ...DEFAULT_RELEASE_SETTINGS, ...definedOnly(settings) };
  return {
    wait: s.wait,
    waitStrategy: s.wait ? s.waitStrategy : undefined,
    timeout: s.timeout,
    atomic: s.rollbackOnFailure,
    createNamespace,
  };
}

/** A target and settings → the whole request for `helm upgrade --install`. */
export function upgradeRequestFor(target: { release: string; chartDir: string; namespace: string }, settings: Partial<ReleaseSettings> = {}, createNamespace = false) {
  return { release: target.release, chartDir: target.chartDir, namespace: target.namespace, ...releaseFlags(settings, createNamespace) };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
