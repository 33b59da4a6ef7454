import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { login } from '../../src/tools/docker';
import { ensureDotnetImages } from '../support/dotnetImages';
import { activateApi, children, eventually, labelOf, textOf, workspaceRoot, requireRig } from './helpers';


describe('Ship in VS Code (against the rig)', function () {
  this.timeout(240_000);
  let r: Record<string, string> = {};
  const ns = `ship-host-${process.pid}`;

  before(async function () {
    r = requireRig(this);
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    await cfg.update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
    await cfg.update('namespace', ns, vscode.ConfigurationTarget.Workspace);
    await cfg.update('build.extraArgs', ['--network', 'none'], vscode.ConfigurationTarget.Workspace);
    await cfg.update('release.timeout', '120s', vscode.ConfigurationTarget.Workspace);
    // The real .NET images, made from this machine's SDK (no image can be pulled here).
    await ensureDotnetImages({ env: process.env });
    // The user's existing docker login to the registry the chart names.
    await login(r.RIG_REGISTRY, r.RIG_REGISTRY_USER, r.RIG_REGISTRY_PASSWORD);
    const values = vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker', 'values.yaml');
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(values));
    await vscode.workspace.fs.writeFile(values, new TextEncoder().encode(text.replace(/repository: \S+/, `repository: ${r.RIG_REGISTRY}/shiphost`)));
  });

  it('Ship builds, pushes, bumps and releases, then watches the release\'s pods', async () => {
    const result = await vscode.commands.executeCommand<{ image: string; release: { revision: number; status: string; appVersion?: string } }>(
      'aksWorker.ship',
      vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker'),
      { confirm: false },
    );
    assert.ok(result, 'Ship returned its result');
    assert.match(result.image, /\/shiphost:\d+\.\d+\.\d+$/);
    assert.equal(result.release.status, 'deployed');
    const chart = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker', 'Chart.yaml')));
    assert.match(chart, new RegExp(`^appVersion: "${result.image.split(':').pop()?.replace(/\./g, '\\.')}"$`, 'm'));
    const api = await activateApi();
    const step = await eventually(async () => (await children(api)).find((c) => labelOf(c.item) === 'Release' && /deployed/.test(textOf(c.item.description))));
    assert.ok(step, 'the Release step shows the deployed revision');
    const pods = (api as unknown as { pods: { watcher: { namespace: string; watching: boolean } } }).pods.watcher;
    assert.equal(pods.namespace, ns);
    assert.equal(pods.watching, true);
  });

  after(async () => {
    await vscode.commands.executeCommand('aksWorker.stopWatchingPods');
  });
});
