// A user opens the probe form on the sample chart, changes failureThreshold, sees the budget and
// the picture follow, saves, and finds only that value changed in values.yaml.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeWebview, dismiss, eventually, page, replaceMachineSettings, rigEnv, runCommand, skipWithoutRig, ui } from './harness.mjs';

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

  it("shows the shutdown budget beside it: the grace period and the worker's ShutdownTimeout, each with where it comes from", async function () {
    skipWithoutRig(this, ': the grace period comes from Helm\'s render');
    const web = activeWebview();
    await web.locator('#shutdown').waitFor({ state: 'visible', timeout: 20_000 });
    // helm is set up now; Check again reads the chart and the project again.
    const restore = replaceMachineSettings({ 'aksWorker.paths.helm': rigEnv().RIG_HELM4 });
    try {
      await eventually(
        async () => {
          await web.locator('#refresh-shutdown').click();
          return /Kubernetes kills at 30 s/.test((await web.locator('#shutdown-verdict').textContent({ timeout: 15_000 }).catch(() => '')) ?? '');
        },
        { timeout: 90_000, interval: 5_000, message: 'the shutdown verdict from Helm\'s render' },
      );
      assert.match((await web.locator('#shutdown-terminationgraceperiodseconds').textContent()) ?? '', /30 s\s*not set: Kubernetes' default/);
      assert.match((await web.locator('#shutdown-shutdowntimeout').textContent()) ?? '', /^\s*ShutdownTimeout\s*\d+ s/);
      assert.match((await web.locator('#shutdown-prestop').textContent()) ?? '', /none/);
      assert.match((await web.locator('#shutdown-hint').textContent()) ?? '', /sets no terminationGracePeriodSeconds.*templates\/deployment\.yaml:\d+/);
    } finally {
      restore();
    }
  });
});
