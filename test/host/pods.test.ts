import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { upgradeInstall } from '../../src/tools/helm';
import { listJson } from '../../src/tools/kubectl';
import { control } from '../rig/tests/rig';
import { eventually, workspaceRoot, requireRig } from './helpers';


interface Watcher {
  pods(): Array<{ name: string; restarts: number; release?: string; uid: string; namespace: string; containers: unknown[] }>;
  status: { state: string };
  namespace: string;
}

describe('Pods view (against the rig)', function () {
  this.timeout(240_000);
  let r: Record<string, string> = {};
  const ns = `pods-${process.pid}`;
  const release = 'watched';
  let watcher: Watcher;

  before(async function () {
    r = requireRig(this);
    await control('POST', 'config', { timeScale: 0.02 });
    await control('POST', 'health', { namespace: ns, deployment: `${release}-sample-worker`, health: { mode: 'hang' } });
    const chart = vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker').fsPath;
    const rel = await upgradeInstall({ release, chartDir: chart, namespace: ns, createNamespace: true, set: ['livenessProbe.failureThreshold=3'] }, { paths: { helm: r.RIG_HELM4 } });
    assert.equal(rel.status, 'deployed');
  });

  it('Watch Pods shows the release\'s pod, and its restart count rises as the liveness probe fails', async () => {
    watcher = (await vscode.commands.executeCommand('aksWorker.watchPods', ns)) as Watcher;
    assert.equal(watcher.namespace, ns);
    const restarted = await eventually(() => {
      const p = watcher.pods().find((x) => x.release === release);
      return p && p.restarts >= 2 ? p : undefined;
    }, 60_000);
    assert.ok(restarted, 'the pod restarted at least twice');
    const api = (await vscode.extensions.getExtension('aks-worker.aks-worker-deploy')?.activate()) as { pods: vscode.TreeDataProvider<unknown> };
    const roots = (await api.pods.getChildren()) as unknown[];
    const items = await Promise.all(roots.map((x) => api.pods.getTreeItem(x)));
    const group = items.find((i) => i.label === release);
    assert.ok(group, `a "${release}" group: ${items.map((i) => i.label).join(', ')}`);
    assert.match(String(group.description), /restarts/);
    const podNodes = (await api.pods.getChildren(roots[items.indexOf(group)])) as unknown[];
    const podItem = await api.pods.getTreeItem(podNodes[0]);
    assert.match(String(podItem.description), /\d+ restarts?/);
  });

  it('a container of the pod says why it restarted: its liveness probe, after failureThreshold failed checks', async () => {
    const api = (await vscode.extensions.getExtension('aks-worker.aks-worker-deploy')?.activate()) as { pods: vscode.TreeDataProvider<unknown> };
    const children = async (node?: unknown) => {
      const nodes = ((await api.pods.getChildren(node)) ?? []) as unknown[];
      return Promise.all(nodes.map(async (n) => ({ n, item: await api.pods.getTreeItem(n) })));
    };
    const group = (await children()).find((x) => x.item.label === release);
    assert.ok(group, 'the release group');
    const [pod] = await children(group.n);
    assert.ok(pod, 'its pod');
    const container = (await children(pod.n)).find((x) => x.item.label === 'sample-worker');
    assert.ok(container, 'the container');
    const why = await eventually(async () => (await children(container.n)).find((x) => /^why it (restarted|does not run)$/.test(String(x.item.label)))?.item, 30_000);
    assert.ok(why, 'a "why" row under the container');
    assert.equal(why.description, 'Killed by its liveness probe after 3 failed checks in a row');
    assert.match(String(why.tooltip), /context deadline exceeded/);
    assert.match(String(why.tooltip), /stopped answering its health endpoint within timeoutSeconds/);
  });

  it('recovers with the right pods after an API server restart and a 410 mid-watch', async () => {
    await control('POST', 'faults/restart', { downSeconds: 1 });
    await new Promise((res) => setTimeout(res, 1500)); // the listener closes after answering
    const up = async () => control('GET', 'state').then(() => true, () => false);
    assert.ok(await eventually(up, 30_000), 'the API server is back');
    await control('POST', 'faults/drop-watches', { gone: true });
    await control('POST', 'faults/expire');
    const truth = async () => (await listJson('pods', ns, { paths: { kubectl: r?.RIG_KUBECTL } })).map((p) => (p as { metadata: { name: string } }).metadata.name).sort();
    const same = await eventually(async () => {
      const want = await truth().catch(() => undefined);
      if (!want) return undefined;
      const got = watcher.pods().map((p) => p.name).sort();
      return JSON.stringify(want) === JSON.stringify(got) && want.length > 0 ? got : undefined;
    }, 30_000);
    assert.ok(same, 'the view lists exactly the pods the API server has');
  });

  it('Previous Logs shows the log of the container before its last restart', async () => {
    const pod = await eventually(() => watcher.pods().find((x) => x.release === release && x.restarts > 0), 30_000);
    assert.ok(pod, 'a pod that restarted');
    await vscode.commands.executeCommand('aksWorker.podPreviousLogs', { kind: 'pod', pod });
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc && doc.uri.path.endsWith('.previous.log'), doc?.uri.toString());
    assert.ok(doc.getText().trim().length > 0, 'the previous log has lines');
  });

  it('a watch whose kubectl is missing says so and offers Set Path… and Install…; fixing the path restarts it', async () => {
    const paths = vscode.workspace.getConfiguration('aksWorker.paths');
    const before = paths.inspect<string>('kubectl')?.globalValue;
    const api = (await vscode.extensions.getExtension('aks-worker.aks-worker-deploy')?.activate()) as { pods: vscode.TreeDataProvider<unknown> };
    type Row = { kind: string; label?: string; command?: vscode.Command };
    const rows = async () => ((await api.pods.getChildren()) ?? []) as Row[];
    try {
      await paths.update('kubectl', '/opt/no-such-tools/kubectl', vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('aksWorker.watchPods', ns);
      const failed = await eventually(async () => {
        const now = await rows();
        return now.some((x) => x.label === 'Cannot watch pods') && now.some((x) => x.label === 'Set Path…') ? now : undefined;
      }, 30_000);
      assert.ok(failed, 'the view says the watch cannot run and offers the fix');
      const setPath = failed.find((x) => x.label === 'Set Path…');
      const install = failed.find((x) => x.label === 'Install…');
      assert.deepEqual(setPath?.command?.arguments, ['setPath', 'aksWorker.paths.kubectl']);
      assert.deepEqual(install?.command?.arguments, ['install', 'aksWorker.paths.kubectl']);
      assert.equal(setPath?.command?.command, 'aksWorker.fixTool');
      // The user sets a working path: the watch starts again by itself.
      await paths.update('kubectl', r.RIG_KUBECTL, vscode.ConfigurationTarget.Global);
      const back = await eventually(async () => ((await rows()).some((x) => x.label === 'Cannot watch pods') ? undefined : watcher.pods().find((x) => x.release === release)), 30_000);
      assert.ok(back, "the release's pod is listed again once the path is fixed");
    } finally {
      await paths.update('kubectl', before, vscode.ConfigurationTarget.Global);
    }
  });

  after(async () => {
    await vscode.commands.executeCommand('aksWorker.stopWatchingPods');
  });
});
