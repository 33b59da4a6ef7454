// The probe form behaves like an editor: a change marks its tab dirty, Ctrl+S saves (and the
// "Saved to" line shows however far the page is scrolled), closing with unsaved changes asks
// Save / Don't Save / Cancel, Enter applies a field, invalid text stays with a reason in the
// field's unit, and a values.yaml that does not parse gets a banner linking to the error's place.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeWebview, dismiss, escapeRe, eventually, page, retype, runCommand, ui } from './harness.mjs';

const TITLE = 'Probes: sample-worker';
/** The comment a chart created by the extension has above livenessProbe; the form restates it on save. */
const BUDGET_COMMENT = '# here (failureThreshold - 1) x periodSeconds + timeoutSeconds = 55 s.';

const tab = () => page().locator('.tabs-container .tab', { hasText: TITLE }).first();

/** Edit Probes from the palette; with several charts in the workspace it asks which. */
async function openProbeForm() {
  // the command is offered once the extension has found the chart (run alone, this file may start first)
  await eventually(() => runCommand('AKS Worker: Edit Probes').then(() => true), { timeout: 60_000, interval: 1000, message: 'Edit Probes in the palette' });
  const pick = page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'charts/sample-worker' }).first();
  await eventually(
    async () => {
      if (await tab().isVisible()) return true;
      if (await pick.isVisible()) await pick.click();
      return false;
    },
    { timeout: 20_000, message: 'the probe form of sample-worker' },
  );
  const web = activeWebview();
  await web.locator('#liveness-failureThreshold input').waitFor({ state: 'visible', timeout: 20_000 });
  return web;
}

const isDirty = async () => ((await tab().getAttribute('class')) ?? '').split(/\s+/).includes('dirty');

/** Closes the form's tab with its close button, as a person does. */
async function closeTab() {
  await tab().hover();
  await tab().locator('.tab-actions .action-label').first().click();
}

