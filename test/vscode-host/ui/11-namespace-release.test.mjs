// One namespace, shown and asked: the user picks a namespace from the status bar, installs the
// sample chart (the extension names the namespace and asks once), finds the release there and its
// pods in the Pods view; a second install does not ask again. Dry Run on a chart with a broken
// values.yaml gives one notification whose Open File lands on the error's line; Bump Version refuses
// a bad tag in its first step, and its notification's Undo puts both files back byte for byte.
// Needs the rig (AKS_WORKER_RIG_ENV, passed by `npm test`); without it the suite is skipped.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chooseMenuItem,
  clearNotifications,
  contextMenuWith,
  dismiss,
  escapeRe,
  eventually,
  expandPane,
  explorerRow,
  openActivity,
  page,
  replaceMachineSettings,
  rigEnv,
  rigTool,
  runCommand,
  ui,
} from './harness.mjs';

const quickInput = () => page().locator('.quick-input-widget');
const quickInputBox = () => page().locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
const quickRow = (text) => page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
const toasts = (re) => page().locator('.notifications-toasts .notification-toast', { hasText: re });
const dialog = (re) => page().locator('.monaco-dialog-box', { hasText: re });
const clean = (t) => (t ?? '').replace(/\s+/g, ' ').trim();

/** The status bar item with the Kubernetes context and namespace. */
const kubeItem = () => page().locator('.statusbar-item', { hasText: /^\s*rig · / }).first();

async function explorerMenu(relPath, entry) {
  await dismiss();
  const row = await explorerRow(relPath);
  const { menu } = await contextMenuWith(row, [entry], { timeout: 30_000 });
  await chooseMenuItem(menu, entry);
}

