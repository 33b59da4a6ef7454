import vscode = require('vscode');
import { attachRegistry, listClusters, listRegistries } from '../../../tools/az';
import { WorkflowState } from '../../state';
import { toolPaths } from '../../util/config';
import { sinkFor } from '../../util/log';

/** Attach Registry to Cluster: az aks update --attach-acr, after picking the cluster and registry. */
/**
 * Attach Registry to Cluster. `options.registry` (a login server, e.g. from a pod whose pull the
 * registry refused) is offered first among the registries.
 */
export async function attachRegistryCommand(state: WorkflowState, log: vscode.LogOutputChannel, options: { registry?: unknown } = {}): Promise<boolean> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const paths = toolPaths(folder);
  const sink = sinkFor(log);
  const [clusters, registries] = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Listing AKS clusters and registries…' }, () =>
    Promise.all([listClusters({ paths, sink }), listRegistries({ paths, sink })]),
  );
  if (clusters.length === 0) {
    void vscode.window.showWarningMessage('No AKS cluster in the current Azure subscription (az aks list). Switch subscription with "az account set".');
    return false;
  }
  const cluster = (
    await vscode.window.showQuickPick(
      clusters.map((c) => ({ label: c.name, description: `${c.resourceGroup}${c.location ? ` · ${c.location}` : ''}${c.kubernetesVersion ? ` · ${c.kubernetesVersion}` : ''}`, c })),
      { title: 'Attach Registry (1/2): cluster that should pull the image' },
    )
  )?.c;
  if (!cluster) return false;
  const remembered = folder ? state.get(folder).registry : undefined;
  const wanted = typeof options.registry === 'string' ? options.registry.toLowerCase() : undefined;
  const rank = (r: { loginServer: string }) => (r.loginServer.toLowerCase() === wanted ? 2 : r.loginServer === remembered?.loginServer ? 1 : 0);
  const items = registries.map((r) => ({
    label: r.name,
    description: `${r.loginServer}${r.loginServer.toLowerCase() === wanted ? " · the pod's image" : r.loginServer === remembered?.loginServer ? ' · last pushed to' : ''}`,
    r,
  }));
  items.sort((a, b) => rank(b.r) - rank(a.r));
  const registry = (await vscode.window.showQuickPick(items, { title: `Attach Registry (2/2): registry ${cluster.name} may pull from` }))?.r;
  if (!registry) return false;
  const go = 'Attach';
  const ok = await vscode.window.showInformationMessage(
    `Let ${cluster.name} pull images from ${registry.loginServer}?`,
    { modal: true, detail: `Runs "az aks update --name ${cluster.name} --resource-group ${cluster.resourceGroup} --attach-acr ${registry.name}", which grants the cluster's kubelet identity the AcrPull role on the registry. It can take a few minutes.` },
    go,
  );
  if (ok !== go) return false;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Attaching ${registry.name} to ${cluster.name}…`, cancellable: true }, (_p, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return attachRegistry(cluster, registry.name, { paths, sink, signal: controller.signal });
  });
  void vscode.window.showInformationMessage(`${cluster.name} can now pull from ${registry.loginServer}.`);
  return true;
}
