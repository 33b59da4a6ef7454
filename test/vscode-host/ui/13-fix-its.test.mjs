// A user whose tools are not where the extension looks: Doctor and the error messages offer
// "Set Path…" (opening the setting where it applies: the Remote settings in this remote window)
// and "Install…" (the tool's page); the Push picker says why no ACR is listed; the walkthrough
// ticks the steps the Workflow view shows done.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeWebview, clearNotifications, dismiss, eventually, page, replaceMachineSettings, rigEnv, rigTool, runCommand, ui } from './harness.mjs';

const MISSING_HELM = '/opt/no-such-tools/helm';
const MISSING_AZ = '/opt/no-such-tools/az';

describe('Fix-its for missing tools', function () {
  this.timeout(180_000);
  let settingsFile;
  let originalSettings;
  let restoreMachine;

  before(() => {
    const dir = join(ui.workspace, '.vscode');
    settingsFile = join(dir, 'settings.json');
    originalSettings = existsSync(settingsFile) ? readFileSync(settingsFile, 'utf8') : undefined;
    mkdirSync(dir, { recursive: true });
  });

  after(async () => {
    if (originalSettings === undefined) rmSync(settingsFile, { force: true });
    else writeFileSync(settingsFile, originalSettings);
    restoreMachine?.();
    await clearNotifications();
    await dismiss();
    await runCommand('View: Close All Editors');
  });

  /** Workspace settings the extension reads at once (a file the workbench watches). */
  async function setWorkspaceSettings(values) {
    writeFileSync(settingsFile, `${JSON.stringify(values, null, 2)}\n`);
    // The configuration service picks the file up from its watcher; give it a moment to settle.
    await new Promise((r) => setTimeout(r, 3000));
  }

  /** Tool paths: machine settings (the Remote settings of this window), never the workspace's. */
  async function setToolPaths(values) {
    const restore = replaceMachineSettings(values);
    restoreMachine ??= restore; // the first one puts back what was there before this suite
    await new Promise((r) => setTimeout(r, 3000));
  }

  /** The settings editor shows `key` in the Remote tab (this window is remote: code-server). */
  async function expectSettingInRemoteTab(key, description) {
    const p = page();
    const editor = p.locator('.settings-editor');
    await editor.waitFor({ state: 'visible', timeout: 20_000 });
    // The search box takes focus once it has run the query; wait for it before going on.
    await eventually(async () => ((await p.locator('.settings-editor .suggest-input-container .view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ').includes(key), { message: `the search for ${key}` });
    await eventually(async () => /Remote/.test((await p.locator('.settings-editor .settings-tabs-widget .action-item .action-label.checked').first().textContent()) ?? ''), { message: 'the Remote tab selected' });
    await eventually(async () => ((await p.locator('.settings-editor .settings-body').textContent()) ?? '').includes(description), { timeout: 20_000, message: `the setting ${key} shown` });
    await new Promise((r) => setTimeout(r, 500));
    await runCommand('View: Close All Editors');
  }

  /** Opens Doctor and checks again until it reports `tool` missing at `path`: the workbench has read the settings. */
  async function doctorSees(tool, path) {
    await runCommand('AKS Worker: Doctor (check tools)');
    const web = activeWebview();
    const row = web.locator(`tr[data-tool="${tool}"]`);
    await eventually(
      async () => {
        if (((await row.textContent()) ?? '').includes(`no executable at ${path}`)) return true;
        await web.locator('#recheck').click();
        return false;
      },
      { timeout: 60_000, interval: 2000, message: `${tool} reported missing at ${path}` },
    );
    return row;
  }

  it('Doctor marks helm missing and its Set Path… opens the setting in the Remote settings', async () => {
    await setToolPaths({ 'aksWorker.paths.helm': MISSING_HELM });
    const row = await doctorSees('helm', MISSING_HELM);
    assert.equal(await row.getAttribute('class'), 'missing');
    assert.equal(await row.locator('vscode-button[data-install="helm"]').count(), 1, 'an Install… button for helm');
    await row.locator('vscode-button[data-setting="aksWorker.paths.helm"]').click();
    await expectSettingInRemoteTab('aksWorker.paths.helm', 'Full path of the helm command');
  });

  it("Doctor's Install… opens helm's installation page", async () => {
    const p = page();
    await runCommand('AKS Worker: Doctor (check tools)');
    const web = activeWebview();
    const install = web.locator('tr[data-tool="helm"] vscode-button[data-install="helm"]');
    await install.waitFor({ state: 'visible', timeout: 30_000 });
    const popup = p.context().waitForEvent('page', { timeout: 20_000 }).catch(() => undefined);
    await install.click();
    // The workbench either asks before opening an outside site, or opens it in a new tab.
    const dialog = p.locator('.monaco-dialog-box', { hasText: 'helm.sh/docs/intro/install' });
    const opened = await Promise.race([
      dialog.waitFor({ state: 'visible', timeout: 20_000 }).then(() => 'dialog'),
      popup.then((pg) => (pg && /helm\.sh\/docs\/intro\/install/.test(pg.url()) ? 'page' : new Promise(() => {}))),
    ]);
    if (opened === 'dialog') await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    else for (const pg of p.context().pages()) if (pg !== p) await pg.close();
  });

  it('a command that needs helm says it is missing, with Set Path… and Install…', async () => {
    const p = page();
    await clearNotifications();
    await runCommand('AKS Worker: Show History / Rollback');
    // With several charts in the workspace the command first asks which: take the first.
    const toast = p.locator('.notifications-toasts .notification-toast', { hasText: 'helm was not found' }).first();
    const input = p.locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
    await eventually(
      async () => {
        if (await toast.isVisible()) return true;
        const placeholder = await input.getAttribute('placeholder').catch(() => null);
        if ((await input.isVisible().catch(() => false)) && !/command to run/i.test(placeholder ?? '')) await input.press('Enter');
        return false;
      },
      { timeout: 30_000, message: 'the "helm was not found" notification' },
    );
    const buttons = (await toast.locator('.monaco-button').allTextContents()).map((t) => t.trim());
    for (const b of ['Set Path…', 'Install…', 'Show Output']) assert.ok(buttons.includes(b), `"${b}" among ${JSON.stringify(buttons)}`);
    await toast.locator('.monaco-button', { hasText: 'Set Path…' }).click();
    await expectSettingInRemoteTab('aksWorker.paths.helm', 'Full path of the helm command');
  });

  it('the Push picker says why no ACR is listed when az is missing, and offers the fix', async function () {
    const rig = rigEnv();
    if (!rig) this.skip();
    const p = page();
    await setToolPaths({ 'aksWorker.paths.az': MISSING_AZ });
    await doctorSees('az', MISSING_AZ);
    await runCommand('View: Close All Editors');
    // A local image to push, whatever earlier tests built.
    const ctx = mkdtempSync(join(tmpdir(), 'aksw-fixit-'));
    copyFileSync(rig.RIG_BUSYBOX, join(ctx, 'busybox'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\n');
    rigTool(rig, rig.RIG_DOCKER, ['build', '--network', 'none', '-t', 'fixit-probe:1', ctx]);
    rmSync(ctx, { recursive: true, force: true });

    await runCommand('AKS Worker: Push Image');
    const input = p.locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
    // Without an image built here before, it first asks which local image to push.
    const first = await eventually(
      async () => {
        const placeholder = await input.getAttribute('placeholder').catch(() => null);
        if (placeholder === 'sampleworker:0.0.1') return 'image';
        if (placeholder?.startsWith('Pick a registry')) return 'registry';
        return undefined;
      },
      { timeout: 30_000, message: 'the local-image prompt or the registry picker' },
    );
    if (first === 'image') {
      await input.fill('fixit-probe:1');
      await input.press('Enter');
    }
    const why = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'the Azure CLI (az) was not found' }).first();
    await why.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await why.textContent()) ?? '', /Your ACRs are not listed/);
    await why.click();
    const dialog = p.locator('.monaco-dialog-box', { hasText: 'Azure CLI (az) was not found' });
    await dialog.waitFor({ state: 'visible', timeout: 20_000 });
    await dialog.locator('.monaco-button', { hasText: 'Set Path…' }).click();
    await expectSettingInRemoteTab('aksWorker.paths.az', 'Full path of the Azure CLI');
  });

  it('the walkthrough ticks the steps the Workflow view shows done', async () => {
    const p = page();
    await setWorkspaceSettings({});
    await setToolPaths({});
    await runCommand('Welcome: Open Walkthrough...');
    const pick = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Deploy a worker to AKS' }).first();
    await pick.waitFor({ state: 'visible', timeout: 20_000 });
    await pick.click();
    // The sample worker has a Dockerfile and a chart: the Workflow view shows those steps done, so
    // they are ticked, though Add Dockerfile and Create Worker Chart were never run from here.
    for (const step of ['dockerfile', 'chart']) {
      const box = p.locator(`[data-done-step-id$="#${step}"]`);
      await eventually(async () => (await box.getAttribute('aria-checked')) === 'true', { timeout: 20_000, message: `the ${step} step ticked` });
    }
  });
});
