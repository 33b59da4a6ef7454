import vscode = require('vscode');
import { WorkflowSettings } from '../../core/workspace';
import { DEFAULT_RELEASE_SETTINGS, ReleaseSettings } from '../../core/release';
import { ToolPaths } from '../../tools/catalog';

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
