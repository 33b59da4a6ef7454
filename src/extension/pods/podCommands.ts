import vscode = require('vscode');
import { PodSummary } from '../../core/pods';
import { deletePod, describePod, podLogs } from '../../tools/kubectl';
import { toolFile } from '../../tools/catalog';
import { toolPaths } from '../util/config';
import { sinkFor } from '../util/log';
import { showReadOnly } from '../util/readonlyDocs';
import { PodWatcher } from './podWatcher';
import type { PodNode } from '../views/podsTree';

/** The pod a command acts on: the tree item, or one picked from the watched pods. */
export async function podArg(watcher: PodWatcher, arg: unknown): Promise<PodSummary | undefined> {
  const node = arg as PodNode | undefined;
  if (node && typeof node === 'object' && node.kind === 'pod') return node.pod;
  if (node && typeof node === 'object' && node.kind === 'container') return node.pod;
  const pods = watcher.pods();
  if (!pods.length) {
    void vscode.window.showInformationMessage('No pods are being watched. Run "AKS Worker: Watch Pods" first.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(pods.map((p) => ({ label: p.name, description: `${p.status} · ${p.restarts} restarts`, p })), { title: 'Which pod?' }))?.p;
}

export async function describeCommand(watcher: PodWatcher, log: vscode.LogOutputChannel, arg: unknown): Promise<void> {
  const pod = await podArg(watcher, arg);
  if (!pod) return;
  const text = await describePod(pod.name, pod.namespace, { paths: toolPaths(), sink: sinkFor(log) });
  await showReadOnly(`${pod.namespace}/${pod.name}.describe.txt`, text);
}

export async function logsCommand(watcher: PodWatcher, log: vscode.LogOutputChannel, arg: unknown, previous: boolean): Promise<void> {
  const pod = await podArg(watcher, arg);
  if (!pod) return;
  const container = pod.containers.length > 1 ? (await vscode.window.showQuickPick(pod.containers.map((c) => c.name), { title: 'Which container?' })) : pod.containers[0]?.name;
  if (pod.containers.length > 1 && !container) return;
  if (previous && !pod.containers.some((c) => c.restartCount > 0 || c.lastTermination)) {
    void vscode.window.showInformationMessage(`${pod.name} has not restarted, so there is no previous container log.`);
    return;
  }
  const text = await podLogs(pod.name, pod.namespace, { paths: toolPaths(), sink: sinkFor(log), previous, container });
  await showReadOnly(`${pod.namespace}/${pod.name}${previous ? '.previous' : ''}.log`, text || '(no log lines)', { language: 'log' });
}

export async function deleteCommand(watcher: PodWatcher, log: vscode.LogOutputChannel, arg: unknown): Promise<boolean> {
  const pod = await podArg(watcher, arg);
  if (!pod) return false;
  const go = 'Delete Pod';
  if ((await vscode.window.showWarningMessage(`Delete ${pod.name} in ${pod.namespace}?`, { modal: true, detail: 'Its Deployment starts a new pod in its place.' }, go)) !== go) return false;
  await deletePod(pod.name, pod.namespace, { paths: toolPaths(), sink: sinkFor(log) });
  return true;
}

/** kubectl port-forward in a terminal of its own, to the pod's health port. */
export async function portForwardCommand(watcher: PodWatcher, arg: unknown, options: { localPort?: number } = {}): Promise<vscode.Terminal | undefined> {
  const pod = await podArg(watcher, arg);
  if (!pod) return undefined;
  const given = Number.isInteger(options.localPort) && (options.localPort as number) > 0 && (options.localPort as number) < 65536 ? String(options.localPort) : undefined;
  const local = given ?? await vscode.window.showInputBox({ title: `Port-forward to ${pod.name}: local port`, value: '8080', validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : 'A port from 1 to 65535') });
  if (!local) return undefined;
  // The health port: the one named "health", else the first declared port.
  const ports = pod.containers.flatMap((c) => c.ports);
  const remote = (ports.find((pt) => pt.name === 'health') ?? ports[0])?.containerPort;
  if (!remote) {
    void vscode.window.showWarningMessage(`${pod.name} declares no container port to forward to.`);
    return undefined;
  }
  const terminal = vscode.window.createTerminal({
    name: `port-forward ${pod.name}`,
    shellPath: toolFile('kubectl', toolPaths()),
    shellArgs: ['port-forward', `pod/${pod.name}`, `${local}:${remote}`, '--namespace', pod.namespace],
    iconPath: new vscode.ThemeIcon('plug'),
  });
  terminal.show();
  return terminal;
}
