// A user whose worker has no health endpoint right-clicks its project: Add Health Endpoint lists
// the changes in a modal, applies them, opens the new file and says what to do next; one Undo
// (Ctrl+Z) takes everything back, the new file included. Show Diff shows the change as a unified
// diff first.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseMenuItem, clearNotifications, contextMenuWith, dismiss, eventually, explorerRow, page, runCommand, ui } from './harness.mjs';

const FIXTURE = fileURLToPath(new URL('../../fixtures/plain-workers/net8-default-builder', import.meta.url));
const FOLDER = 'plain-mailer';

describe('Add Health Endpoint from the Explorer', function () {
  this.timeout(180_000);
  beforeEach(dismiss);
  const dir = () => join(ui.workspace, FOLDER);
  const original = new Map();

  before(() => {
    cpSync(FIXTURE, dir(), { recursive: true });
    for (const f of ['Program.cs', 'Contoso.Mailer.csproj', 'Worker.cs']) original.set(f, readFileSync(join(dir(), f)));
  });
  after(async () => {
    await clearNotifications();
    await dismiss();
    await runCommand('View: Close All Editors');
    // An editor left dirty would ask before closing; answer for the user.
    const dontSave = page().locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: /^Don't Save$/ });
    if (await dontSave.count()) await dontSave.first().click();
    rmSync(dir(), { recursive: true, force: true });
  });

  it('confirms, adds WorkerHealth.cs, one Program.cs line and the package; one Undo takes it all back', async () => {
    const p = page();
    const row = await explorerRow(`${FOLDER}/Contoso.Mailer.csproj`);
    const { menu } = await contextMenuWith(row, ['Add Health Endpoint']);
    await chooseMenuItem(menu, 'Add Health Endpoint');

    // MSBuild reads the project first; then a modal lists what will change.
    const dialog = p.locator('.monaco-dialog-box', { hasText: /serve GET http:\/\/\+:8080\/healthz/ });
    await dialog.waitFor({ state: 'visible', timeout: 90_000 });
    const text = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(text, /Create .*WorkerHealth\.cs/);
    assert.match(text, /Change .*Program\.cs: registers it: services\.AddWorkerHealth\(\);/);
    assert.match(text, /Change .*Contoso\.Mailer\.csproj: references Microsoft\.Extensions\.Diagnostics\.HealthChecks 8\.0\.34/);
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Add$/ }).click();

    // The new file opens; the notification names the next step.
    await p.locator('.tabs-container .tab.active', { hasText: 'WorkerHealth.cs' }).waitFor({ state: 'visible', timeout: 20_000 });
    await p.locator('.notifications-toasts .notification-toast', { hasText: /heartbeat\.Beat\(\)/ }).first().waitFor({ state: 'visible', timeout: 15_000 });
    const health = join(dir(), 'WorkerHealth.cs');
    await eventually(() => existsSync(health) && readFileSync(join(dir(), 'Program.cs'), 'utf8').includes('services.AddWorkerHealth();'), { timeout: 20_000, message: 'the files written' });
    assert.equal(readFileSync(join(dir(), 'Program.cs'), 'utf8'), original.get('Program.cs').toString('utf8').replace('services.AddHostedService<Worker>();\n', 'services.AddHostedService<Worker>();\n        services.AddWorkerHealth();\n'));
    assert.match(readFileSync(join(dir(), 'Contoso.Mailer.csproj'), 'utf8'), /<PackageReference Include="Microsoft\.Extensions\.Diagnostics\.HealthChecks" Version="8\.0\.34" \/>/);
    assert.ok(readFileSync(join(dir(), 'Worker.cs')).equals(original.get('Worker.cs')), 'the worker is not edited');

    // Ctrl+Z in Program.cs.
    await clearNotifications();
    await runCommand('Go to File...');
    await p.keyboard.type(`${FOLDER}/Program.cs`);
    await p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Program.cs' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await p.keyboard.press('Enter');
    await p.locator('.tabs-container .tab.active', { hasText: 'Program.cs' }).waitFor({ state: 'visible', timeout: 10_000 });
    await p.locator('.editor-instance .view-lines').first().click();
    await p.keyboard.press('Control+Z');
    // The edit is one undo step across the files; should the workbench ask whether to undo it in
    // every file, the answer is yes.
    const across = p.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: /^Undo in \d+ Files$/ });
    await eventually(
      async () => {
        if (await across.count()) await across.first().click();
        return !existsSync(health);
      },
      { timeout: 15_000, message: 'WorkerHealth.cs removed by the Undo' },
    );
    const editorText = ((await p.locator('.editor-instance .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
    assert.doesNotMatch(editorText, /AddWorkerHealth/, 'the editor shows Program.cs as it was');
    // The undone text is in the editors; saving them writes the files exactly as they were.
    await runCommand('File: Save All');
    await eventually(() => ['Program.cs', 'Contoso.Mailer.csproj', 'Worker.cs'].every((f) => readFileSync(join(dir(), f)).equals(original.get(f))), {
      timeout: 15_000,
      message: 'Program.cs, the project and the worker byte for byte as before',
    });
  });

  it('Show Diff opens the change as a read-only diff, then asks again; Add writes it', async () => {
    const p = page();
    await clearNotifications();
    await runCommand('View: Close All Editors');
    const row = await explorerRow(`${FOLDER}/Program.cs`);
    const { menu } = await contextMenuWith(row, ['Add Health Endpoint']);
    await chooseMenuItem(menu, 'Add Health Endpoint');
    const dialog = p.locator('.monaco-dialog-box', { hasText: /serve GET http:\/\/\+:8080\/healthz/ });
    await dialog.waitFor({ state: 'visible', timeout: 90_000 });
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Show Diff$/ }).click();

    // The diff opens behind a second question; nothing is written before Add.
    const again = p.locator('.monaco-dialog-box', { hasText: /apply the changes shown in the diff\?/ });
    await again.waitFor({ state: 'visible', timeout: 20_000 });
    await p.locator('.tabs-container .tab', { hasText: 'add-health-endpoint.diff' }).waitFor({ state: 'visible', timeout: 10_000 });
    const diff = ((await p.locator('.editor-instance .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
    // The changed files come first, the new file after them.
    assert.match(diff, /--- a\/plain-mailer\/Program\.cs/);
    assert.match(diff, /\+ {8}services\.AddWorkerHealth\(\);/);
    assert.match(diff, /--- a\/plain-mailer\/Contoso\.Mailer\.csproj/);
    assert.match(diff, /--- \/dev\/null\+\+\+ b\/plain-mailer\/WorkerHealth\.cs/);
    assert.ok(!existsSync(join(dir(), 'WorkerHealth.cs')), 'nothing written before Add');
    await again.locator('.dialog-buttons .monaco-button', { hasText: /^Add$/ }).click();
    await eventually(() => existsSync(join(dir(), 'WorkerHealth.cs')) && readFileSync(join(dir(), 'Program.cs'), 'utf8').includes('        services.AddWorkerHealth();\n'), {
      timeout: 20_000,
      message: 'the edit applied and saved',
    });
    assert.match(readFileSync(join(dir(), 'Contoso.Mailer.csproj'), 'utf8'), /Microsoft\.Extensions\.Diagnostics\.HealthChecks/);
  });
});
