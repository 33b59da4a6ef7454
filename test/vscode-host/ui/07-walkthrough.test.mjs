// The whole road, as a new user walks it against the rig: Add Dockerfile → Build Image → Push Image
// (to the rig's ACR through az) → Create Worker Chart → Edit Probes → Dry Run → Install or Upgrade →
// Ship a second version → the release's pod in the Pods view and its restarts-and-events panel.
// Every step goes through the UI (Explorer context menus, command palette, quick inputs, modal
// buttons, webview clicks) and checks what the user sees; the runner saves a screenshot after each.
// Needs the rig (AKS_WORKER_RIG_ENV, passed by `npm test`); without it the suite is skipped.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import {
  activeWebview,
  answerDialog,
  chooseMenuItem,
  contextMenuWith,
  dismiss,
  escapeRe,
  eventually,
  expandPane,
  explorerRow,
  openActivity,
  page,
  replaceMachineSettings,
  runCommand,
  ui,
  rigEnv,
  rigTool,
} from './harness.mjs';



// The real .NET images (no image can be pulled here), made from this machine's .NET SDK by
// test/rig/dotnet-images/build through `test/rig/rig dotnet-images` (seconds when up to date).
const RIG_SCRIPT = fileURLToPath(new URL('../../rig/rig', import.meta.url));

/**
 * Makes mcr.microsoft.com/dotnet/{sdk,aspnet,runtime}:X in the rig's engine, unless up to date.
 * Asynchronous: a cold build takes a minute or two, and the browser session must not stall meanwhile.
 */
