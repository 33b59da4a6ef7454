// A worker whose health endpoint hangs is installed on the rig; the user opens Show Pod Restarts and
// Events from the command palette, answers the namespace and release, and reads the restarts, the
// timeline and the events with the Unhealthy/Killing ratio explained. Needs the rig
// (AKS_WORKER_RIG_ENV, passed by `npm test`); without it the suite is skipped.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeWebview, dismiss, eventually, openActivity, page, rigControl, rigEnv, rigTool, replaceMachineSettings, runCommand, ui } from './harness.mjs';




describe('Pod panel', function () {
  this.timeout(120_000);
  const rig = rigEnv();
  const namespace = `ui-pods-${process.pid}`;
  const release = 'hangs';
  let previousTimeScale;
  let settingsFile;
  let restoreMachine;

  before(async function () {
    if (!rig) {
      if (process.env.CI) throw new Error('the rig environment (AKS_WORKER_RIG_ENV) is missing on CI');
      console.log('      skipped: the rig is not running (AKS_WORKER_RIG_ENV unset), so there are no pods to watch');
      this.skip();
    }
    // The pinned kubectl, through the machine settings (a workspace cannot pick a binary); the
    // namespace through the workspace's settings.
    restoreMachine = replaceMachineSettings({ 'aksWorker.paths.kubectl': rig.RIG_KUBECTL });
    mkdirSync(join(ui.workspace, '.vscode'), { recursive: true });
    settingsFile = join(ui.workspace, '.vscode', 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ 'aksWorker.namespace': namespace }, null, 2));
    previousTimeScale = (await rigControl(rig, 'GET', 'state'))?.timeScale;
    await rigControl(rig, 'POST', 'config', { timeScale: 0.02 });
    await rigControl(rig, 'POST', 'health', { namespace, deployment: `${release}-sample-worker`, health: { mode: 'hang' } });
    rigTool(rig, rig.RIG_HELM4, ['upgrade', '--install', release, join(ui.workspace, 'charts', 'sample-worker'), '--namespace', namespace, '--create-namespace']);
  });

  after(async () => {
    if (!rig) return;
    await dismiss();
    try {
      rigTool(rig, rig.RIG_KUBECTL, ['delete', 'namespace', namespace, '--wait=false']);
    } catch {
      // the namespace may be gone already
    }
    if (previousTimeScale !== undefined) await rigControl(rig, 'POST', 'config', { timeScale: previousTimeScale }).catch(() => {});
    if (settingsFile) rmSync(settingsFile, { force: true });
    restoreMachine?.();
  });

  it('opens from the command palette after asking for the namespace and the release', async () => {
    // The palette offers the command once the extension has read the kubeconfig (aksWorker.hasKubeContext),
    // and the namespace offered is the workspace setting's once VS Code has read .vscode/settings.json.
    await openActivity('AKS Worker');
    const input = page().locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
    const tab = page().locator('.tabs-container .tab', { hasText: `Pods: ${release} (${namespace})` }).first();
    // Both prompts in one attempt: a quick input closes when the workbench takes focus elsewhere, so
    // an attempt interrupted that way starts again from the palette.
    await eventually(
      async () => {
        await runCommand('AKS Worker: Show Pod Restarts and Events');
        await input.waitFor({ state: 'visible' });
        await page().locator('.quick-input-widget', { hasText: '(1/2)' }).first().waitFor({ state: 'visible', timeout: 5_000 });
        if ((await input.inputValue()) !== namespace) return false;
        await input.press('Enter');
        await page().locator('.quick-input-widget', { hasText: '(2/2)' }).first().waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(release, { timeout: 5_000 });
        await input.press('Enter', { timeout: 5_000 });
        await tab.waitFor({ state: 'visible', timeout: 20_000 });
        return true;
      },
      { timeout: 60_000, interval: 1000, message: 'the configured namespace offered, then the release asked for and the panel opened' },
    );
    const web = activeWebview();
    await eventually(async () => /Pods: watching/.test((await web.locator('#watch-pods').textContent()) ?? ''), { timeout: 30_000, message: 'the pods watch running' });
    await eventually(async () => (await web.locator('#pods tbody tr').count()) === 1, { timeout: 30_000, message: 'one pod row' });
  });

  it('shows the restarts, the last termination and the ratio explained against failureThreshold 6', async () => {
    const web = activeWebview();
    const row = web.locator('#pods tbody tr').first();
    await eventually(async () => Number(await row.locator('td.restarts').textContent()) >= 2, { timeout: 60_000, message: 'two restarts' });
    assert.match((await row.locator('td.last').textContent()) ?? '', /Error \(exit 137\)/);
    await eventually(async () => /Unhealthy ×\d+/.test((await web.locator('#totals').textContent()) ?? '') && /Killing ×\d+/.test((await web.locator('#totals').textContent()) ?? ''), { timeout: 30_000, message: 'event totals' });
    await eventually(async () => /as failureThreshold 6 says/.test((await web.locator('#ratio').textContent()) ?? ''), { timeout: 60_000, message: 'the ratio explained' });
    assert.ok((await web.locator('svg.timeline .pt.killing').count()) > 0, 'Killing marks on the timeline');
    assert.ok((await web.locator('svg.timeline .pt.unhealthy').count()) > 0, 'Unhealthy marks on the timeline');
    assert.ok((await web.locator('svg.timeline .pt.restart').count()) > 0, 'restart marks on the timeline');
  });

  it('says first why the container restarted: its liveness probe, with the failed checks behind it', async () => {
    const web = activeWebview();
    const why = web.locator('#reasons article.reason[data-kind="liveness"]').first();
    await eventually(async () => /Killed by its liveness probe after 6 failed checks in a row/.test((await why.locator('h3').textContent().catch(() => '')) ?? ''), { timeout: 60_000, message: 'the Why section names the liveness probe' });
    assert.match((await why.locator('.probe-failures').textContent()) ?? '', /\d+ failed liveness checks and \d+ kills? in the events kept; failureThreshold 6 failures in a row make one kill\.\s*Latest: Get ".*": context deadline exceeded/);
    assert.match((await why.locator('.detail').textContent()) ?? '', /stopped answering its health endpoint within timeoutSeconds 5/);
    assert.equal(await why.locator('vscode-button.fix').count(), 0, 'a probe kill has no one-click fix');
  });

  it('is usable from the keyboard: Enter on a pod row moves to its timeline', async () => {
    const web = activeWebview();
    const row = web.locator('#pods tbody tr').first();
    await row.focus();
    await row.press('Enter');
    await eventually(async () => (await web.locator('svg.timeline:focus').count()) === 1, { message: 'the timeline focused' });
    assert.match((await web.locator('svg.timeline:focus').getAttribute('aria-label')) ?? '', /\d+ restarts, \d+ Unhealthy, \d+ Killing/);
  });

  it('shows its content again after another editor hid it', async () => {
    await runCommand('Go to File...');
    const input = page().locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
    await input.waitFor({ state: 'visible' });
    // Chart.yaml: values.yaml may be open in the probe form already, which Go to File would show instead
    await input.fill('Chart.yaml');
    // the list settles (a "recently opened" entry may come first), then Enter opens the focused row
    await eventually(async () => (await page().locator('.quick-input-widget .quick-input-list .monaco-list-row.focused', { hasText: 'Chart.yaml' }).count()) === 1, { message: 'Chart.yaml offered' });
    await input.press('Enter');
    await page().locator('.tabs-container .tab.active', { hasText: 'Chart.yaml' }).first().waitFor({ state: 'visible' });
    await page().locator('.tabs-container .tab', { hasText: `Pods: ${release} (${namespace})` }).first().click();
    const web = activeWebview();
    await eventually(async () => (await web.locator('#pods tbody tr').count()) === 1 && /failureThreshold 6/.test((await web.locator('#ratio').textContent()) ?? ''), { timeout: 20_000, message: 'the pods and the ratio shown again' });
  });

  it('Retry starts the watches again and the pod panel keeps its content', async () => {
    const web = activeWebview();
    await web.locator('#retry').click();
    await eventually(async () => /Pods: watching/.test((await web.locator('#watch-pods').textContent()) ?? '') && /Events: watching/.test((await web.locator('#watch-events').textContent()) ?? ''), {
      timeout: 30_000,
      message: 'both watches running again',
    });
    assert.equal(await web.locator('#pods tbody tr').count(), 1);
    assert.match((await web.locator('#ratio').textContent()) ?? '', /failureThreshold 6/);
  });
});
