import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { OLD_DEPLOYMENT } from '../unit/helmCreateFixtures';
import { eventually, workspaceRoot } from './helpers';

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

  it('a values.yaml that does not parse: the form says where (workspace-relative), and Save refuses, linking there', async () => {
    const before = await read();
    const broken = before.replace('healthPort: 8080', 'healthPort: 8080: 9090');
    const line = broken.split('\n').findIndex((l) => l.startsWith('healthPort:')) + 1;
    await vscode.workspace.fs.writeFile(values(), new TextEncoder().encode(broken));
    try {
      const s = (await eventually(async () => ((await panel.state()) as { problem?: unknown }).problem && (await panel.state()), 10_000)) as unknown as { problem: { message: string; at: unknown } };
      assert.deepEqual(s.problem.at, { which: 'values', file: 'charts/sample-worker/values.yaml', line, column: 13 });
      assert.match(s.problem.message, /Nested mappings/);
      const err = await panel.save({ liveness: { handler: { type: 'httpGet', path: '/healthz', port: 'health' }, failureThreshold: 9 } }).then(
        () => undefined,
        (e: unknown) => e as Error & { at?: unknown },
      );
      assert.ok(err, 'Save refused');
      assert.match(err.message, new RegExp(`^charts/sample-worker/values\\.yaml:${line}:13: Nested mappings.*Nothing was saved\\.$`));
      assert.ok(!err.message.includes(workspaceRoot().fsPath), 'no absolute path');
      assert.deepEqual(err.at, s.problem.at);
      assert.equal(await read(), broken);
    } finally {
      await vscode.workspace.fs.writeFile(values(), new TextEncoder().encode(before));
    }
  });
});

