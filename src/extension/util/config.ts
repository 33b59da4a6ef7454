import vscode = require('vscode');
import { resolve } from 'node:path';
import { WorkflowSettings } from '../../core/workspace';
import { DEFAULT_RELEASE_SETTINGS, ReleaseSettings } from '../../core/release';
import { ToolPaths } from '../../tools/catalog';
import { BuildArgsSource } from '../../core/buildArgs';

export const SECTION = 'aksWorker';

/** Tool paths from settings. In an untrusted workspace VS Code ignores workspace values of these. */
export function toolPaths(scope?: vscode.ConfigurationScope): ToolPaths {
  const c = vscode.workspace.getConfiguration(`${SECTION}.paths`, scope);
  const p = (k: string) => c.get<string>(k)?.trim() || undefined;
  return { docker: p('docker'), helm: p('helm'), kubectl: p('kubectl'), az: p('az'), dotnet: p('dotnet') };
}

export function workflowSettings(scope?: vscode.ConfigurationScope): Omit<WorkflowSettings, 'kubeContext'> {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    registry: c.get<string>('registry')?.trim() || undefined,
    releaseName: c.get<string>('releaseName')?.trim() || undefined,
    namespace: c.get<string>('namespace')?.trim() || undefined,
  };
}

/** How Install or Upgrade and Ship run Helm: the `aksWorker.release.*` settings. */
export function releaseSettings(scope?: vscode.ConfigurationScope): ReleaseSettings {
  const c = vscode.workspace.getConfiguration(`${SECTION}.release`, scope);
  return {
    wait: c.get<boolean>('wait', DEFAULT_RELEASE_SETTINGS.wait),
    waitStrategy: c.get<'watcher' | 'legacy'>('waitStrategy', DEFAULT_RELEASE_SETTINGS.waitStrategy),
    timeout: c.get<string>('timeout')?.trim() || DEFAULT_RELEASE_SETTINGS.timeout,
    rollbackOnFailure: c.get<boolean>('rollbackOnFailure', DEFAULT_RELEASE_SETTINGS.rollbackOnFailure),
  };
}

/**
 * `aksWorker.build.extraArgs` as set (not yet checked: core/buildArgs does that when it is used) and
 * where it is set, for the message when an option is refused.
 */
export function buildExtraArgs(scope?: vscode.ConfigurationScope): { args: unknown[]; source: BuildArgsSource } {
  const c = vscode.workspace.getConfiguration(`${SECTION}.build`, scope);
  const i = c.inspect<unknown>('extraArgs');
  const where =
    i?.workspaceFolderValue !== undefined
      ? 'Workspace Folder Settings'
      : i?.workspaceValue !== undefined
        ? 'Workspace Settings'
        : i?.globalValue !== undefined
          ? 'User Settings'
          : undefined;
  const v = c.get<unknown>('extraArgs', []);
  return { args: Array.isArray(v) ? v : v === undefined || v === null ? [] : [v], source: { setting: `${SECTION}.build.extraArgs`, where } };
}

/** aksWorker.preflight.envFile as an absolute path (relative ones from the folder), when set. */
export function preflightEnvFile(folder: vscode.WorkspaceFolder): string | undefined {
  const v = vscode.workspace.getConfiguration(`${SECTION}.preflight`, folder).get<string>('envFile')?.trim();
  return v ? resolve(folder.uri.fsPath, v) : undefined;
}
