import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ensureDotnetImages } from '../support/dotnetImages';
import { activateApi, children, eventually, labelOf, requireRig, textOf, workspaceRoot } from './helpers';

type Report = { ok: boolean; image: string; reach: string; problems: Array<{ kind: string; message: string }>; stop?: { exitCode?: number; killed: boolean }; checks: Array<{ ok: boolean }> };

/** The Image step's rows in the Workflow view: [label, description, has the problem icon]. */
async function imageRows(): Promise<Array<[string, string, boolean]>> {
  const api = await activateApi();
  const step = (await children(api)).find((c) => labelOf(c.item) === 'Image');
  if (!step) return [];
  return (await children(api, step.element)).map((c) => [labelOf(c.item), textOf(c.item.description), (c.item.iconPath as vscode.ThemeIcon | undefined)?.id === 'error']);
}

describe('Preflight in VS Code (the rig\'s Docker engine)', function () {
  this.timeout(300_000);
  const values = () => vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker', 'values.yaml');
  let original = '';

  before(async function () {
    const r = requireRig(this);
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    await cfg.update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
    await cfg.update('build.extraArgs', ['--network', 'none'], vscode.ConfigurationTarget.Workspace);
    await ensureDotnetImages({ env: process.env });
    original = new TextDecoder().decode(await vscode.workspace.fs.readFile(values()));
  });

  after(async () => {
    await vscode.workspace.fs.writeFile(values(), new TextEncoder().encode(original));
  });

  it('the code scan: a worker whose code serves no health endpoint gets Add Health Endpoint under Image, until it serves one', async () => {
    const program = vscode.Uri.joinPath(workspaceRoot(), 'src', 'SampleWorker', 'Program.cs');
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(program));
    const without = text.replace('app.MapHealthChecks("/healthz");', '// the endpoint is gone');
    assert.notEqual(without, text);
    const scanRow = async () => (await imageRows()).find(([l]) => l === 'Add Health Endpoint');
    assert.equal(await scanRow(), undefined, 'no row while Program.cs maps the endpoint');
    await vscode.workspace.fs.writeFile(program, new TextEncoder().encode(without));
    try {
      const row = await eventually(scanRow, 20_000);
      assert.deepEqual(row, ['Add Health Endpoint', 'SampleWorker.csproj serves no HTTP health endpoint', true]);
    } finally {
      await vscode.workspace.fs.writeFile(program, new TextEncoder().encode(text));
    }
    assert.ok(await eventually(async () => !(await scanRow()), 20_000), 'the row goes once the endpoint is back');
  });

  it('from the Dockerfile: builds the image, runs it and probes it with the chart\'s probes; the Workflow view shows it passed', async () => {
    const dockerfile = vscode.Uri.joinPath(workspaceRoot(), 'src', 'SampleWorker', 'Dockerfile');
    const report = await vscode.commands.executeCommand<Report>('aksWorker.preflight', dockerfile, { durationSeconds: 14 });
    assert.ok(report, 'Preflight returned its report');
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.image, 'aks-worker-preflight/sample-worker:latest');
    assert.equal(report.reach, 'netns');
    assert.ok(report.checks.some((c) => c.ok), 'a liveness check passed');
    assert.equal(report.stop?.exitCode, 0);
    const rows = await eventually(async () => {
      const r = await imageRows();
      return r.some(([l, d]) => l === 'Preflight' && /^passed/.test(d)) ? r : undefined;
    });
    assert.ok(rows, `the Image step shows the preflight: ${JSON.stringify(await imageRows())}`);
    assert.ok(!rows.some(([l]) => l === 'Add Health Endpoint'), 'no Add Health Endpoint for a worker that has one');
  });

  it('a probe on a path the worker does not serve: failed, with the paths that answer, and Add Health Endpoint offered', async () => {
    await vscode.workspace.fs.writeFile(values(), new TextEncoder().encode(original.replace('path: /healthz', 'path: /ready')));
    const report = await vscode.commands.executeCommand<Report>('aksWorker.preflight', vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker'), { image: 'aks-worker-preflight/sample-worker:latest', durationSeconds: 5 });
    assert.equal(report.ok, false);
    assert.equal(report.problems[0].kind, 'wrong-path');
    assert.match(report.problems[0].message, /^No endpoint at \/ready: the worker answers 404 there\. These paths answered: \/healthz \(200\)\.$/);
    const rows = await eventually(async () => {
      const r = await imageRows();
      return r.some(([l, , problem]) => l === 'Preflight' && problem) ? r : undefined;
    });
    assert.ok(rows, `the Image step shows the failure: ${JSON.stringify(await imageRows())}`);
    assert.deepEqual(rows.find(([l]) => l === 'Preflight'), ['Preflight', report.problems[0].message, true]);
    assert.deepEqual(rows.find(([l]) => l === 'Add Health Endpoint'), ['Add Health Endpoint', 'preflight found no health endpoint', true]);
  });
});
