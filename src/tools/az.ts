import { redact } from '../core/redact';
import { TOOLS, ToolPaths, toolFile } from './catalog';
import { ActionableError, ToolExitError } from './errors';
import { LineSink, RunOptions, runTool } from './process';

export interface AzOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  sink?: LineSink;
  signal?: AbortSignal;
}

/** The user name that ACR token logins use with `docker login`. */
export const ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

export interface AcrRegistry {
  name: string;
  loginServer: string;
  resourceGroup?: string;
  location?: string;
  sku?: string;
}

export interface AksCluster {
  name: string;
  resourceGroup: string;
  location?: string;
  kubernetesVersion?: string;
}

async function az(o: AzOptions, args: string[], extra: RunOptions = {}): Promise<string> {
  try {
    const r = await runTool(TOOLS.az, toolFile('az', o.paths), [...args, '--only-show-errors'], { env: o.env, sink: o.sink, signal: o.signal, timeoutMs: 5 * 60_000, ...extra });
    return r.stdout;
  } catch (err) {
    throw mapAzError(err);
  }
}

/** Azure CLI error text → what to do. */
export function mapAzError(err: unknown): unknown {
  if (!(err instanceof ToolExitError)) return err;
  const text = err.stderrTail;
  if (/az login|Please run 'az login'|AADSTS\d+|refresh token.*expired|No subscription found/i.test(text)) {
    return new ActionableError('az', 'az-not-logged-in', 'The Azure CLI is not logged in (or the login expired). Run "az login" in a terminal, then try again.', err);
  }
  if (/Are you an Owner|AuthorizationFailed|does not have authorization to perform action 'Microsoft\.Authorization\/roleAssignments\/write'/i.test(text)) {
    return new ActionableError(
      'az',
      'attach-acr-forbidden',
      'Azure refused to let the cluster pull from the registry: attaching creates a role assignment (AcrPull for the cluster\'s kubelet identity) on the registry, and your account may not create role assignments there. ' +
        'You need a role that can assign roles on the registry, such as Owner, User Access Administrator or Role Based Access Control Administrator on the ACR (or its resource group); being Contributor is not enough. ' +
        `Ask an administrator to run the same command, or to grant you that role. Azure said: ${lastLine(text)}`,
      err,
    );
  }
  if (/could not be found|ResourceNotFound|ResourceGroupNotFound|not found in the current subscription/i.test(text)) {
    return new ActionableError('az', 'azure-not-found', `Azure could not find it in the current subscription: ${lastLine(text)} Check the name, or switch subscription with "az account set".`, err);
  }
  return err;
}

const lastLine = (text: string) => text.trim().split('\n').pop()?.replace(/^ERROR:\s*/, '') ?? '';

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ActionableError('az', 'az-bad-output', `az returned output that is not JSON for ${what}.`);
  }
}

export async function listRegistries(o: AzOptions = {}): Promise<AcrRegistry[]> {
  const list = parseJson<Array<{ name: string; loginServer: string; resourceGroup?: string; location?: string; sku?: { name?: string } }>>(await az(o, ['acr', 'list', '-o', 'json'], { logStdout: false }), 'acr list');
  return list.map((r) => ({ name: r.name, loginServer: r.loginServer, resourceGroup: r.resourceGroup, location: r.location, sku: r.sku?.name }));
}

/**
 * An ACR access token for `docker login`. It never reaches a log: stdout (the JSON) is not logged,
 * and what az prints on stderr is held back until the token is known, then logged with it masked.
 */
export async function acrToken(registryName: string, o: AzOptions = {}): Promise<{ accessToken: string; loginServer: string }> {
  const held: string[] = [];
  let token: string | undefined;
  try {
    const out = await az({ ...o, sink: { info: (l) => held.push(l) } }, ['acr', 'login', '--name', registryName, '--expose-token', '-o', 'json'], { logStdout: false });
    const j = parseJson<{ accessToken?: string; loginServer?: string }>(out, 'acr login');
    if (!j.accessToken || !j.loginServer) throw new ActionableError('az', 'az-bad-output', 'az acr login returned no token.');
    token = j.accessToken;
    return { accessToken: j.accessToken, loginServer: j.loginServer };
  } finally {
    for (const line of held) o.sink?.info(token ? redact(line, [token]) : line);
  }
}

export async function listClusters(o: AzOptions = {}): Promise<AksCluster[]> {
  const list = parseJson<Array<{ name: string; resourceGroup: string; location?: string; kubernetesVersion?: string }>>(await az(o, ['aks', 'list', '-o', 'json'], { logStdout: false }), 'aks list');
  return list.map((c) => ({ name: c.name, resourceGroup: c.resourceGroup, location: c.location, kubernetesVersion: c.kubernetesVersion }));
}

/** `az aks update --attach-acr`: lets the cluster's kubelet identity pull from the registry. */
export async function attachRegistry(cluster: AksCluster, registry: string, o: AzOptions = {}): Promise<void> {
  await az(o, ['aks', 'update', '--name', cluster.name, '--resource-group', cluster.resourceGroup, '--attach-acr', registry, '-o', 'none'], { timeoutMs: 20 * 60_000 });
}
