import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateApi, children, eventually, labelOf, textOf, workspaceRoot, requireRig } from './helpers';


const read = async (uri: vscode.Uri) => new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));

describe('Chart and release steps in VS Code (against the rig)', function () {
  this.timeout(240_000);
  let r: Record<string, string> = {};
  const chartName = `worker-${process.pid}`;
  let chartDir: vscode.Uri;

  before(async function () {
    r = requireRig(this);
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    await cfg.update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
    await cfg.update('namespace', 'default', vscode.ConfigurationTarget.Workspace);
    await cfg.update('release.timeout', '120s', vscode.ConfigurationTarget.Workspace);
    chartDir = vscode.Uri.joinPath(workspaceRoot(), 'charts', chartName);
  });

  it('Create Worker Chart on the charts folder makes a stripped chart and opens values.yaml', async () => {
    const charts = vscode.Uri.joinPath(workspaceRoot(), 'charts');
    const made = await vscode.commands.executeCommand<vscode.Uri>('aksWorker.createChart', charts, { name: chartName, repository: `${(r as Record<string, string>).RIG_REGISTRY}/sampleworker`, tag: '0.0.1' });
    assert.equal(made?.fsPath, chartDir.fsPath);
    const templates = (await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(chartDir, 'templates'))).map(([n]) => n).sort();
    assert.deepEqual(templates, ['NOTES.txt', '_helpers.tpl', 'deployment.yaml']);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, vscode.Uri.joinPath(chartDir, 'values.yaml').fsPath);
    const api = await activateApi();
    const listed = await eventually(async () => {
      const chartStep = (await children(api)).find((c) => labelOf(c.item) === 'Chart');
      return chartStep && (await children(api, chartStep.element)).some((c) => labelOf(c.item) === chartName);
    });
    assert.ok(listed, 'the Chart step lists the new chart');
  });

  it('Dry Run opens the rendered manifest read-only, with the NOTES beside it', async () => {
    const result = await vscode.commands.executeCommand<{ manifest?: string }>('aksWorker.dryRun', chartDir);
    assert.match(result?.manifest ?? '', /kind: Deployment/);
    const docs = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'aks-worker-render');
    const manifest = docs.find((d) => d.uri.path.endsWith('/manifest.yaml'));
    assert.ok(manifest, 'a rendered manifest document is open');
    assert.equal(manifest.languageId, 'yaml');
    assert.match(manifest.getText(), /image: "[^"]+\/sampleworker:0\.0\.1"/);
    assert.ok(docs.some((d) => d.uri.path.endsWith('/NOTES.txt') && /port-forward/.test(d.getText())));
  });

  it('Bump Version changes the three values through an edit that Undo reverts', async () => {
    const chartYaml = vscode.Uri.joinPath(chartDir, 'Chart.yaml');
    const before = await read(chartYaml);
    const result = await vscode.commands.executeCommand<{ version: string; appVersion: string }>('aksWorker.bumpVersion', chartDir, { appVersion: '0.0.2', chartVersion: 'patch' });
    assert.deepEqual(result, { version: '0.1.1', appVersion: '0.0.2' });
    assert.match(await read(chartYaml), /^appVersion: "0\.0\.2"$/m);
    assert.match(await read(vscode.Uri.joinPath(chartDir, 'values.yaml')), /^ {2}tag: "0\.0\.2"$/m);
    const editor = await vscode.window.showTextDocument(chartYaml);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), before);
    await vscode.commands.executeCommand('redo');
    assert.match(editor.document.getText(), /^version: 0\.1\.1$/m);
    await editor.document.save();
  });

  it('Install or Upgrade releases it and the Workflow view shows the revision', async () => {
    const release = await vscode.commands.executeCommand<{ revision: number; status: string }>('aksWorker.upgradeInstall', chartDir, { noBumpPrompt: true, confirm: false });
    assert.equal(release?.status, 'deployed');
    assert.equal(release?.revision, 1);
    const api = await activateApi();
    // The step reads the release from Helm in the background, after the change settles.
    const step = await eventually(async () => (await children(api)).find((c) => labelOf(c.item) === 'Release' && /rev \d+ deployed \(0\.0\.2\)/.test(textOf(c.item.description))), 30_000);
    if (!step) {
      const now = (await children(api)).find((c) => labelOf(c.item) === 'Release');
      assert.fail(`the Release step shows the revision; it says ${JSON.stringify(textOf(now?.item.description))}`);
    }
  });

  it('the Workflow view reads the release from Helm: a rollback made outside shows after Refresh', async () => {
    const api = await activateApi();
    const release = await vscode.commands.executeCommand<{ revision: number; name: string; namespace: string }>('aksWorker.upgradeInstall', chartDir, { noBumpPrompt: true, confirm: false });
    assert.equal(release?.revision, 2);
    const row = async (re: RegExp) => {
      const step = (await children(api)).find((c) => labelOf(c.item) === 'Release');
      return step && (await children(api, step.element)).find((c) => labelOf(c.item) === release.name && re.test(textOf(c.item.description)));
    };
    assert.ok(await eventually(() => row(/^rev 2 deployed \(0\.0\.2\)/)), 'the row shows revision 2 after our upgrade');
    // Another terminal rolls back: the extension hears of it only from Helm.
    const { rollback } = await import('../../src/tools/helm');
    await rollback(release.name, 1, release.namespace, { paths: { helm: r.RIG_HELM4 } });
    await vscode.commands.executeCommand('aksWorker.refreshWorkflow');
    const after = await eventually(() => row(/^rev 3 deployed \(0\.0\.2\)/), 30_000);
    assert.ok(after, 'revision 3 after Refresh');
    assert.match(String((after.item.tooltip as vscode.MarkdownString | string | undefined) ?? ''), /revision 3, deployed/);
  });
});
