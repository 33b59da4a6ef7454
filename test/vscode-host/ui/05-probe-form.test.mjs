// A user opens the probe form on the sample chart, changes failureThreshold, sees the budget and
// the picture follow, saves, and finds only that value changed in values.yaml.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeWebview, dismiss, eventually, page, runCommand, ui } from './harness.mjs';

describe('Probe form', () => {
  let valuesPath;
  let original;

  let settingsFile;
  let previousSettings;

  before(() => {
    valuesPath = join(ui.workspace, 'charts', 'sample-worker', 'values.yaml');
    original = readFileSync(valuesPath, 'utf8');
    // VS Code for the Web saves editors after a delay by default; this user saves by hand.
    mkdirSync(join(ui.workspace, '.vscode'), { recursive: true });
    settingsFile = join(ui.workspace, '.vscode', 'settings.json');
    try {
      previousSettings = readFileSync(settingsFile, 'utf8');
    } catch {
      previousSettings = undefined;
    }
    writeFileSync(settingsFile, JSON.stringify({ ...(previousSettings ? JSON.parse(previousSettings) : {}), 'files.autoSave': 'off' }, null, 2));
  });
  // Later tests install the sample chart as it came.
  after(() => {
    writeFileSync(valuesPath, original);
    if (previousSettings !== undefined) writeFileSync(settingsFile, previousSettings);
    else rmSync(settingsFile, { force: true });
  });

  it('opens from the command palette and shows the budget of the sample chart', async () => {
    await dismiss();
    await runCommand('AKS Worker: Edit Probes');
    await page().locator('.tabs-container .tab', { hasText: 'Probes: sample-worker' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    const web = activeWebview();
    await eventually(async () => (await web.locator('#figure-max-block .value').textContent()) === '55 s', { timeout: 20_000, message: 'a 55 s budget' });
    assert.equal(await web.locator('#figure-restart .value').textContent(), '95 s');
    assert.match((await web.locator('svg.timeline').textContent()) ?? '', /killed at 65 s/);
  });

  it('recomputes the budget and the picture as failureThreshold changes', async () => {
    const web = activeWebview();
    const input = web.locator('#liveness-failureThreshold input');
    await input.click();
    await input.press('Control+A');
    await input.type('8');
    await eventually(async () => (await web.locator('#figure-max-block .value').textContent()) === '75 s', { message: 'a 75 s budget' });
    await eventually(async () => /killed at 85 s/.test((await web.locator('svg.timeline').textContent()) ?? ''), { message: 'the timeline redrawn' });
    assert.match((await web.locator('header').textContent()) ?? '', /unsaved changes/);
  });

  it('checks a p99 against the budget and offers settings that cover it', async () => {
    const web = activeWebview();
    const p99 = web.locator('#p99 input');
    await p99.click();
    await p99.type('90');
    await eventually(async () => /Not covered/.test((await web.locator('#p99-verdict').textContent()) ?? ''), { message: 'the p99 verdict' });
    assert.ok((await web.locator('.suggestion').count()) >= 2);
    await p99.press('Control+A');
    await p99.press('Backspace');
  });

  it('shows why a value is refused, next to the field', async () => {
    const web = activeWebview();
    const input = web.locator('#liveness-successThreshold input');
    await input.click();
    await input.type('2');
    await eventually(async () => /Must be 1/.test((await web.locator('#liveness-successThreshold-help').textContent()) ?? ''), { message: 'the reason under the field' });
    assert.equal(await web.locator('#save').getAttribute('disabled'), '');
    await input.press('Control+A');
    await input.press('Backspace');
    await eventually(
      async () => {
        if ((await web.locator('#save').getAttribute('disabled')) === null) return true;
        // A keystroke can land while the form redraws the field: clear it again, as a person would.
        if ((await input.inputValue()) !== '') {
          await input.press('Control+A');
          await input.press('Backspace');
        }
        return false;
      },
      { timeout: 30_000, message: 'Save enabled again' },
    );
  });

  it('saves, and only failureThreshold changed in values.yaml', async () => {
    const web = activeWebview();
    await web.locator('#save').click();
    await eventually(async () => /Saved to/.test((await web.locator('.status').textContent().catch(() => '')) ?? ''), { timeout: 20_000, message: 'the saved message' });
    const after = readFileSync(valuesPath, 'utf8');
    assert.equal(after, original.replace('failureThreshold: 6', 'failureThreshold: 8'));
  });
});
