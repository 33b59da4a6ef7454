import * as vscode from 'vscode';

/** Workflow commands that are declared in the manifest but whose behaviour has not shipped yet. */
export const PENDING_COMMANDS: ReadonlyArray<{ id: string; title: string; runsTools: boolean }> = [
  { id: 'aksWorker.ship', title: 'Ship (build → push → bump → upgrade)', runsTools: true },
];

export function notAvailableYet(title: string, version: string): void {
  void vscode.window.showInformationMessage(`AKS Worker: "${title}" is not available in version ${version} yet. The Workflow view shows what the workspace already has.`);
}
