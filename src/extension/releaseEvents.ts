import vscode = require('vscode');

/** A release that one of our commands changed, or whose pods the Pods watch saw change. */
export interface ReleaseChange {
  release: string;
  namespace: string;
  /** What changed it, for the log: "upgrade", "rollback", "uninstall", "pods". */
  cause: string;
}

const emitter = new vscode.EventEmitter<ReleaseChange>();

/** Fires when a release may have a new revision or status: listeners read it again from Helm. */
export const onDidChangeRelease = emitter.event;

/** Says that a release changed (or may have). Cheap: listeners debounce. */
export function releaseChanged(release: string, namespace: string, cause: string): void {
  emitter.fire({ release, namespace, cause });
}
