import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateApi, say } from './helpers';

describe('Doctor', () => {
  it('reports the tools the workflow needs', async () => {
    const api = await activateApi();
    const report = await api.doctor();
    assert.ok(Array.isArray(report.tools) && report.tools.length > 0, 'doctor lists tools');
    for (const t of report.tools) {
      assert.equal(typeof t.name, 'string', 'tool has a name');
      assert.equal(typeof t.found, 'boolean', `${t.name}.found is boolean`);
      assert.equal(typeof t.required, 'boolean', `${t.name}.required is boolean`);
      if (t.found) assert.ok(!t.path || t.path.length > 0, `${t.name}.path is set when found`);
    }
    const names = report.tools.map((t) => t.name.toLowerCase());
    for (const tool of ['docker', 'helm', 'kubectl']) {
      assert.ok(
        names.some((n) => n.includes(tool)),
        `doctor checks ${tool} (got ${names.join(', ')})`,
      );
    }
    const expectedOk = report.tools.filter((t) => t.required).every((t) => t.found);
    assert.equal(report.ok, expectedOk, 'ok is true exactly when every required tool was found');
    for (const t of report.tools) {
      const state = t.found ? `found ${t.version ?? ''} ${t.path ?? ''}`.trim() : 'missing';
      say(`    ${t.required ? 'required' : 'optional'} ${t.name}: ${state}`);
    }
  });

  it('runs the aksWorker.doctor command without throwing', async () => {
    await activateApi();
    // The command may show UI (notification / output); it must not reject.
    await Promise.race([
      vscode.commands.executeCommand('aksWorker.doctor'),
      new Promise((r) => setTimeout(r, 15_000)),
    ]);
  });
});