describe('Probe form as a custom editor', function () {
  this.timeout(60_000);
  const values = () => vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker', 'values.yaml');
  const read = async () => new TextDecoder().decode(await vscode.workspace.fs.readFile(values()));
  const comment = '# here (failureThreshold - 1) x periodSeconds + timeoutSeconds = 55 s.';
  const tab = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Probes: sample-worker');
  const timings = (t: Record<string, string> = {}) => ({ initialDelaySeconds: '', periodSeconds: '10', timeoutSeconds: '5', successThreshold: '', failureThreshold: '6', terminationGracePeriodSeconds: '', ...t });
  const off = { enabled: false, type: 'httpGet', path: '/healthz', port: 'health', scheme: 'HTTP', headers: '', command: '', service: '', timings: timings({ periodSeconds: '', timeoutSeconds: '', failureThreshold: '' }) };
  const draft = (failureThreshold: string) => ({ liveness: { ...off, enabled: true, timings: timings({ failureThreshold }) }, readiness: off, startup: off });
  let original: string;
  let panel: PanelForTests & { onMessage(m: unknown): Promise<void> };

  let previousAutoSave: string | undefined;

  before(async () => {
    // Saved by hand here (VS Code for the Web saves after a delay by default).
    previousAutoSave = vscode.workspace.getConfiguration('files').inspect<string>('autoSave')?.workspaceValue;
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
    original = await read();
    await vscode.workspace.fs.writeFile(values(), new TextEncoder().encode(original.replace(/^livenessProbe:/m, `${comment}\nlivenessProbe:`)));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    panel = (await vscode.commands.executeCommand('aksWorker.editProbes', vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker'))) as typeof panel;
  });
  after(async () => {
    panel?.dispose();
    await vscode.workspace.fs.writeFile(values(), new TextEncoder().encode(original));
    await vscode.workspace.getConfiguration('files').update('autoSave', previousAutoSave, vscode.ConfigurationTarget.Workspace);
  });

  it('opens as the custom editor of the chart\'s values.yaml, titled after the chart', () => {
    const t = tab();
    assert.ok(t, 'a "Probes: sample-worker" tab');
    assert.ok(t.input instanceof vscode.TabInputCustom);
    assert.equal((t.input as vscode.TabInputCustom).viewType, 'aksWorker.probes');
    assert.equal((t.input as vscode.TabInputCustom).uri.toString(), values().toString());
    assert.equal(t.isDirty, false);
  });

  it('a change in the form makes it dirty; VS Code\'s Save writes it, restating our budget comment, and it is clean again', async () => {
    await panel.onMessage({ type: 'changed', dirty: true, draft: draft('10'), probes: { liveness: { handler: { type: 'httpGet', path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 10 } } });
    assert.ok(await eventually(async () => tab()?.isDirty, 5_000), 'dirty');
    await vscode.commands.executeCommand('workbench.action.files.save');
    const text = (await eventually(async () => {
      const t = await read();
      return /failureThreshold: 10\n/.test(t) ? t : undefined;
    }, 10_000)) as string;
    assert.ok(text, 'values.yaml saved with failureThreshold 10');
    assert.ok(text.includes('# here (failureThreshold - 1) x periodSeconds + timeoutSeconds = 95 s.\nlivenessProbe:'), text);
    assert.ok(await eventually(async () => tab()?.isDirty === false, 5_000), 'clean after the save');
  });

  it('an invalid form is not saved: VS Code\'s Save fails with the reason and the form stays dirty', async () => {
    {
      const before = await read();
      await panel.onMessage({ type: 'changed', dirty: true, draft: draft('2.5'), error: 'Liveness probe, Failure threshold: Use a whole number of checks (probes).' });
      assert.ok(await eventually(async () => tab()?.isDirty, 5_000), 'dirty');
      await assert.rejects((panel as unknown as { saveDraft(): Promise<void> }).saveDraft(), /Nothing was saved: Liveness probe, Failure threshold: Use a whole number of checks/);
      assert.equal(await read(), before);
      assert.equal(tab()?.isDirty, true);
      // Revert drops the draft and the marker
      await vscode.commands.executeCommand('workbench.action.files.revert');
      assert.ok(await eventually(async () => tab()?.isDirty === false, 5_000), 'clean after Revert');
      assert.equal(await read(), before);
    }
  });
});

describe('Probe form on an older chart with probes inline in the template', function () {
  this.timeout(60_000);
  const dir = () => vscode.Uri.joinPath(workspaceRoot(), 'charts', 'old-style');
  const file = (...p: string[]) => vscode.Uri.joinPath(dir(), ...p);
  const read = async (...p: string[]) => new TextDecoder().decode(await vscode.workspace.fs.readFile(file(...p)));
  let panel: PanelForTests & { moveToValues(): Promise<void>; addToValues(): Promise<void> };

  before(async () => {
    const write = (p: string[], text: string) => vscode.workspace.fs.writeFile(file(...p), new TextEncoder().encode(text));
    await write(['Chart.yaml'], 'apiVersion: v2\nname: old-style\nversion: 0.1.0\nappVersion: "1.0.0"\n');
    await write(['values.yaml'], '# values of an older chart\nreplicaCount: 1\nimage:\n  repository: r.io/old\n  tag: ""\n');
    await write(['templates', 'deployment.yaml'], OLD_DEPLOYMENT);
    panel = (await vscode.commands.executeCommand('aksWorker.editProbes', dir())) as typeof panel;
  });
  after(async () => {
    panel?.dispose();
    await vscode.workspace.fs.delete(dir(), { recursive: true });
  });

  it('edits the inline block, then moves the probes to values.yaml on request', async () => {
    assert.equal((await panel.state()).location, 'template');
    await panel.moveToValues();
    const s = await panel.state();
    assert.equal(s.location, 'values');
    assert.deepEqual(s.probes.liveness, { handler: { type: 'httpGet', path: '/', port: 'http' } });
    assert.match(await read('values.yaml'), /^# values of an older chart\nreplicaCount: 1\n(?:.*\n)*livenessProbe:\n {2}httpGet:\n {4}path: \/\n {4}port: http\n/);
    assert.match(await read('templates', 'deployment.yaml'), /\{\{- with \.Values\.livenessProbe \}\}/);
  });

  it('on a template without probes, adds them to values.yaml (off) on request', async () => {
    const deployment = (await read('templates', 'deployment.yaml')).replace(/ *\{\{- with \.Values\.\w+Probe \}\}\n.*\n.*\n *\{\{- end \}\}\n/g, '');
    await vscode.workspace.fs.writeFile(file('templates', 'deployment.yaml'), new TextEncoder().encode(deployment));
    await vscode.workspace.fs.writeFile(file('values.yaml'), new TextEncoder().encode('replicaCount: 1\n'));
    // The documents VS Code has open follow the files on disk a moment later: wait for them, as a
    // person would see the editors change before pressing the button.
    const synced = (name: string, text: string) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file(...name.split('/')).toString());
      return !doc || doc.getText() === text;
    };
    assert.ok(await eventually(async () => synced('values.yaml', 'replicaCount: 1\n') && synced('templates/deployment.yaml', deployment), 10_000), 'the open documents follow the files');
    assert.ok(await eventually(async () => (await panel.state()).location === 'none', 10_000), 'the form sees a chart without probes');
    await panel.addToValues();
    const s = await panel.state();
    assert.equal(s.location, 'values');
    assert.deepEqual(s.probes, {});
    const expected = 'replicaCount: 1\nlivenessProbe: {}\nreadinessProbe: {}\nstartupProbe: {}\n';
    assert.ok(await eventually(async () => (await read('values.yaml')) === expected, 10_000), `values.yaml is ${JSON.stringify(await read('values.yaml'))}`);
  });
});
