// Shared helpers for the extension-host tests (not a test file itself).
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'aks-worker.aks-worker-deploy';

export interface DoctorTool {
  name: string;
  found: boolean;
  path?: string;
  version?: string;
  required: boolean;
  detail?: string;
}

export interface DoctorReport {
  tools: DoctorTool[];
  ok: boolean;
}

/** The object returned by the extension's activate(). */
export interface AksWorkerApi {
  activationMs: number;
  workflow: {
    getChildren(element?: unknown): Promise<unknown[] | null | undefined> | unknown[] | null | undefined;
    getTreeItem(element: unknown): vscode.TreeItem | Thenable<vscode.TreeItem>;
  };
  doctor(): Promise<DoctorReport>;
}

export function getExtension(): vscode.Extension<AksWorkerApi> {
  const ext = vscode.extensions.getExtension<AksWorkerApi>(EXTENSION_ID);
  if (!ext) {
    const ids = vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.'));
    throw new Error(`extension ${EXTENSION_ID} is not loaded (non-builtin extensions: ${ids.join(', ') || 'none'})`);
  }
  return ext;
}

let apiPromise: Promise<AksWorkerApi> | undefined;

/** Activates the extension once and returns its API. */
export function activateApi(): Promise<AksWorkerApi> {
  apiPromise ??= (async () => {
    const ext = getExtension();
    const api = ext.isActive ? ext.exports : await ext.activate();
    if (!api) throw new Error(`${EXTENSION_ID} activated but returned no API`);
    return api;
  })();
  return apiPromise;
}

export function labelOf(item: vscode.TreeItem): string {
  const label = item.label;
  if (label === undefined) return '';
  return typeof label === 'string' ? label : label.label;
}

export function textOf(value: string | boolean | vscode.MarkdownString | undefined): string {
  if (value === undefined || typeof value === 'boolean') return '';
  return typeof value === 'string' ? value : value.value;
}

export async function children(api: AksWorkerApi, element?: unknown): Promise<Array<{ element: unknown; item: vscode.TreeItem }>> {
  const kids = (await api.workflow.getChildren(element)) ?? [];
  const out: Array<{ element: unknown; item: vscode.TreeItem }> = [];
  for (const k of kids) out.push({ element: k, item: await api.workflow.getTreeItem(k) });
  return out;
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function eventually<T>(probe: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!last && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the host suite expects the sample worker workspace to be open (no workspace folder)');
  return folder.uri;
}

export async function readWorkspaceFile(...segments: string[]): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), ...segments));
  return new TextDecoder().decode(bytes);
}

/** console.log with every line tagged, so the code-server runner can pick the suite's lines out of the host log. */
export function say(text: string): void {
  console.log(
    text
      .split('\n')
      .map((l) => `[host-test] ${l}`)
      .join('\n'),
  );
}

/** The rig's environment (docker engine, registry, API server, helm, az stand-in) when the runner passed it. */
export function rigEnv(): Record<string, string> | undefined {
  const file = process.env.AKS_WORKER_RIG_ENV;
  if (!file || !existsSync(file)) return undefined;
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** In a `before`: the rig's environment; skips the suite without a rig, except on CI where that is an error. */
export function requireRig(ctx: Mocha.Context): Record<string, string> {
  const env = rigEnv();
  if (!env) {
    if (process.env.CI) throw new Error('the rig environment (AKS_WORKER_RIG_ENV) is missing on CI');
    ctx.skip();
  }
  return env as Record<string, string>;
}
