// Shared state and workbench helpers for the UI end-to-end tests (ui/*.test.mjs).
// run-ui.mjs fills `ui` (page, server, workspace) before mocha loads the tests; the tests act
// like a person would: click, type, right-click, and look at what the workbench shows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {{ page: import('playwright-core').Page; server: any; workspace: string; resultsDir: string; console: string[] }} */
export const ui = { page: undefined, server: undefined, workspace: undefined, resultsDir: undefined, console: [] };

export const page = () => ui.page;

/** Closes menus, quick inputs and notifications a previous step may have left open. */
export async function dismiss() {
  const p = page();
  for (let i = 0; i < 3; i++) await p.keyboard.press('Escape');
}

/** Waits until `probe()` resolves truthy; retries on throw. */
export async function eventually(probe, { timeout = 15_000, interval = 300, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastErr;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${lastErr ? `: ${lastErr.message}` : ''}${last !== undefined ? ` (last: ${JSON.stringify(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Opens the command palette (F1), types `title`, checks it is offered, and runs it. */
export async function runCommand(title) {
  const p = page();
  const input = p.locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
  // The palette can open and close again at once (focus taken by a view or an editor that just
  // opened; the workbench briefly inert): close what is open and open it again.
  for (let attempt = 0; ; attempt++) {
    await dismiss();
    await p.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5_000 });
      break;
    } catch (err) {
      if (attempt === 2) throw err;
      await p.waitForTimeout(1000);
    }
  }
  const row = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

/** Clears every notification (for tests that provoke an error notification on purpose). */
export async function clearNotifications() {
  await runCommand('Notifications: Clear All Notifications');
}

/** Clicks an activity-bar entry by its accessible name (e.g. "AKS Worker", "Explorer"). */
export async function openActivity(name) {
  const p = page();
  const item = p.locator(`.activitybar .action-item a[aria-label^="${name}"], .activitybar .action-item .action-label[aria-label^="${name}"]`).first();
  await item.waitFor({ state: 'visible', timeout: 20_000 });
  const checked = await item.evaluate((e) => e.closest('.action-item')?.classList.contains('checked'));
  if (!checked) await item.click();
  return item;
}

/** The view pane (header + body) whose title is `title`, in the side bar. */
export function viewPane(title) {
  const p = page();
  return p.locator('.part.sidebar .pane', { has: p.locator('.pane-header .title', { hasText: new RegExp(`^${escapeRe(title)}$`, 'i') }) });
}

/** Makes sure a view pane is expanded. */
export async function expandPane(title) {
  const pane = viewPane(title);
  await pane.waitFor({ state: 'visible', timeout: 15_000 });
  const header = pane.locator('.pane-header').first();
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return pane;
}

/** Shows the Explorer and expands folders down to `relPath` (e.g. "src/SampleWorker/Dockerfile"); returns that row. */
export async function explorerRow(relPath) {
  const p = page();
  await openActivity('Explorer');
  const parts = relPath.split('/');
  let row;
  for (let i = 0; i < parts.length; i++) {
    row = p.locator(`.explorer-folders-view .monaco-list-row[aria-level="${i + 1}"][aria-label="${parts[i]}"]`).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    if (i < parts.length - 1 && (await row.getAttribute('aria-expanded')) === 'false') {
      await row.click();
      await p.locator(`.explorer-folders-view .monaco-list-row[aria-level="${i + 2}"]`).first().waitFor({ timeout: 10_000 });
    }
  }
  return row;
}

/** Right-clicks `locator`, returns the labels of the context menu that opens, and closes it. */
export async function contextMenuLabels(locator) {
  const p = page();
  // A hover card left by an earlier test (the Explorer's path tooltip) can cover the row: move the
  // mouse away and let it close before the right-click.
  const hover = p.locator('.context-view .hover-contents');
  if (await hover.count()) {
    await p.mouse.move(0, 0);
    await p.keyboard.press('Escape');
    await hover.first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  }
  await locator.click({ button: 'right' });
  const menu = p.locator('.context-view .monaco-menu').first();
  await menu.waitFor({ state: 'visible', timeout: 10_000 });
  const items = menu.locator('.action-item .action-label');
  await items.first().waitFor({ state: 'visible', timeout: 5_000 });
  const labels = (await items.allTextContents()).map((t) => t.trim()).filter(Boolean);
  return { labels, menu, close: () => p.keyboard.press('Escape') };
}

/**
 * Right-clicks until the menu contains everything in `expected` (context keys are set when the
 * extension has scanned the workspace), leaving the menu open. Returns { labels, menu, close }.
 */
export async function contextMenuWith(locator, expected, { timeout = 20_000 } = {}) {
  const p = page();
  let last;
  await eventually(
    async () => {
      if (last) await p.keyboard.press('Escape');
      last = await contextMenuLabels(locator);
      return expected.every((e) => last.labels.includes(e));
    },
    { timeout, interval: 700, message: `context menu entries ${expected.join(', ')}` },
  ).catch((e) => {
    throw new Error(`${e.message}; menu had: ${last?.labels.join(' | ')}`);
  });
  return last;
}

/** Runs a context-menu entry: hover to focus it, then Enter (menus act on keyboard and mouse-up). */
export async function chooseMenuItem(menu, label) {
  const item = menu.locator('.action-item', { has: page().locator('.action-label', { hasText: new RegExp(`^${escapeRe(label)}$`) }) }).first();
  await item.hover();
  await eventually(async () => (await item.evaluate((e) => e.classList.contains('focused'))) || (await item.getAttribute('class'))?.includes('focused'), {
    timeout: 5_000,
    message: `menu entry "${label}" focused`,
  }).catch(() => {});
  await page().keyboard.press('Enter');
}

/** The Playwright frame of the active webview's content. */
export function activeWebview() {
  return page().frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The rig's environment (`export K=V` lines of $AKS_WORKER_RIG_ENV), or undefined without a rig. */
export function rigEnv() {
  const file = process.env.AKS_WORKER_RIG_ENV;
  if (!file || !existsSync(file)) return undefined;
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** Calls the rig's control API (`$RIG_CONTROL_URL/PATH`) with its CA and token. */
export function rigControl(rig, method, path, body) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`${rig.RIG_CONTROL_URL}/${path}`),
      { method, ca: readFileSync(rig.RIG_KUBE_CA), headers: { Authorization: `Bearer ${rig.RIG_KUBE_TOKEN}`, 'Content-Type': 'application/json' } },
      (res) => {
        let s = '';
        res.on('data', (d) => (s += d));
        res.on('end', () => ((res.statusCode ?? 500) >= 400 ? reject(new Error(`control ${method} ${path}: ${res.statusCode} ${s}`)) : resolve(s ? JSON.parse(s) : undefined)));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Runs a CLI (helm, kubectl, docker) with the rig's environment in a throwaway HOME; its stdout, or an error. */
export function rigTool(rig, bin, args, { cwd, timeoutMs = 120_000 } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'aksw-ui-tool-'));
  const r = spawnSync(bin, args, { cwd, env: { ...process.env, ...rig, HOME: home, KUBECACHEDIR: join(home, 'kubecache') }, encoding: 'utf8', timeout: timeoutMs });
  rmSync(home, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} → ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Replaces what a text field holds, as a person would: click, select all, type. */
export async function retype(locator, text) {
  await locator.click();
  await locator.press('Control+A');
  await locator.type(text);
}

/** Clicks `button` in the modal dialog showing `re`; returns the dialog's text. */
export async function answerDialog(re, button, timeout = 20_000) {
  const dialog = page().locator('.monaco-dialog-box', { hasText: re });
  await dialog.waitFor({ state: 'visible', timeout });
  const text = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^${escapeRe(button)}$`) }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  return text;
}

