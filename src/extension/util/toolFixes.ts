import vscode = require('vscode');
import { TOOLS, ToolName } from '../../tools/catalog';
import { ActionableError, ToolDescriptor, ToolNotFoundError } from '../../tools/errors';

/**
 * Opens a tool-path setting where it takes effect. The paths are machine-overridable: in a remote
 * window (Remote - SSH, WSL, Codespaces, code-server) the User tab does not show them, because the
 * tools run on the remote machine, so they are opened in the Remote settings there.
 */
export async function openToolSetting(setting: string): Promise<void> {
  if (vscode.env.remoteName) {
    await vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query: setting });
  } else {
    await vscode.commands.executeCommand('workbench.action.openSettings', setting);
  }
}

/** Where the paths are set, in words, for messages. */
export function toolSettingScope(): string {
  return vscode.env.remoteName ? 'Remote settings' : 'User settings';
}

export function toolDescriptor(name: string): ToolDescriptor | undefined {
  return Object.prototype.hasOwnProperty.call(TOOLS, name) ? TOOLS[name as ToolName] : undefined;
}

export async function openInstallPage(tool: ToolDescriptor): Promise<void> {
  await vscode.env.openExternal(vscode.Uri.parse(tool.url));
}

const SET_PATH = 'Set Path…';
const INSTALL = 'Install…';
/** The buttons that fix a missing tool, for messages; `applyToolFix` carries out the one picked. */
export const TOOL_FIXES = [SET_PATH, INSTALL] as const;

export async function applyToolFix(pick: string | undefined, tool: ToolDescriptor): Promise<void> {
  if (pick === SET_PATH) await openToolSetting(tool.setting);
  else if (pick === INSTALL) await openInstallPage(tool);
}
const SHOW_OUTPUT = 'Show Output';
const LOGIN = 'Run az login';

/**
 * Shows a failure with the buttons that fix it: a missing tool gets "Set Path…" (its setting, in the
 * scope where it applies) and "Install…" (its installation page); an Azure CLI that is not logged
 * in gets "Run az login" in a terminal; everything gets "Show Output".
 */
export async function showToolError(title: string, err: unknown, log: vscode.LogOutputChannel): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ToolNotFoundError) {
    const tool = err.descriptor;
    const pick = await vscode.window.showErrorMessage(`${title}: ${message}`, ...TOOL_FIXES, SHOW_OUTPUT);
    if (pick === SHOW_OUTPUT) log.show(true);
    else await applyToolFix(pick, tool);
    return;
  }
  if (err instanceof ActionableError && err.code === 'az-not-logged-in') {
    const pick = await vscode.window.showErrorMessage(`${title}: ${message}`, LOGIN, SHOW_OUTPUT);
    if (pick === LOGIN) azLoginTerminal();
    else if (pick === SHOW_OUTPUT) log.show(true);
    return;
  }
  const pick = await vscode.window.showErrorMessage(`${title}: ${message}`, SHOW_OUTPUT);
  if (pick === SHOW_OUTPUT) log.show(true);
}

/** A terminal with `az login` typed in (not run: the user presses Enter, e.g. after picking a tenant). */
export function azLoginTerminal(): void {
  const configured = vscode.workspace.getConfiguration('aksWorker.paths').get<string>('az')?.trim();
  const az = configured && vscode.workspace.isTrusted ? configured : 'az';
  const term = vscode.window.createTerminal({ name: 'az login' });
  term.show();
  term.sendText(`${/\s/.test(az) ? `"${az}"` : az} login`, false);
}

/** `aksWorker.fixTool` (not in the palette): the fix-it rows of the views, by setting name. */
export async function fixTool(action: unknown, setting: unknown): Promise<void> {
  const tool = Object.values(TOOLS).find((t) => t.setting === setting);
  if (tool) await applyToolFix(action === 'setPath' ? SET_PATH : action === 'install' ? INSTALL : undefined, tool);
}
