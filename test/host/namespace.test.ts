import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateApi, eventually } from './helpers';

interface Namespaces {
  current(): { namespace: string; source: string; why: string; context?: string };
  set(namespace: string | undefined): Promise<string>;
  needsConfirmation(chartDir: string, namespace: string): boolean;
  rememberConfirmed(chartDir: string, namespace: string): Promise<void>;
  onDidChange: vscode.Event<void>;
}

/** The namespace in use follows the setting, then a pick, then the context's; the Pods view follows it. */
describe('One namespace for every command', function () {
  this.timeout(60_000);
  let namespaces: Namespaces;
  let watcher: { namespace: string };
  let previous: string | undefined;
  const cfg = () => vscode.workspace.getConfiguration('aksWorker');

  before(async () => {
    const api = (await activateApi()) as unknown as { namespaces: Namespaces; pods: { watcher: { namespace: string } } };
    namespaces = api.namespaces;
    watcher = api.pods.watcher;
    previous = cfg().inspect<string>('namespace')?.workspaceValue;
    await cfg().update('namespace', undefined, vscode.ConfigurationTarget.Workspace);
    await namespaces.set(undefined);
  });

  after(async () => {
    await namespaces.set(undefined);
    await cfg().update('namespace', previous, vscode.ConfigurationTarget.Workspace);
  });

  it('without a setting or a pick: the context\'s namespace (or default), saying so', async () => {
    const now = await eventually(() => (namespaces.current().source !== 'setting' ? namespaces.current() : undefined));
    assert.ok(now);
    assert.ok(now.source === 'context' || now.source === 'default', now.source);
    assert.match(now.why, /context|default/);
    assert.equal(watcher.namespace, now.namespace);
  });

  it('a pick is used by every command and followed by the Pods view', async () => {
    let fired = 0;
    const sub = namespaces.onDidChange(() => fired++);
    await namespaces.set('picked-ns');
    sub.dispose();
    assert.deepEqual({ ...namespaces.current(), context: undefined }, { namespace: 'picked-ns', source: 'picked', why: 'picked with Pick Namespace', context: undefined });
    assert.ok(fired > 0, 'a change is announced (status bar, Pods view)');
    assert.equal(watcher.namespace, 'picked-ns');
  });

  it('the setting wins over the pick; picking while it is set changes the setting where it is set', async () => {
    await cfg().update('namespace', 'from-setting', vscode.ConfigurationTarget.Workspace);
    const now = await eventually(() => (namespaces.current().namespace === 'from-setting' ? namespaces.current() : undefined));
    assert.equal(now?.source, 'setting');
    assert.match(now?.why ?? '', /set by aksWorker\.namespace in (Workspace|Folder) Settings/);
    await namespaces.set('changed-ns');
    assert.equal(cfg().inspect<string>('namespace')?.workspaceValue, 'changed-ns');
    assert.equal(namespaces.current().namespace, 'changed-ns');
    assert.equal(watcher.namespace, 'changed-ns');
    await namespaces.set(undefined);
    assert.equal(cfg().inspect<string>('namespace')?.workspaceValue, undefined, 'clearing removes the setting');
    assert.notEqual(namespaces.current().source, 'setting');
    assert.notEqual(namespaces.current().source, 'picked');
  });

  it('a chart is confirmed once per namespace', async () => {
    const chart = `/nowhere/chart-${process.pid}`;
    assert.equal(namespaces.needsConfirmation(chart, 'ux'), true);
    await namespaces.rememberConfirmed(chart, 'ux');
    assert.equal(namespaces.needsConfirmation(chart, 'ux'), false);
    assert.equal(namespaces.needsConfirmation(chart, 'other'), true);
  });
});
