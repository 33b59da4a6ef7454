// The release as Helm has it, not as the extension last left it. The sample chart runs on the rig as
// release "sample-worker" (revision 1, installed from another copy of the chart); the user upgrades
// it with Install or Upgrade, rolls it back to revision 1 from Show History / Rollback, clicks
// Refresh, and the Workflow view's Release row says revision 3 with revision 1's appVersion. Then a
// pod panel opened from a pod row follows the release when a rollback made in a terminal replaces
// the pod, and says so. Needs the rig (AKS_WORKER_RIG_ENV, passed by `npm test`); without it the
// suite is skipped.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeWebview, answerDialog, chooseMenuItem, contextMenuWith, dismiss, escapeRe, eventually, expandPane, openActivity, page, rigEnv, rigTool, runCommand, ui, replaceMachineSettings, replaceWorkspaceSettings, skipWithoutRig } from './harness.mjs';

const release = 'sample-worker';


/** The Workflow view's Release row (step level). */
async function releaseStepRow() {
  await openActivity('AKS Worker');
  const pane = await expandPane('Workflow');
  return { pane, row: pane.locator('.monaco-list-row[aria-level="1"]', { has: page().locator('.label-name', { hasText: /^Release$/ }) }).first() };
}

/** Clicks the Workflow view's Refresh button (in its title bar, shown on hover). */
async function clickRefresh(pane) {
  await pane.hover();
  const button = pane.locator('.pane-header .actions .action-label[aria-label^="Refresh"]').first();
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await button.click();
}

const toastLocator = (re) => page().locator('.notifications-toasts .notification-toast', { hasText: re }).first();

