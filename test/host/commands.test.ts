import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateApi, getExtension } from './helpers';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

function contributedCommands(): ContributedCommand[] {
  const commands = getExtension().packageJSON?.contributes?.commands as ContributedCommand[] | undefined;
  assert.ok(Array.isArray(commands) && commands.length > 0, 'package.json contributes.commands is a non-empty list');
  return commands;
}

describe('commands', () => {
  before(async () => {
    await activateApi();
  });

  it('registers every command listed in package.json contributes.commands', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributedCommands()
      .map((c) => c.command)
      .filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('puts every command in the "AKS Worker" category', () => {
    const outside = contributedCommands()
      .filter((c) => c.category !== 'AKS Worker')
      .map((c) => `${c.command} (${c.category ?? 'no category'})`);
    assert.deepEqual(outside, []);
  });

  it('contributes the core workflow commands', () => {
    const ids = new Set(contributedCommands().map((c) => c.command));
    const expected = [
      'aksWorker.addDockerfile',
      'aksWorker.buildImage',
      'aksWorker.buildAndPush',
      'aksWorker.pushImage',
      'aksWorker.createChart',
      'aksWorker.editProbes',
      'aksWorker.dryRun',
      'aksWorker.upgradeInstall',
      'aksWorker.bumpVersion',
      'aksWorker.watchPods',
      'aksWorker.doctor',
    ];
    assert.deepEqual(
      expected.filter((id) => !ids.has(id)),
      [],
    );
  });
});