async function clickDialogButton(box, button) {
  await box.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^${escapeRe(button)}$`) }).click();
  await box.waitFor({ state: 'hidden', timeout: 10_000 });
}

describe('One namespace, shown and asked; Dry Run and Bump Version messages', function () {
  this.timeout(240_000);
  const rig = rigEnv();
  const namespace = `ux-${process.pid}`;
  const chartDir = () => join(ui.workspace, 'charts', 'sample-worker');
  const broken = 'broken-worker';
  let settingsFile;
  let previousSettings;
  let restoreMachine;

  before(async function () {
    if (!rig) {
      if (process.env.CI) throw new Error('the rig environment (AKS_WORKER_RIG_ENV) is missing on CI');
      console.log('      skipped: the rig is not running (AKS_WORKER_RIG_ENV unset): no cluster to release to');
      this.skip();
    }
    mkdirSync(join(ui.workspace, '.vscode'), { recursive: true });
    settingsFile = join(ui.workspace, '.vscode', 'settings.json');
    previousSettings = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : undefined;
    // The user's tools (machine settings); no aksWorker.namespace: the namespace comes from Pick Namespace.
    restoreMachine = replaceMachineSettings({ 'aksWorker.paths.helm': rig.RIG_HELM4, 'aksWorker.paths.kubectl': rig.RIG_KUBECTL, 'aksWorker.paths.az': rig.RIG_AZ });
    writeFileSync(
      settingsFile,
      JSON.stringify({ 'aksWorker.release.timeout': '120s' }, null, 2),
    );
    await dismiss();
    await runCommand('View: Close All Editors').catch(() => {});
  });

  after(async () => {
    if (!rig) return;
    await dismiss();
    await runCommand('AKS Worker: Stop Watching Pods').catch(() => {});
    await runCommand('View: Close All Editors').catch(() => {});
    rmSync(join(ui.workspace, 'charts', broken), { recursive: true, force: true });
    if (previousSettings !== undefined) writeFileSync(settingsFile, previousSettings);
    else if (settingsFile) rmSync(settingsFile, { force: true });
    restoreMachine?.();
    try {
      rigTool(rig, rig.RIG_KUBECTL, ['delete', 'namespace', namespace, '--wait=false']);
    } catch {
      // never created, or gone already
    }
  });

  it('Pick Namespace from the status bar: the item shows the context and the namespace, and says where it comes from', async () => {
    const item = kubeItem();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await item.click();
    await quickInput().filter({ hasText: 'Switch Kubernetes Context' }).waitFor({ state: 'visible', timeout: 15_000 });
    await quickRow('Pick Namespace…').click();
    await quickInput().filter({ hasText: 'Namespace for releases and pods' }).waitFor({ state: 'visible', timeout: 30_000 });
    await quickRow('Type a namespace…').click();
    const box = quickInputBox();
    await quickInput().filter({ hasText: 'Namespace' }).waitFor({ state: 'visible' });
    await box.fill('Not A Namespace');
    await eventually(async () => /Lowercase letters/.test(clean(await quickInput().locator('.quick-input-message').textContent())), { message: 'the name checked as typed' });
    await box.fill(namespace);
    await eventually(async () => !/Lowercase letters/.test(clean(await quickInput().locator('.quick-input-message').textContent().catch(() => ''))), { message: 'the message gone' });
    await box.press('Enter');
    await eventually(async () => clean(await item.textContent()) === `rig · ${namespace}`, { timeout: 15_000, message: `the status bar showing rig · ${namespace}` });
    await item.hover();
    const hover = page().locator('.monaco-hover, .workbench-hover', { hasText: 'Namespace:' }).first();
    await eventually(async () => new RegExp(`Namespace: ${escapeRe(namespace)} — picked with Pick Namespace`).test(clean(await hover.textContent())), { timeout: 15_000, message: 'the tooltip saying where the namespace comes from' });
    await page().mouse.move(0, 0);
  });

  it('Install or Upgrade names the picked namespace and asks; the release lands there; Watch Pods shows it', async () => {
    const p = page();
    await explorerMenu('charts/sample-worker', 'Install or Upgrade');
    const ask = dialog(/Install sample-worker as release sample-worker into namespace/);
    const done = toasts(new RegExp(`sample-worker revision 1 is deployed in ${escapeRe(namespace)}`)).first();
    let asked = '';
    await eventually(
      async () => {
        if (await ask.isVisible()) {
          asked = clean(await ask.textContent());
          await clickDialogButton(ask, 'Install');
        }
        // An image pushed by an earlier step differs from the chart's tag: keep the chart as it is.
        const pushed = dialog(/You pushed .* but the chart deploys/);
        if (await pushed.isVisible()) await pushed.locator('.dialog-buttons .monaco-button', { hasText: /^Keep / }).click();
        return done.isVisible();
      },
      { timeout: 180_000, interval: 500, message: `the "revision 1 is deployed in ${namespace}" notification` },
    );
    assert.match(asked, new RegExp(`into namespace ${escapeRe(namespace)} \\(context rig\\)\\?`));
    assert.match(asked, /picked with Pick Namespace/);
    const releases = JSON.parse(rigTool(rig, rig.RIG_HELM4, ['list', '--namespace', namespace, '--output', 'json']));
    assert.deepEqual(releases.map((r) => [r.name, r.namespace, r.status]), [['sample-worker', namespace, 'deployed']]);
    assert.deepEqual(JSON.parse(rigTool(rig, rig.RIG_HELM4, ['list', '--namespace', 'default', '--output', 'json'])).filter((r) => r.name === 'sample-worker'), [], 'nothing went to default');

    await done.locator('.monaco-button', { hasText: /^Watch Pods$/ }).click();
    await openActivity('AKS Worker');
    const pane = await expandPane('Pods');
    await eventually(async () => clean(await pane.locator('.pane-header').textContent()).includes(`namespace ${namespace}`), { timeout: 20_000, message: `the Pods view on ${namespace}` });
    const releaseRow = pane.locator('.monaco-list-row', { has: p.locator('.label-name', { hasText: /^sample-worker$/ }) }).first();
    await releaseRow.waitFor({ state: 'visible', timeout: 60_000 });
  });

  it('a second Install or Upgrade of the chart does not ask for the namespace again', async () => {
    await clearNotifications();
    await explorerMenu('charts/sample-worker', 'Install or Upgrade');
    const done = toasts(new RegExp(`sample-worker revision 2 is deployed in ${escapeRe(namespace)}`)).first();
    let askedAgain = false;
    await eventually(
      async () => {
        if (await dialog(/into namespace/).isVisible()) {
          askedAgain = true;
          return true;
        }
        const pushed = dialog(/You pushed .* but the chart deploys/);
        if (await pushed.isVisible()) await pushed.locator('.dialog-buttons .monaco-button', { hasText: /^Keep / }).click();
        return done.isVisible();
      },
      { timeout: 180_000, interval: 500, message: 'revision 2 deployed' },
    );
    assert.equal(askedAgain, false, 'the namespace confirmed for this chart is not asked again');
    assert.equal(JSON.parse(rigTool(rig, rig.RIG_HELM4, ['status', 'sample-worker', '--namespace', namespace, '--output', 'json'])).version, 2);
    await clearNotifications();
  });

  it('Dry Run on a chart with a broken values.yaml: one notification, and Open File goes to the error\'s line', async () => {
    const p = page();
    const dir = join(ui.workspace, 'charts', broken);
    cpSync(chartDir(), dir, { recursive: true });
    writeFileSync(join(dir, 'Chart.yaml'), readFileSync(join(dir, 'Chart.yaml'), 'utf8').replace(/^name: .*$/m, `name: ${broken}`));
    const values = readFileSync(join(dir, 'values.yaml'), 'utf8').split('\n');
    const at = values.findIndex((l) => /^\s+periodSeconds:/.test(l));
    values.splice(at + 1, 0, '  bad: : x');
    writeFileSync(join(dir, 'values.yaml'), values.join('\n'));
    const line = at + 2; // 1-based line of the inserted one
    await clearNotifications();
    await explorerMenu(`charts/${broken}`, 'Dry Run');
    const err = toasts(/^.*Dry Run: Helm cannot use/).first();
    await err.waitFor({ state: 'visible', timeout: 60_000 });
    const text = clean(await err.textContent());
    assert.match(text, new RegExp(`Dry Run: Helm cannot use charts/${broken}/values\\.yaml:${line}: `), text);
    assert.doesNotMatch(text, new RegExp(escapeRe(ui.workspace)), 'the path is workspace-relative');
    // Give a second notification time to appear, then count them all.
    await new Promise((r) => setTimeout(r, 2500));
    await runCommand('Notifications: Show Notifications');
    const center = p.locator('.notifications-center');
    await center.waitFor({ state: 'visible' });
    const items = await center.locator('.notification-list-item').allTextContents();
    const ours = items.map(clean).filter((t) => /Dry Run|helm/i.test(t));
    assert.equal(ours.length, 1, `one notification for the failed Dry Run: ${ours.join(' || ')}`);
    await center.locator('.notification-list-item', { hasText: 'Dry Run: Helm cannot use' }).first().locator('.monaco-button', { hasText: /^Open File$/ }).click();
    await p.locator('.tabs-container .tab.active', { hasText: 'values.yaml' }).waitFor({ state: 'visible', timeout: 15_000 });
    const cursor = p.locator('.statusbar-item', { hasText: /^\s*Ln \d+, Col \d+/ }).first();
    await eventually(async () => new RegExp(`^Ln ${line}, Col 1\\b`).test(clean(await cursor.textContent())), { timeout: 15_000, message: `the cursor on line ${line}` });
    await clearNotifications();
    await runCommand('View: Close All Editors');
    rmSync(dir, { recursive: true, force: true });
  });

  it('Bump Version refuses "bad tag!" in step 1, and Undo on its notification restores both files byte for byte', async () => {
    const chartYaml = join(chartDir(), 'Chart.yaml');
    const valuesYaml = join(chartDir(), 'values.yaml');
    const before = [readFileSync(chartYaml), readFileSync(valuesYaml)];
    await explorerMenu('charts/sample-worker', 'Bump Version');
    await quickInput().filter({ hasText: 'Bump Version (1/2)' }).waitFor({ state: 'visible', timeout: 20_000 });
    const box = quickInputBox();
    await box.fill('bad tag!');
    const message = quickInput().locator('.quick-input-message');
    await eventually(async () => /"bad tag!" is not a valid tag/.test(clean(await message.textContent())), { message: 'the tag checked as typed' });
    await box.press('Enter');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await quickInput().filter({ hasText: 'Bump Version (1/2)' }).isVisible(), 'Enter on a bad tag stays in step 1');
    await box.fill('0.0.9');
    await eventually(async () => !/not a valid tag/.test(clean(await message.textContent().catch(() => ''))), { message: 'the message gone' });
    await box.press('Enter');
    await quickInput().filter({ hasText: 'Bump Version (2/2)' }).waitFor({ state: 'visible', timeout: 10_000 });
    await quickRow(/^\s*patch/).click();
    const note = toasts(/Bumped sample-worker: chart version/).first();
    await note.waitFor({ state: 'visible', timeout: 20_000 });
    const text = clean(await note.textContent());
    assert.match(text, /chart version \d+\.\d+\.\d+ → \d+\.\d+\.\d+, appVersion \S+ → 0\.0\.9, image\.tag \S+ → 0\.0\.9 \(charts\/sample-worker\/Chart\.yaml and charts\/sample-worker\/values\.yaml\)/, text);
    assert.match(readFileSync(chartYaml, 'utf8'), /^appVersion: "?0\.0\.9"?$/m);
    await note.locator('.monaco-button', { hasText: /^Undo$/ }).click();
    await eventually(() => Buffer.compare(readFileSync(chartYaml), before[0]) === 0 && Buffer.compare(readFileSync(valuesYaml), before[1]) === 0, { timeout: 15_000, message: 'Chart.yaml and values.yaml as they were' });
    await toasts(/^.*Undone: /).first().waitFor({ state: 'visible', timeout: 10_000 });
    await clearNotifications();
  });

  it('back to the context\'s namespace from Pick Namespace', async () => {
    await runCommand('AKS Worker: Pick Namespace');
    await quickRow('Use the context\'s namespace').click();
    await eventually(async () => !clean(await kubeItem().textContent()).endsWith(namespace), { timeout: 15_000, message: 'the pick cleared' });
  });
});
