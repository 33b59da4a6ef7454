import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, requireRig, workspaceRoot } from './helpers';

interface Row {
  name: string;
  value: string;
  from: string;
  link?: { id: number; label: string };
  ignored?: string;
}
interface ShutdownPanel {
  shutdown(): Promise<{ verdict: string; message: string; rows: Row[]; overridden: Row[]; notes: string[]; offer?: { seconds: number }; hint?: { text: string; link?: { id: number; label: string } }; unavailable?: string }>;
  setGrace(seconds: number): Promise<void>;
  dispose(): void;
}

const rowOf = (rows: Row[], name: string) => {
  const r = rows.find((x) => x.name === name);
  assert.ok(r, `a ${name} row in ${JSON.stringify(rows)}`);
  return r;
};

/**
 * The probe form's Shutdown section: the pod's grace period and preStop as Helm renders the chart
 * (the rig's Helm 4), against the worker's ShutdownTimeout read from its project.
 */
describe('Probe form: shutdown budget (against the rig\'s Helm)', function () {
  this.timeout(180_000);
  const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');
  const copy = () => join(workspaceRoot().fsPath, 'tmp-shutdown');
  const chartDir = () => join(copy(), 'charts', 'sample-worker');
  const opened: ShutdownPanel[] = [];

  before(async function () {
    const r = requireRig(this);
    await vscode.workspace.getConfiguration('aksWorker').update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
  });
  after(() => {
    for (const p of opened) p.dispose();
    rmSync(copy(), { recursive: true, force: true });
  });

  const open = async (dir: string) => {
    const panel = (await vscode.commands.executeCommand('aksWorker.editProbes', vscode.Uri.file(dir))) as ShutdownPanel;
    assert.ok(panel, 'Edit Probes returns its panel');
    opened.push(panel);
    return panel;
  };

  it('the sample chart: no grace period in the chart, so Kubernetes\' 30 s against the worker\'s ShutdownTimeout, and where the template needs it', async () => {
    const panel = await open(join(workspaceRoot().fsPath, 'charts', 'sample-worker'));
    const s = await panel.shutdown();
    assert.equal(s.unavailable, undefined, s.unavailable);
    const grace = rowOf(s.rows, 'terminationGracePeriodSeconds');
    assert.equal(grace.value, '30 s');
    assert.match(grace.from, /not set: Kubernetes' default/);
    const timeout = rowOf(s.rows, 'ShutdownTimeout');
    const seconds = Number(/^(\d+) s$/.exec(timeout.value)?.[1]);
    assert.ok(Number.isInteger(seconds), timeout.value);
    // The project is found beside the chart and its target framework read.
    if (timeout.from.startsWith('the .NET default')) assert.match(timeout.from, /SampleWorker\.csproj targets net\d+\.0/);
    assert.equal(rowOf(s.rows, 'preStop').value, 'none');
    assert.equal(s.verdict, seconds + 5 <= 30 ? 'ok' : 'warning');
    assert.match(s.message, /Kubernetes kills at 30 s/);
    // The chart does not expose the grace period: nothing to set, and where the template would need it.
    assert.equal(s.offer, undefined);
    assert.match(s.hint?.text ?? '', /templates\/deployment\.yaml sets no terminationGracePeriodSeconds.*beside "containers:" \(templates\/deployment\.yaml:\d+\)/);
    // The value it suggests meets the budget.
    assert.match(s.hint?.text ?? '', new RegExp(`"terminationGracePeriodSeconds: ${Math.max(30, seconds + 5)}" to values\\.yaml`));
    assert.match(s.hint?.link?.label ?? '', /charts\/sample-worker\/templates\/deployment\.yaml:\d+$/);
    panel.dispose();
  });

  it('a chart that exposes the grace period: each number links to its file and line; the form sets the recommended value, checked by a render', async () => {
    mkdirSync(copy(), { recursive: true });
    for (const part of ['charts', 'src']) cpSync(join(fixture, part), join(copy(), part), { recursive: true, filter: (f) => !/[\\/](bin|obj)$/.test(f) });
    const template = join(chartDir(), 'templates', 'deployment.yaml');
    writeFileSync(template, readFileSync(template, 'utf8').replace('    spec:\n      containers:', '    spec:\n      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}\n      containers:').replace('          ports:', '          lifecycle:\n            preStop:\n              exec:\n                command: ["sleep", "5"]\n          ports:'));
    const values = join(chartDir(), 'values.yaml');
    writeFileSync(values, `${readFileSync(values, 'utf8')}\n# How long a stop may take before Kubernetes kills the worker.\nterminationGracePeriodSeconds: 30\n`);
    writeFileSync(join(copy(), 'src', 'SampleWorker', 'appsettings.json'), '\ufeff{\r\n  // the host waits this long for the worker on a stop\r\n  "shutdownTimeoutSeconds": 40,\r\n  "Urls": "http://+:8080",\r\n}\r\n');
    const panel = await open(chartDir());
    const s = await panel.shutdown();
    assert.equal(s.unavailable, undefined, s.unavailable);
    const grace = rowOf(s.rows, 'terminationGracePeriodSeconds');
    assert.equal(grace.value, '30 s');
    assert.match(grace.link?.label ?? '', /tmp-shutdown\/charts\/sample-worker\/values\.yaml:\d+$/);
    const timeout = rowOf(s.rows, 'ShutdownTimeout');
    assert.equal(timeout.value, '40 s');
    assert.equal(timeout.link?.label, 'tmp-shutdown/src/SampleWorker/appsettings.json:3');
    assert.equal(rowOf(s.rows, 'preStop').value, '5 s');
    assert.equal(s.verdict, 'warning');
    assert.match(s.message, /A stop gives the worker 25 s to finish its job, after preStop's 5 s; the host waits 40 s; Kubernetes kills at 30 s — raise terminationGracePeriodSeconds to at least ShutdownTimeout \+ preStop \+ 5 s \(preStop 5 s \+ ShutdownTimeout 40 s \+ 5 s = 50 s\)/);
    assert.deepEqual(s.offer, { seconds: 50 });
    // A link opens the file at the line.
    const onMessage = (panel as unknown as { onMessage(m: unknown): Promise<void> }).onMessage.bind(panel);
    await onMessage({ type: 'openSource', id: timeout.link?.id });
    const editor = await eventually(async () => (vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('appsettings.json') ? vscode.window.activeTextEditor : undefined));
    assert.ok(editor, 'the link opens appsettings.json');
    assert.equal(editor.selection.active.line, 2);
    // Set it as offered: only that line of values.yaml changes, and the budget is met.
    const before = readFileSync(values, 'utf8');
    await panel.setGrace(50);
    assert.equal(readFileSync(values, 'utf8'), before.replace(/^terminationGracePeriodSeconds: 30$/m, 'terminationGracePeriodSeconds: 50'));
    const after = await panel.shutdown();
    assert.equal(after.verdict, 'ok');
    assert.equal(rowOf(after.rows, 'terminationGracePeriodSeconds').value, '50 s');
    assert.equal(after.offer, undefined);
  });
});
