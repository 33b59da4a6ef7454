import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateApi, getExtension, say } from './helpers';

describe('activation', () => {
  it('is installed in the host', () => {
    const ext = getExtension();
    assert.equal(ext.id.toLowerCase(), EXTENSION_ID);
    assert.equal(ext.packageJSON.publisher, 'aks-worker');
    assert.equal(ext.packageJSON.name, 'aks-worker-deploy');
  });

  it('activates without errors and reports its activation time', async () => {
    const started = Date.now();
    const api = await activateApi();
    const wall = Date.now() - started;
    assert.ok(getExtension().isActive, 'extension is active after activate()');
    assert.equal(typeof api.activationMs, 'number', 'API exposes activationMs');
    assert.ok(Number.isFinite(api.activationMs) && api.activationMs >= 0, `activationMs is a sane number (${api.activationMs})`);
    say(
      `    activation time: ${api.activationMs.toFixed(1)} ms (reported by the extension); ` +
        `activate() took ${wall} ms here; VS Code ${vscode.version}, uiKind=${vscode.UIKind[vscode.env.uiKind]}, remote=${vscode.env.remoteName ?? 'none'}`,
    );
  });

  it('exposes the workflow and doctor API', async () => {
    const api = await activateApi();
    assert.equal(typeof api.workflow?.getChildren, 'function', 'api.workflow.getChildren');
    assert.equal(typeof api.workflow?.getTreeItem, 'function', 'api.workflow.getTreeItem');
    assert.equal(typeof api.doctor, 'function', 'api.doctor');
  });
});