async function ensureDotnetImages(rig) {
  try {
    await promisify(execFile)('bash', [RIG_SCRIPT, 'dotnet-images'], { env: { ...process.env, ...rig }, timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const tail = String(e.stderr ?? '').trim().split('\n').slice(-25).join('\n');
    throw new Error(`building the rig's .NET images failed (test/rig/rig dotnet-images, exit ${e.code ?? e.signal}):\n${tail || e.message}`);
  }
}

// ------------------------------------------------------------------ what the user sees

const quickInputBox = () => page().locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();

/** Waits for the quick input titled like `title` and returns its text box. */
async function quickInputTitled(title, timeout = 20_000) {
  await page().locator('.quick-input-widget', { hasText: title }).first().waitFor({ state: 'visible', timeout });
  const box = quickInputBox();
  await box.waitFor({ state: 'visible' });
  return box;
}

/** An AKS Worker error notification on screen, if any (the step then fails with its text at once). */
async function errorToast() {
  const errs = page().locator('.notifications-toasts .notification-toast', { has: page().locator('.codicon-error') });
  const n = await errs.count();
  for (let i = 0; i < n; i++) {
    const t = ((await errs.nth(i).textContent().catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
    if (t) return t;
  }
  return undefined;
}

/**
 * Like eventually(), but an error notification from the extension fails the wait at once with its
 * text (instead of waiting out a long timeout for a result that will not come).
 */
async function until(probe, { timeout, interval = 400, message }) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await probe().catch(() => false)) return;
    const failed = await errorToast().catch(() => undefined);
    if (failed) throw new Error(`while waiting for ${message}, an error notification appeared: ${failed}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Waits for a notification toast matching `re` and returns its text. */
async function toast(re, { timeout = 120_000 } = {}) {
  const t = page().locator('.notifications-toasts .notification-toast', { hasText: re }).first();
  await until(() => t.isVisible(), { timeout, message: `a notification matching ${re}` });
  return ((await t.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}


/** Right-clicks an Explorer row and runs one of its context-menu entries. */
async function explorerMenu(relPath, entry) {
  await dismiss();
  const row = await explorerRow(relPath);
  const { menu } = await contextMenuWith(row, [entry], { timeout: 30_000 });
  await chooseMenuItem(menu, entry);
}

/** Ctrl+F in the active editor: searches `text` and returns the find widget's count ("1 of 1", "No results"). */
async function findInEditor(text) {
  const p = page();
  await p.keyboard.press('Control+F');
  const widget = p.locator('.editor-group-container.active .find-widget.visible').first();
  await widget.waitFor({ state: 'visible', timeout: 10_000 });
  const input = widget.locator('.find-part textarea, .find-part input').first();
  const count = widget.locator('.matchesCount');
  // Ctrl+F seeds the search with the selection: start from a search with no result, so the count
  // read below is the one for `text`.
  await input.fill('\u2400 nothing \u2400');
  await eventually(async () => /No results/.test((await count.textContent()) ?? ''), { timeout: 10_000, message: 'an empty search' });
  await input.fill(text);
  let last = '';
  await eventually(async () => {
    last = ((await count.textContent()) ?? '').trim();
    return /\d+ of \d+|No results/.test(last);
  }, { timeout: 10_000, message: `the find result for "${text}"` });
  await p.keyboard.press('Escape');
  return last;
}

const editorText = async () => ((await page().locator('.editor-group-container.active .editor-instance .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');

describe('Walkthrough: from a .NET worker to a running pod', function () {
  this.timeout(240_000);
  const rig = rigEnv();
  const namespace = `ui-walk-${process.pid}`;
  const chart = 'walk-worker';
  const timings = [];
  let walkStart;
  let stepStart;

  before(async function () {
    if (!rig) {
      if (process.env.CI) throw new Error('the rig environment (AKS_WORKER_RIG_ENV) is missing on CI');
      console.log('      skipped: the rig is not running (AKS_WORKER_RIG_ENV unset): no Docker engine, registry or cluster to ship to');
      this.skip();
    }
    // What no user does: the .NET base images cannot be pulled here, so they are made locally.
    this.timeout(900_000);
    await ensureDotnetImages(rig);
    // What the user sets: their Helm, az and kubectl in their (machine) settings; the build's network,
    // their own namespace and a release timeout in the workspace settings. Later suites use both.
    replaceMachineSettings({ 'aksWorker.paths.helm': rig.RIG_HELM4, 'aksWorker.paths.az': rig.RIG_AZ, 'aksWorker.paths.kubectl': rig.RIG_KUBECTL });
    mkdirSync(join(ui.workspace, '.vscode'), { recursive: true });
    writeFileSync(
      join(ui.workspace, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          'aksWorker.build.extraArgs': ['--network', 'none'],
          'aksWorker.namespace': namespace,
          'aksWorker.release.timeout': '120s',
        },
        null,
        2,
      ),
    );
    walkStart = Date.now();
  });

  beforeEach(async () => {
    await dismiss();
    stepStart = Date.now();
  });

  afterEach(function () {
    if (stepStart && this.currentTest?.state === 'passed') timings.push([this.currentTest.title, Date.now() - stepStart]);
  });

  after(async () => {
    if (!rig) return;
    if (walkStart) {
      const total = timings.reduce((n, [, ms]) => n + ms, 0);
      for (const [title, ms] of timings) console.log(`      ${(ms / 1000).toFixed(1).padStart(6)} s  ${title}`);
      console.log(`      walkthrough: ${timings.length} steps in ${(total / 1000).toFixed(1)} s (${((Date.now() - walkStart) / 1000).toFixed(1)} s wall clock)`);
    }
    // Leave nothing watching the namespace, then remove it from the shared rig.
    await dismiss();
    await runCommand('AKS Worker: Stop Watching Pods').catch(() => {});
    await runCommand('View: Close All Editors').catch(() => {});
    await dismiss();
    try {
      rigTool(rig, rig.RIG_KUBECTL, ['delete', 'namespace', namespace, '--wait=false'], { timeoutMs: 180_000 });
    } catch {
      // never created, or gone already
    }
  });

  it('1. Add Dockerfile on the project replaces the sample\'s Dockerfile and opens it', async () => {
    const p = page();
    await explorerMenu('src/SampleWorker/SampleWorker.csproj', 'Add Dockerfile');
    await answerDialog(/Dockerfile already exists/, 'Replace');
    await p.locator('.tabs-container .tab.active', { hasText: 'Dockerfile' }).waitFor({ state: 'visible', timeout: 15_000 });
    await toast(/Wrote .*Dockerfile/, { timeout: 15_000 });
    await eventually(async () => /FROM mcr\.microsoft\.com\/dotnet/.test(await editorText()), { message: 'the Dockerfile in the editor' });
  });

  it('2. Build Image on the Dockerfile builds sampleworker:0.0.2', async () => {
    const p = page();
    await explorerMenu('src/SampleWorker/Dockerfile', 'Build Image');
    const name = await quickInputTitled('Build Image (1/2)');
    assert.equal(await name.inputValue(), 'sampleworker', 'the name offered comes from the project');
    await name.fill('sampleworker');
    await name.press('Enter');
    await quickInputTitled('Build Image (2/2)');
    const tagRow = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /^\s*0\.0\.2/ }).first();
    await tagRow.waitFor({ state: 'visible' });
    assert.match((await tagRow.textContent()) ?? '', /appVersion 0\.0\.1, bumped/);
    await tagRow.click();
    const text = await toast(/Built sampleworker:0\.0\.2/, { timeout: 150_000 });
    assert.match(text, /MB/);
  });

  it('3. Push Image to Registry picks the rigacr registry, logs in through az and pushes', async () => {
    const p = page();
    await runCommand('AKS Worker: Push Image to Registry');
    await quickInputTitled('Push Image: registry');
    // The user's ACRs arrive from `az acr list`.
    const acr = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'ACR rigacr' }).first();
    await acr.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await acr.textContent()) ?? '', new RegExp(escapeRe(rig.RIG_REGISTRY)));
    await acr.click();
    const text = await toast(new RegExp(`Pushed ${escapeRe(rig.RIG_REGISTRY)}/sampleworker:0\\.0\\.2`), { timeout: 150_000 });
    assert.match(text, /layers? uploaded/);
    // The registry has the tag.
    const auth = Buffer.from(`${rig.RIG_REGISTRY_USER}:${rig.RIG_REGISTRY_PASSWORD}`).toString('base64');
    const res = await fetch(`http://${rig.RIG_REGISTRY}/v2/sampleworker/tags/list`, { headers: { Authorization: `Basic ${auth}` } });
    assert.ok(((await res.json()).tags ?? []).includes('0.0.2'), 'the registry lists sampleworker:0.0.2');
  });

  it('4. Create Worker Chart on charts makes walk-worker and opens its values.yaml', async () => {
    const p = page();
    await explorerMenu('charts', 'Create Worker Chart');
    const name = await quickInputTitled('Create Worker Chart (1/2)');
    await name.fill(chart);
    await name.press('Enter');
    const repo = await quickInputTitled('Create Worker Chart (2/2)');
    assert.equal(await repo.inputValue(), `${rig.RIG_REGISTRY}/sampleworker`, 'the pushed image is offered');
    await repo.fill(`${rig.RIG_REGISTRY}/sampleworker`);
    await repo.press('Enter');
    const values = join(ui.workspace, 'charts', chart, 'values.yaml');
    await eventually(() => existsSync(values), { timeout: 60_000, message: `${values} to be written` });
    await p.locator('.tabs-container .tab.active', { hasText: 'values.yaml' }).waitFor({ state: 'visible', timeout: 20_000 });
    await eventually(async () => (await editorText()).includes(`${rig.RIG_REGISTRY}/sampleworker`), { message: 'the new values.yaml in the editor' });
    await toast(new RegExp(`Created charts/${chart} for ${escapeRe(rig.RIG_REGISTRY)}/sampleworker:0\\.0\\.2`), { timeout: 20_000 });
    assert.match(readFileSync(values, 'utf8'), /^ {2}tag: "?0\.0\.2"?$/m);
  });

  it('5. Edit Probes on the new chart shows the budget; failureThreshold 8 is saved', async () => {
    const p = page();
    await explorerMenu(`charts/${chart}`, 'Edit Probes');
    await p.locator('.tabs-container .tab', { hasText: `Probes: ${chart}` }).first().waitFor({ state: 'visible', timeout: 20_000 });
    const web = activeWebview();
    await eventually(async () => (await web.locator('#figure-max-block .value').textContent()) === '55 s', { timeout: 20_000, message: 'a 55 s budget' });
    const input = web.locator('#liveness-failureThreshold input');
    await input.click();
    await input.press('Control+A');
    await input.type('8');
    await eventually(async () => (await web.locator('#figure-max-block .value').textContent()) === '75 s', { message: 'a 75 s budget' });
    await web.locator('#save').click();
    await eventually(async () => /Saved to/.test((await web.locator('.status').textContent().catch(() => '')) ?? ''), { timeout: 20_000, message: 'the saved message' });
    const values = readFileSync(join(ui.workspace, 'charts', chart, 'values.yaml'), 'utf8');
    assert.match(values, /^ {2}failureThreshold: 8$/m);
  });

  it('6. Dry Run on the new chart opens the rendered manifest, read-only', async () => {
    const p = page();
    await explorerMenu(`charts/${chart}`, 'Dry Run');
    const tab = p.locator('.tabs-container .tab.active', { hasText: 'manifest.yaml' }).first();
    await tab.waitFor({ state: 'visible', timeout: 60_000 });
    await eventually(async () => /kind: Deployment/.test(await editorText()), { message: 'the manifest in the editor' });
    // The editor draws only the lines on screen: find the image and the probe with Ctrl+F.
    await tab.click(); // focuses the manifest's editor
    assert.equal(await findInEditor(`image: "${rig.RIG_REGISTRY}/sampleworker:0.0.2"`), '1 of 1', 'the manifest deploys the pushed image');
    assert.equal(await findInEditor('failureThreshold: 8'), '1 of 1', 'the manifest has the probe saved in the form');
    // Typing into it is refused. (Escape closes the find widget, a click puts the caret in the text.)
    await p.keyboard.press('Escape');
    await p.locator('.editor-group-container', { has: p.locator('.tab.active', { hasText: 'manifest.yaml' }) }).locator('.monaco-editor .view-lines').first().click();
    await p.keyboard.press('Control+Home');
    await p.keyboard.type('x');
    await p.locator('.monaco-editor-overlaymessage', { hasText: /read-only/i }).first().waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await tab.evaluate((e) => e.classList.contains('dirty')), false, 'the manifest was not changed');
    assert.equal(await findInEditor('x# helm upgrade'), 'No results', 'the x was not typed in');
  });

  it('7. Install or Upgrade releases walk-worker; the Workflow view shows rev 1 deployed', async () => {
    const p = page();
    await explorerMenu(`charts/${chart}`, 'Install or Upgrade');
    // The first release of this chart: the extension names the namespace and asks.
    const asked = await answerDialog(new RegExp(`Install ${chart} as release ${chart} into namespace ${escapeRe(namespace)} \\(context `), 'Install', 30_000);
    assert.match(asked, /set by aksWorker\.namespace in Workspace Settings/);
    const created = new RegExp(`${chart} revision 1 is deployed in ${escapeRe(namespace)}`);
    await until(
      async () => {
        const ask = p.locator('.monaco-dialog-box', { hasText: `The namespace ${namespace} does not exist` });
        if (await ask.isVisible()) await answerDialog(new RegExp(`The namespace ${escapeRe(namespace)} does not exist`), `Create ${namespace}`);
        return p.locator('.notifications-toasts .notification-toast', { hasText: created }).first().isVisible();
      },
      { timeout: 180_000, interval: 500, message: `the "${created.source}" notification` },
    );
    await openActivity('AKS Worker');
    const pane = await expandPane('Workflow');
    const release = pane.locator('.monaco-list-row[aria-level="1"]', { has: p.locator('.label-name', { hasText: /^Release$/ }) }).first();
    await eventually(async () => /walk-worker rev 1 deployed \(0\.0\.2\)/.test((await release.textContent()) ?? ''), { timeout: 20_000, message: 'the Release step: walk-worker rev 1 deployed (0.0.2)' });
  });

  it('8. Ship builds, pushes, bumps and upgrades a second version after the user confirms', async () => {
    const p = page();
    await explorerMenu(`charts/${chart}`, 'Ship (build → preflight → push → bump → upgrade)');
    const ask = await answerDialog(new RegExp(`Ship ${escapeRe(rig.RIG_REGISTRY)}/sampleworker:0\\.0\\.3 as ${chart} to ${escapeRe(namespace)}`), 'Ship', 30_000);
    assert.match(ask, /logging in to ACR rigacr/);
    const text = await toast(new RegExp(`Shipped ${escapeRe(rig.RIG_REGISTRY)}/sampleworker:0\\.0\\.3: ${chart} revision 2 deployed in ${escapeRe(namespace)}`), { timeout: 200_000 });
    assert.match(text, /\(\d+ s\)/);
    const chartYaml = readFileSync(join(ui.workspace, 'charts', chart, 'Chart.yaml'), 'utf8');
    assert.match(chartYaml, /^appVersion: "0\.0\.3"$/m);
  });

  it('9. The Pods view shows the release\'s pod; its restarts and events open from the pod row', async () => {
    const p = page();
    await openActivity('AKS Worker');
    const pane = await expandPane('Pods');
    const releaseRow = pane.locator('.monaco-list-row', { has: p.locator('.label-name', { hasText: new RegExp(`^${chart}$`) }) }).first();
    await releaseRow.waitFor({ state: 'visible', timeout: 60_000 });
    // Revision 2 replaced the pod: wait until the old one is gone and the new one is ready.
    const podRows = pane.locator(`.monaco-list-row[aria-label^="Pod ${chart}-"]`);
    await eventually(
      async () => (await podRows.count()) === 1 && /, Running,/.test((await podRows.first().getAttribute('aria-label')) ?? '') && /1\/1 ready/.test((await releaseRow.textContent()) ?? ''),
      { timeout: 90_000, message: `one running pod, ${chart} 1/1 ready` },
    );
    const podRow = podRows.first();
    const podName = /^Pod (\S+?),/.exec((await podRow.getAttribute('aria-label')) ?? '')?.[1];
    assert.ok(podName, 'the pod row names the pod');

    const { menu } = await contextMenuWith(podRow, ['Show Pod Restarts and Events']);
    await chooseMenuItem(menu, 'Show Pod Restarts and Events');
    await p.locator('.tabs-container .tab.active', { hasText: new RegExp(`^\\s*Pods: .*\\(${escapeRe(namespace)}\\)`) }).first().waitFor({ state: 'visible', timeout: 20_000 });
    const web = activeWebview();
    await eventually(async () => /Pods: watching/.test((await web.locator('#watch-pods').textContent()) ?? ''), { timeout: 30_000, message: 'the pods watch running' });
    const row = web.locator('#pods tbody tr', { hasText: podName }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await row.locator('td.restarts').textContent())?.trim(), '0');
  });
});