/**
 * Replaces the workspace settings (.vscode/settings.json) with `values`; returns a function that
 * puts back what was there (or removes the file).
 */
export function replaceWorkspaceSettings(values) {
  return replaceSettingsFile(join(ui.workspace, '.vscode'), values);
}

/** Writes `values` as `dir`/settings.json; returns a function that puts back what was there. */
function replaceSettingsFile(dir, values) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'settings.json');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  writeFileSync(file, JSON.stringify(values, null, 2));
  return () => {
    if (previous !== undefined) writeFileSync(file, previous);
    else rmSync(file, { force: true });
  };
}

/**
 * Replaces the machine settings of this window with `values`: code-server's `Machine/settings.json`,
 * the Remote tab of the Settings editor, where the `aksWorker.paths.*` machine settings take effect
 * (a workspace cannot set them). Returns a function that puts back what was there.
 */
export function replaceMachineSettings(values) {
  return replaceSettingsFile(join(ui.server.userDataDir, 'Machine'), values);
}

/** A suite that needs the rig: skipped without one (saying `why`), an error on CI. */
export function skipWithoutRig(ctx, why) {
  if (rigEnv()) return;
  if (process.env.CI) throw new Error('the rig environment (AKS_WORKER_RIG_ENV) is missing on CI');
  console.log(`      skipped: the rig is not running (AKS_WORKER_RIG_ENV unset)${why}`);
  ctx.skip();
}