describe('Release state from the cluster', function () {
  this.timeout(300_000);
  const rig = rigEnv();
  const namespace = `ui-release-${process.pid}`;
  /** Puts the workspace settings back as they were. */
  let restoreSettings;
  let restoreMachine;
  let copyDir;
  /** appVersion of the workspace's chart, and the one revision 1 was installed with. */
  let workspaceApp;
  let firstApp;
  let podName;

  before(async function () {
    skipWithoutRig(this, ': no cluster to release to');
    restoreSettings = replaceWorkspaceSettings({ 'aksWorker.namespace': namespace, 'aksWorker.release.timeout': '120s' });
    restoreMachine = replaceMachineSettings({ 'aksWorker.paths.helm': rig.RIG_HELM4, 'aksWorker.paths.kubectl': rig.RIG_KUBECTL });
    // Revision 1 comes from another copy of the chart (another machine, say), with another image tag,
    // so that each revision's pods differ from the next one's.
    const chartDir = join(ui.workspace, 'charts', 'sample-worker');
    workspaceApp = /^appVersion:\s*"?([^"\s]+)"?/m.exec(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'))?.[1];
    assert.ok(workspaceApp, 'the sample chart has an appVersion');
    firstApp = workspaceApp === '0.0.7' ? '0.0.8' : '0.0.7';
    copyDir = mkdtempSync(join(tmpdir(), 'aksw-ui-release-'));
    const copy = join(copyDir, 'sample-worker');
    cpSync(chartDir, copy, { recursive: true });
    writeFileSync(join(copy, 'Chart.yaml'), readFileSync(join(copy, 'Chart.yaml'), 'utf8').replace(/^appVersion:.*$/m, `appVersion: "${firstApp}"`));
    writeFileSync(join(copy, 'values.yaml'), readFileSync(join(copy, 'values.yaml'), 'utf8').replace(/^(\s+tag:).*$/m, `$1 "${firstApp}"`));
    rigTool(rig, rig.RIG_HELM4, ['upgrade', '--install', release, copy, '--namespace', namespace, '--create-namespace', '--wait', '--timeout', '90s']);
  });

  after(async () => {
    if (!rig) return;
    await dismiss();
    await runCommand('AKS Worker: Stop Watching Pods').catch(() => {});
    await runCommand('View: Close All Editors').catch(() => {});
    await dismiss();
    try {
      rigTool(rig, rig.RIG_KUBECTL, ['delete', 'namespace', namespace, '--wait=false']);
    } catch {
      // never created, or gone already
    }
    if (copyDir) rmSync(copyDir, { recursive: true, force: true });
    restoreSettings?.();
    restoreMachine?.();
  });

  beforeEach(dismiss);

  it('shows the release installed elsewhere, read from Helm', async () => {
    const { pane, row } = await releaseStepRow();
    // The settings file may be read after the first look: Refresh asks Helm again.
    const want = new RegExp(`${release} rev 1 deployed \\(${escapeRe(firstApp)}\\)`);
    await eventually(
      async () => {
        if (want.test((await row.textContent()) ?? '')) return true;
        await clickRefresh(pane);
        return false;
      },
      { timeout: 60_000, interval: 3000, message: `the Release row: ${want.source}` },
    );
  });

  it('Install or Upgrade makes revision 2, and the Release row follows without a Refresh', async () => {
    const p = page();
    await runCommand('AKS Worker: Install or Upgrade');
    const done = new RegExp(`${release} revision 2 is deployed in ${escapeRe(namespace)}`);
    await eventually(
      async () => {
        // Several charts (the walkthrough made one): pick the sample's. A pushed tag: keep the chart's.
        const pick = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'charts/sample-worker' }).first();
        if (await pick.isVisible().catch(() => false)) await pick.click();
        const ask = p.locator('.monaco-dialog-box', { hasText: /You pushed/ });
        if (await ask.isVisible().catch(() => false)) await ask.locator('.dialog-buttons .monaco-button', { hasText: /^Keep / }).click();
        // The first Install of the chart into this namespace asks to confirm it.
        const where = p.locator('.monaco-dialog-box', { hasText: new RegExp(`into namespace ${escapeRe(namespace)} `) });
        if (await where.isVisible().catch(() => false)) await where.locator('.dialog-buttons .monaco-button', { hasText: /^Install$/ }).click();
        return toastLocator(done).isVisible();
      },
      { timeout: 180_000, interval: 500, message: `the "${done.source}" notification` },
    );
    const { row } = await releaseStepRow();
    await eventually(async () => new RegExp(`${release} rev 2 deployed \\(${escapeRe(workspaceApp)}\\)`).test((await row.textContent()) ?? ''), {
      timeout: 30_000,
      message: `the Release row: ${release} rev 2 deployed (${workspaceApp})`,
    });
  });

  it('History → Roll back to revision 1, then Refresh: the Release row says revision 3 with revision 1\'s appVersion', async () => {
    const p = page();
    await runCommand('AKS Worker: Show History / Rollback');
    const pickChart = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'charts/sample-worker' }).first();
    const revision1 = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /Revision 1(?!\d)/ }).first();
    await eventually(
      async () => {
        if (await revision1.isVisible().catch(() => false)) return true;
        if (await pickChart.isVisible().catch(() => false)) await pickChart.click();
        return false;
      },
      { timeout: 30_000, message: 'the history quick pick' },
    );
    assert.match((await revision1.textContent()) ?? '', new RegExp(`app ${escapeRe(firstApp)}`), 'revision 1 shows its appVersion');
    await revision1.click();
    await answerDialog(new RegExp(`Roll ${release} back to revision 1`), 'Roll back to 1');
    const rolled = toastLocator(new RegExp(`${release} rolled back to revision 1`));
    await rolled.waitFor({ state: 'visible', timeout: 150_000 });

    const { pane, row } = await releaseStepRow();
    await clickRefresh(pane);
    const want = new RegExp(`${release} rev 3 deployed \\(${escapeRe(firstApp)}\\)`);
    await eventually(async () => want.test((await row.textContent()) ?? ''), { timeout: 30_000, message: `the Release row: ${want.source}` });
    // Its detail row says the same, with the namespace in the tooltip's words.
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    // (The Chart step may be expanded too, with a row of the same name: take the Release step's.)
    const detail = pane.locator('.monaco-list-row[aria-level="2"]', { has: p.locator('.label-name', { hasText: new RegExp(`^${release}$`) }), hasText: /rev \d+ / }).first(); // label and description run together in the row's text
    await eventually(async () => new RegExp(`rev 3 deployed \\(${escapeRe(firstApp)}\\)`).test((await detail.textContent()) ?? ''), { timeout: 15_000, message: 'the release detail row' });
    const history = JSON.parse(rigTool(rig, rig.RIG_HELM4, ['history', release, '--namespace', namespace, '--output', 'json']));
    assert.equal(history.at(-1).revision, 3, 'Helm agrees: revision 3');
    assert.equal(history.at(-1).app_version, firstApp);
  });

  it('a pod panel opened from a pod row follows the release when a rollout replaces the pod, and says so', async () => {
    const p = page();
    await runCommand('AKS Worker: Watch Pods');
    // The Pods view may still watch the namespace an earlier session picked: pick this one.
    await runCommand('AKS Worker: Pick Namespace');
    const nsRow = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: namespace }).first();
    await nsRow.waitFor({ state: 'visible', timeout: 20_000 });
    await nsRow.click();
    const pods = await expandPane('Pods');
    const podRows = pods.locator(`.monaco-list-row[aria-label^="Pod ${release}-"]`);
    await eventually(async () => (await podRows.count()) === 1 && /, Running,/.test((await podRows.first().getAttribute('aria-label')) ?? ''), {
      timeout: 90_000,
      message: 'one running pod of the release in the Pods view',
    });
    const podRow = podRows.first();
    podName = /^Pod (\S+?),/.exec((await podRow.getAttribute('aria-label')) ?? '')?.[1];
    assert.ok(podName, 'the pod row names the pod');
    const tab = p.locator('.tabs-container .tab.active', { hasText: `Pods: ${podName} (${namespace})` }).first();
    // The Pods view re-lists when the namespace changes: a row replaced between the right-click and
    // the menu choice reaches the command without its pod, which then asks for a namespace. Escape
    // that prompt and right-click the row again.
    for (let attempt = 0; ; attempt++) {
      await new Promise((r) => setTimeout(r, 1000));
      const { menu } = await contextMenuWith(podRows.first(), ['Show Pod Restarts and Events']);
      await chooseMenuItem(menu, 'Show Pod Restarts and Events');
      const opened = await tab.waitFor({ state: 'visible', timeout: 20_000 }).then(() => true, () => false);
      if (opened) break;
      if (attempt === 2) throw new Error(`the pod panel of ${podName} did not open from its row`);
      await dismiss();
    }
    const web = activeWebview();
    await web.locator(`#pods tbody tr[data-pod="${podName}"]`).waitFor({ state: 'visible', timeout: 30_000 });

    // A rollback from a terminal: revision 2's pods replace revision 3's.
    rigTool(rig, rig.RIG_HELM4, ['rollback', release, '2', '--namespace', namespace, '--wait', '--timeout', '90s']);
    const note = web.locator('#followed');
    await eventually(async () => (await note.isVisible()) && /is gone/.test((await note.textContent()) ?? ''), { timeout: 60_000, message: 'the panel saying the pod is gone' });
    assert.equal(((await note.textContent()) ?? '').trim(), `Pod ${podName} is gone (replaced by a rollout or rollback, or deleted); showing ${release}'s pods.`);
    await eventually(
      async () => {
        const names = await web.locator('#pods tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-pod')));
        return names.length >= 1 && names.every((n) => n !== podName && n?.startsWith(`${release}-`));
      },
      { timeout: 60_000, message: "the release's new pod in the table, the old one gone" },
    );
    assert.match((await web.locator('h1').textContent()) ?? '', new RegExp(`release ${release}`));
    await p.locator('.tabs-container .tab.active', { hasText: `Pods: ${release} (${namespace})` }).first().waitFor({ state: 'visible', timeout: 10_000 });
    // Each pod's restarts are said in words under its timeline.
    assert.match((await web.locator('p.counts').first().textContent()) ?? '', /restarts? \(the kubelet's restartCount since the pod started\)/);
  });

  it('the Release row follows the rollback made in the terminal, seen through the release\'s pods', async () => {
    const { row } = await releaseStepRow();
    const want = new RegExp(`${release} rev 4 deployed \\(${escapeRe(workspaceApp)}\\)`);
    await eventually(async () => want.test((await row.textContent()) ?? ''), { timeout: 30_000, message: `the Release row without a Refresh: ${want.source}` });
  });
});