/** The modal dialog asking about unsaved changes; clicks `button`. */
async function answerDialog(button) {
  const dialog = page().locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 15_000 });
  const text = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
  const labels = (await dialog.locator('.dialog-buttons .monaco-button').allTextContents()).map((t) => t.trim());
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^${escapeRe(button)}$`) }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  return { text, labels };
}

describe('Probe form as an editor', function () {
  this.timeout(120_000);
  let valuesPath;
  let original;
  let settingsFile;
  let previousSettings;

  before(async () => {
    valuesPath = join(ui.workspace, 'charts', 'sample-worker', 'values.yaml');
    original = readFileSync(valuesPath, 'utf8');
    // VS Code for the Web saves after a delay by default; this user saves by hand (and is asked on close).
    mkdirSync(join(ui.workspace, '.vscode'), { recursive: true });
    settingsFile = join(ui.workspace, '.vscode', 'settings.json');
    try {
      previousSettings = readFileSync(settingsFile, 'utf8');
    } catch {
      previousSettings = undefined;
    }
    writeFileSync(settingsFile, JSON.stringify({ ...(previousSettings ? JSON.parse(previousSettings) : {}), 'files.autoSave': 'off' }, null, 2));
    // As a chart the extension created: its comment states the budget above livenessProbe.
    writeFileSync(valuesPath, original.replace(/^# The worker blocks.*$/m, (l) => `${l}\n${BUDGET_COMMENT}`));
    await dismiss();
    await runCommand('View: Close All Editors');
  });

  after(async () => {
    await dismiss();
    // Close whatever is open without saving it, then put the chart back as it came.
    await runCommand('View: Revert and Close Editor').catch(() => {});
    await runCommand('View: Close All Editors').catch(() => {});
    const dialog = page().locator('.monaco-dialog-box');
    if (await dialog.isVisible().catch(() => false)) await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Don't Save$/ }).click();
    writeFileSync(valuesPath, original);
    if (previousSettings !== undefined) writeFileSync(settingsFile, previousSettings);
    else rmSync(settingsFile, { force: true });
  });

  it('a change marks the tab dirty; Ctrl+S saves, the marker goes and "Saved to" shows though the page is scrolled', async () => {
    const web = await openProbeForm();
    assert.equal(await isDirty(), false, 'a fresh form is not dirty');
    const input = web.locator('#liveness-failureThreshold input');
    await retype(input, '7');
    await eventually(isDirty, { message: 'the dirty marker on the tab' });
    // scrolled to the bottom, where the timeline is, before saving
    await eventually(() => web.locator('body').evaluate(() => (window.scrollTo(0, document.body.scrollHeight), window.scrollY > 0)), { message: 'the page scrolled down' });
    await input.press('Control+s');
    await eventually(() => /failureThreshold: 7\n/.test(readFileSync(valuesPath, 'utf8')), { timeout: 20_000, message: 'values.yaml saved' });
    await eventually(async () => !(await isDirty()), { message: 'the dirty marker gone' });
    const status = web.locator('header .status');
    await eventually(async () => /^Saved to charts\/sample-worker\/values\.yaml\.$/.test(((await status.textContent()) ?? '').trim()), { message: 'the Saved line' });
    // not under the sticky header, nor scrolled away: the element at its centre is the line itself
    const seen = await status.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return { top: r.top, bottom: r.bottom, height: window.innerHeight, scrolled: window.scrollY, onTop: !!at && (at === el || el.contains(at)) };
    });
    assert.ok(seen.scrolled > 0, `the page is scrolled (${JSON.stringify(seen)})`);
    assert.ok(seen.top >= 0 && seen.bottom <= seen.height && seen.onTop, `the Saved line is visible: ${JSON.stringify(seen)}`);
    const saved = readFileSync(valuesPath, 'utf8');
    // only the value and our budget comment (now 65 s) changed
    assert.equal(saved, original.replace(/^# The worker blocks.*$/m, (l) => `${l}\n${BUDGET_COMMENT.replace('55 s', '65 s')}`).replace('failureThreshold: 6', 'failureThreshold: 7'));
  });

  it('closing with unsaved changes asks: Cancel keeps the form and its changes, Don\'t Save discards them', async () => {
    const web = activeWebview();
    await retype(web.locator('#liveness-failureThreshold input'), '9');
    await eventually(isDirty, { message: 'dirty again' });
    await closeTab();
    const asked = await answerDialog('Cancel');
    assert.match(asked.text, /save the changes/i);
    assert.deepEqual(asked.labels.sort(), ['Cancel', "Don't Save", 'Save'].sort());
    assert.ok(await tab().isVisible(), 'Cancel keeps the form open');
    assert.ok(await isDirty(), 'and still dirty');
    assert.equal(await activeWebview().locator('#liveness-failureThreshold input').inputValue(), '9', 'with the change kept');
    await closeTab();
    await answerDialog("Don't Save");
    await eventually(async () => (await tab().count()) === 0, { message: 'the form closed' });
    assert.match(readFileSync(valuesPath, 'utf8'), /failureThreshold: 7\n/, 'Don\'t Save left the file as saved before');
    const again = await openProbeForm();
    assert.equal(await again.locator('#liveness-failureThreshold input').inputValue(), '7', 'the discarded change is gone');
    assert.equal(await isDirty(), false);
  });

  it('text a threshold cannot hold stays in the field, with the reason in checks, and Save is off', async () => {
    const web = activeWebview();
    const input = web.locator('#liveness-failureThreshold input');
    await retype(input, '2.5');
    const help = web.locator('#liveness-failureThreshold-help');
    await eventually(async () => /whole number of checks/.test((await help.textContent()) ?? ''), { message: 'the reason under the field' });
    assert.doesNotMatch((await help.textContent()) ?? '', /second/);
    assert.equal(await input.inputValue(), '2.5', 'the text stays as typed');
    assert.equal(await web.locator('#save').getAttribute('disabled'), '', 'Save is off');
    // Ctrl+S refuses too, saying why, and writes nothing
    const before = readFileSync(valuesPath, 'utf8');
    await input.press('Control+s');
    await eventually(async () => /Nothing was saved: Liveness probe, Failure threshold: Use a whole number of checks/.test((await web.locator('header .status').textContent()) ?? ''), { message: 'the refusal' });
    assert.equal(readFileSync(valuesPath, 'utf8'), before);
    // a word in a seconds field says seconds
    await retype(input, '7');
    const period = web.locator('#liveness-periodSeconds input');
    await retype(period, 'ten');
    await eventually(async () => /whole number of seconds/.test((await web.locator('#liveness-periodSeconds-help').textContent()) ?? ''), { message: 'seconds for the period' });
    assert.equal(await period.inputValue(), 'ten');
    await retype(period, '10');
    await eventually(async () => !(await isDirty()), { message: 'typed back to the file: clean again' });
  });

  it('Enter applies a field: the budget follows at once and the field keeps the focus', async () => {
    const web = activeWebview();
    const input = web.locator('#liveness-failureThreshold input');
    await retype(input, '9');
    await input.press('Enter');
    // (9 − 1) × 10 + 5
    await eventually(async () => (await web.locator('#figure-max-block .value').textContent()) === '85 s', { timeout: 3_000, message: 'the budget at once' });
    assert.equal(await web.locator('body').evaluate(() => document.activeElement?.id), 'liveness-failureThreshold');
    await web.locator('#revert').click();
    await eventually(async () => !(await isDirty()) && (await input.inputValue()) === '7', { message: 'reverted' });
  });

  it('a values.yaml that does not parse: a banner names the problem and links to the place', async () => {
    const web = activeWebview();
    const broken = readFileSync(valuesPath, 'utf8').replace('healthPort: 8080', 'healthPort: 8080: 9090');
    writeFileSync(valuesPath, broken);
    const banner = web.locator('#yaml-problem');
    await eventually(() => banner.isVisible(), { timeout: 20_000, message: 'the banner' });
    const line = broken.split('\n').findIndex((l) => l.startsWith('healthPort:')) + 1;
    assert.match((await banner.textContent()) ?? '', /charts\/sample-worker\/values\.yaml is not valid YAML: Nested mappings/);
    const link = web.locator('#yaml-problem-at');
    assert.equal(await link.textContent(), `charts/sample-worker/values.yaml:${line}:13`);
    await link.click();
    const selection = page().locator('.statusbar-item[id="status.editor.selection"]');
    await eventually(async () => ((await selection.textContent()) ?? '').includes(`Ln ${line}, Col 13`), { timeout: 15_000, message: `the cursor at ${line}:13` });
    assert.ok(await page().locator('.tabs-container .tab.active', { hasText: /^values\.yaml/ }).first().isVisible(), 'values.yaml open as text');
    writeFileSync(valuesPath, original);
  });
});
