import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { workspaceRoot } from './helpers';

interface PanelForTests {
  state(): Promise<{ location: string; probes: Record<string, unknown> }>;
  save(probes: unknown): Promise<void>;
  dispose(): void;
}

describe('Probe form host', function () {
  this.timeout(60_000);
  const values = () => vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker', 'values.yaml');
  const read = async () => new TextDecoder().decode(await vscode.workspace.fs.readFile(values()));
  let panel: PanelForTests;

  before(async () => {
    panel = (await vscode.commands.executeCommand('aksWorker.editProbes', vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker'))) as PanelForTests;
    assert.ok(panel, 'Edit Probes returns its panel');
  });
  after(() => panel?.dispose());

  it('reads the sample chart\'s probes from values.yaml', async () => {
    const s = await panel.state();
    assert.equal(s.location, 'values');
    assert.deepEqual(s.probes.liveness, { handler: { type: 'httpGet', path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
  });

  it('a malformed message from the page changes nothing', async () => {
    const before = await read();
    const onMessage = (panel as unknown as { onMessage(m: unknown): Promise<void> }).onMessage.bind(panel);
    for (const m of [
      { type: 'save', probes: { liveness: { handler: { type: 'telnet' } } } },
      { type: 'save', probes: { liveness: { handler: { type: 'httpGet', path: '/x', port: 1 }, periodSeconds: '10' } } },
      { type: 'save', probes: { sideways: {} } },
      { type: 'save' },
      { type: 'delete-everything' },
      'save',
      null,
    ]) {
      await onMessage(m);
    }
    assert.equal(await read(), before);
  });

  it('an invalid probe is refused with the reason, and nothing is written', async () => {
    const before = await read();
    await assert.rejects(panel.save({ liveness: { handler: { type: 'httpGet', path: '/healthz', port: 'health' }, successThreshold: 3 } }), /successThreshold: Must be 1/);
    assert.equal(await read(), before);
  });

  it('saves through an edit of the open document, changing only the probe keys, and Undo reverts it', async () => {
    const before = await read();
    await panel.save({ liveness: { handler: { type: 'httpGet', path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 9 } });
    assert.equal(await read(), before.replace('failureThreshold: 6', 'failureThreshold: 9'));
    const editor = await vscode.window.showTextDocument(values());
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), before);
    await editor.document.save();
  });
});
