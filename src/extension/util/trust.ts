import vscode = require('vscode');

/**
 * Commands that run docker, helm, kubectl or az stay off in an untrusted workspace: a workspace could
 * otherwise point them at its own scripts. Says why, and offers to manage trust.
 */
export async function requireTrust(what: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const pick = await vscode.window.showWarningMessage(
    `${what} runs command-line tools, which is turned off in Restricted Mode. Trust this workspace to use it; reading files and the forms still work.`,
    manage,
  );
  if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
