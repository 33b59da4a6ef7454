// Themes: a worker whose health endpoint hangs runs on the rig; the user opens its pod panel and the
// probe form, then switches the color theme through Preferences: Color Theme to Light, Dark, Dark
// High Contrast and Light High Contrast. In each, both webviews are screenshot into test-results/ui/
// and every kind of mark in their charts is checked against the background it is drawn on: its
// colour must stand out, and in high contrast its border must be the theme's contrast border. The
// theme the session had is picked again at the end. Needs the rig (AKS_WORKER_RIG_ENV, passed by
// `npm test`); without it the suite is skipped.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { activeWebview, dismiss, escapeRe, eventually, openActivity, page, rigControl, rigEnv, rigTool, runCommand, ui, replaceMachineSettings, replaceWorkspaceSettings, skipWithoutRig } from './harness.mjs';

const THEMES = [
  { label: 'Light Modern', workbench: 'vs', body: 'vscode-light', hc: false },
  { label: 'Dark Modern', workbench: 'vs-dark', body: 'vscode-dark', hc: false },
  { label: 'Dark High Contrast', workbench: 'hc-black', body: 'vscode-high-contrast', hc: true },
  { label: 'Light High Contrast', workbench: 'hc-light', body: 'vscode-high-contrast-light', hc: true },
];

/**
 * Marks of the pod panel, by kind: CSS selectors tried in order (a mark at an exact time before one
 * whose time is estimated from an aggregated event). `filled` marks are shapes with a fill and,
 * in high contrast, a border; the others are strokes. The legend draws every kind, so kinds the
 * rig's pod did not produce (BackOff, other warnings) are checked there.
 */
const POD_MARKS = {
  restart: { sel: ['svg[id^="timeline-"] .pt.restart:not(.approx) circle', 'svg[id^="timeline-"] .pt.restart circle'], filled: true, required: true },
  Unhealthy: { sel: ['svg[id^="timeline-"] .pt.unhealthy:not(.approx) path', 'svg[id^="timeline-"] .pt.unhealthy path'], filled: true, required: true },
  'Unhealthy (estimated time)': { sel: ['svg[id^="timeline-"] .pt.unhealthy.approx path'], filled: true },
  Killing: { sel: ['svg[id^="timeline-"] .pt.killing:not(.approx) path.mark', 'svg[id^="timeline-"] .pt.killing path.mark'], halo: true, required: true },
  'Killing (estimated time)': { sel: ['svg[id^="timeline-"] .pt.killing.approx path.mark'], halo: true },
  BackOff: { sel: ['svg[id^="timeline-"] .pt.backoff rect', '.legend .pt.backoff rect'], filled: true, required: true },
  'other warning': { sel: ['svg[id^="timeline-"] .pt.warning path', '.legend .pt.warning path'], filled: true, required: true },
  'restart line': { sel: ['svg[id^="timeline-"] line.restart-line'], required: true },
};

/** Marks of the probe form: the budget's timeline of a hung worker, and the measured latencies when there are some. */
const PROBE_MARKS = {
  'probe answered': { sel: ['#budget svg.timeline circle.ok'], filled: true, required: true },
  'probe fired': { sel: ['#budget svg.timeline circle.fire'], filled: true, required: true },
  'timed-out probe bar': { sel: ['#budget svg.timeline rect.timeout'], filled: true, required: true },
  'worker blocked band': { sel: ['#budget svg.timeline rect.hang'], filled: true, band: true, required: true },
  'kill line': { sel: ['#budget svg.timeline line.kill'], required: true },
  'request bar': { sel: ['svg.latency rect.sample'], filled: true },
  'probe timeout line': { sel: ['svg.latency line.limit'] },
};

/**
 * In the webview, in one go (the page renders again on each update from the extension): scrolls the
 * chart into view, then reads each mark's computed paint, its opacity down from the body, and the
 * colour behind it.
 */
function readMarks(body, { marks, chart }) {
  document.querySelector(chart)?.scrollIntoView({ block: 'center' });
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'var(--vscode-editor-background)';
  probe.style.color = 'var(--vscode-contrastBorder, transparent)';
  body.append(probe);
  const editorBg = getComputedStyle(probe).backgroundColor;
  const contrastBorder = getComputedStyle(probe).color;
  probe.remove();
  const out = {};
  for (const [kind, { sel }] of Object.entries(marks)) {
    const el = sel.map((s) => document.querySelector(s)).find(Boolean);
    if (!el) continue;
    const s = getComputedStyle(el);
    let opacity = 1;
    for (let e = el; e && e !== body; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    let bg;
    for (let e = el.parentElement; e && !bg; e = e.parentElement) {
      const b = getComputedStyle(e).backgroundColor;
      if (b && b !== 'transparent' && !/^rgba\(.*, 0\)$/.test(b)) bg = b;
    }
    const halo = el.parentElement?.querySelector('.halo');
    out[kind] = {
      approx: !!el.closest('.approx'),
      fill: s.fill,
      fillOpacity: Number(s.fillOpacity),
      stroke: s.stroke,
      strokeWidth: parseFloat(s.strokeWidth) || 0,
      strokeOpacity: Number(s.strokeOpacity),
      opacity,
      bg: bg ?? editorBg,
      ...(halo ? { halo: { stroke: getComputedStyle(halo).stroke, strokeWidth: parseFloat(getComputedStyle(halo).strokeWidth) || 0 } } : {}),
    };
  }
  return { bodyClass: body.className, editorBg, contrastBorder, marks: out };
}

/** A computed colour: rgb()/rgba(), or color(srgb …) as relative colours compute. */
function rgba(css) {
  const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(css ?? '');
  if (m) return { r: Number(m[1]), g: Number(m[2]), b: Number(m[3]), a: m[4] === undefined ? 1 : Number(m[4]) };
  const c = /^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/.exec(css ?? '');
  return c ? { r: Number(c[1]) * 255, g: Number(c[2]) * 255, b: Number(c[3]) * 255, a: c[4] === undefined ? 1 : Number(c[4]) } : undefined;
}

/** `paint` with `alpha` over the opaque `bg`. */
function over(paint, alpha, bg) {
  const a = paint.a * alpha;
  return { r: paint.r * a + bg.r * (1 - a), g: paint.g * a + bg.g * (1 - a), b: paint.b * a + bg.b * (1 - a), a: 1 };
}

/** WCAG contrast ratio of two opaque colours. */
function contrast(x, y) {
  const lum = ({ r, g, b }) => {
    const c = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
  };
  const [l1, l2] = [lum(x), lum(y)].sort((a, b) => b - a);
  return (l1 + 0.05) / (l2 + 0.05);
}

const sameColour = (a, b) => !!a && !!b && ['r', 'g', 'b', 'a'].every((k) => Math.abs(a[k] - b[k]) < 1.5 / (k === 'a' ? 255 : 1));

/**
 * Checks the marks read in one theme; returns a line per mark for the log. Every mark's own paint
 * (fill; stroke for a line, and the outline of a mark at an estimated time) must differ from the
 * background behind it: at least 2:1 in Light and Dark with the theme's chart colours, 1.2:1 for the
 * band that only shades the time the worker is blocked. In high contrast every filled mark and the
 * Killing cross's halo carry the theme's contrast border, and the border and every line reach 3:1
 * (WCAG's non-text contrast).
 */
function checkMarks(panel, theme, read, spec) {
  const lines = [];
  const failures = [];
  const check = (ok, message) => {
    if (!ok) failures.push(message);
    return ok;
  };
  const bg0 = rgba(read.editorBg);
  assert.ok(bg0 && bg0.a === 1, `${panel} in ${theme.label}: the editor background resolves to an opaque colour (${read.editorBg})`);
  for (const [kind, def] of Object.entries(spec)) {
    const m = read.marks[kind];
    if (!m) {
      check(!def.required, `${panel} in ${theme.label}: a ${kind} mark is drawn`);
      continue;
    }
    const bg = rgba(m.bg);
    const where = `${panel} in ${theme.label}, ${kind}`;
    // a mark at an estimated time is faded inside an outline in its own colour (high contrast: the border)
    const byFill = def.filled && !(m.approx && !theme.hc);
    const paintCss = byFill ? m.fill : m.stroke;
    const paint = rgba(paintCss);
    if (!check(paint && paint.a > 0, `${where}: has a colour (${byFill ? 'fill' : 'stroke'} ${paintCss})`)) continue;
    if (!byFill && def.filled) check(m.strokeWidth >= 1, `${where}: its outline is at least 1px wide (got ${m.strokeWidth})`);
    const alpha = m.opacity * (byFill ? m.fillOpacity : m.strokeOpacity);
    const seen = over(paint, alpha, bg);
    const ratio = contrast(seen, bg);
    check(!sameColour(seen, bg), `${where}: its colour ${paintCss} differs from the background ${m.bg}`);
    const min = def.band ? 1.2 : theme.hc ? 3 : 2;
    let line = `${kind}${m.approx ? ' (estimated)' : ''}: ${byFill ? 'fill' : 'stroke'} ${paintCss} × ${alpha.toFixed(2)} on ${m.bg} → ${ratio.toFixed(2)}:1`;
    if (theme.hc) {
      const border = rgba(read.contrastBorder);
      if (!check(border && border.a > 0, `${theme.label} has a contrast border colour (${read.contrastBorder})`)) continue;
      const edge = def.filled ? { stroke: m.stroke, width: m.strokeWidth, opacity: m.opacity * m.strokeOpacity } : def.halo ? { stroke: m.halo?.stroke, width: m.halo?.strokeWidth, opacity: m.opacity } : undefined;
      if (edge) {
        check(sameColour(rgba(edge.stroke), border), `${where}: the border is the theme's contrast border ${read.contrastBorder} (got ${edge.stroke})`);
        check(edge.width >= 1, `${where}: the border is at least 1px wide (got ${edge.width})`);
        const edgeRatio = contrast(over(border, edge.opacity, bg), bg);
        check(edgeRatio >= 3, `${where}: the border stands out from the background (${edgeRatio.toFixed(2)}:1)`);
        line += `, border ${edge.stroke} ${edge.width}px → ${edgeRatio.toFixed(2)}:1`;
      } else {
        check(ratio >= min, `${where}: the line stands out in high contrast (${ratio.toFixed(2)}:1, at least ${min}:1)`);
      }
    } else {
      check(ratio >= min, `${where}: ${ratio.toFixed(2)}:1 against the background ${m.bg} (at least ${min}:1)`);
    }
    lines.push(line);
  }
  return { lines, failures };
}

/** The workbench's theme type: vs, vs-dark, hc-black or hc-light. */
async function workbenchThemeType() {
  const classes = ((await page().locator('.monaco-workbench').first().getAttribute('class')) ?? '').split(/\s+/);
  return ['hc-black', 'hc-light', 'vs-dark', 'vs'].find((c) => classes.includes(c));
}

/**
 * Picks a theme in Preferences: Color Theme, as a user does, and waits for the workbench to wear it
 * (`type`: its theme type). An attempt the workbench interrupted (a busy machine closes or delays the
 * picker) starts again from the palette.
 */
async function pickTheme(label, type) {
  const p = page();
  const row = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { has: p.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) }).first();
  const input = p.locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
  let picked = false;
  await eventually(
    async () => {
      if (picked && (await workbenchThemeType()) === type) return true;
      await runCommand('Preferences: Color Theme');
      await input.waitFor({ state: 'visible', timeout: 20_000 });
      await input.fill(label);
      await row.waitFor({ state: 'visible', timeout: 20_000 });
      await row.click({ timeout: 20_000 });
      picked = true;
      await eventually(async () => (await workbenchThemeType()) === type, { timeout: 30_000, message: `the workbench in ${label}` });
      await dismiss();
      return true;
    },
    { timeout: 150_000, interval: 2000, message: `the theme ${label} picked` },
  );
}

/** The label of the theme the picker marks as current, and the workbench's theme type. */
async function currentTheme() {
  const p = page();
  const type = await workbenchThemeType();
  return eventually(
    async () => {
      await runCommand('Preferences: Color Theme');
      const focused = p.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first();
      await focused.waitFor({ state: 'visible', timeout: 20_000 });
      const label = ((await focused.textContent()) ?? '').trim();
      await dismiss();
      return label ? { label, type } : undefined;
    },
    { timeout: 90_000, interval: 2000, message: 'the current theme in the picker' },
  );
}

/** Shows the editor tab whose title starts with `title` and returns its webview once it wears the theme. */
async function showPanel(title, theme) {
  const tab = page().locator('.tabs-container .tab', { hasText: title }).first();
  await tab.click();
  await page().locator('.tabs-container .tab.active', { hasText: title }).first().waitFor({ state: 'visible', timeout: 10_000 });
  const web = activeWebview();
  await eventually(
    async () => {
      const cls = (await web.locator('body').getAttribute('class', { timeout: 10_000 })) ?? '';
      const classes = cls.split(/\s+/);
      return classes.includes(theme.body) && (theme.hc || !classes.includes('vscode-high-contrast'));
    },
    { timeout: 90_000, message: `the ${title} webview in ${theme.label}` },
  );
  return web;
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

describe('Themes', function () {
  this.timeout(300_000);
  const rig = rigEnv();
  const namespace = `ui-themes-${process.pid}`;
  const release = 'hangs';
  const podTab = `Pods: ${release} (${namespace})`;
  const probeTab = 'Probes: sample-worker';
  /** Puts the workspace settings back as they were. */
  let restoreSettings;
  let restoreMachine;
  let previousTimeScale;
  let originalTheme;

  before(async function () {
    skipWithoutRig(this, ', so there are no pods with failing probes to draw');
    restoreSettings = replaceWorkspaceSettings({ 'aksWorker.namespace': namespace });
    restoreMachine = replaceMachineSettings({ 'aksWorker.paths.kubectl': rig.RIG_KUBECTL });
    previousTimeScale = (await rigControl(rig, 'GET', 'state'))?.timeScale;
    await rigControl(rig, 'POST', 'config', { timeScale: 0.02 });
    await rigControl(rig, 'POST', 'health', { namespace, deployment: `${release}-sample-worker`, health: { mode: 'hang' } });
    rigTool(rig, rig.RIG_HELM4, ['upgrade', '--install', release, join(ui.workspace, 'charts', 'sample-worker'), '--namespace', namespace, '--create-namespace']);
  });

  after(async () => {
    if (!rig) return;
    await dismiss();
    if (originalTheme) await pickTheme(originalTheme.label, originalTheme.type).catch((e) => console.log(`      could not pick ${originalTheme.label} again: ${e.message}`));
    await runCommand('View: Close All Editors').catch(() => {});
    try {
      rigTool(rig, rig.RIG_KUBECTL, ['delete', 'namespace', namespace, '--wait=false']);
    } catch {
      // the namespace may be gone already
    }
    if (previousTimeScale !== undefined) await rigControl(rig, 'POST', 'config', { timeScale: previousTimeScale }).catch(() => {});
    restoreSettings?.();
    restoreMachine?.();
  });

  it('opens the pod panel of a worker whose probes fail, with Unhealthy and Killing on its timeline', async () => {
    await runCommand('View: Close All Editors');
    originalTheme = await currentTheme();
    console.log(`      theme of the session: ${originalTheme.label} (${originalTheme.type})`);
    await openActivity('AKS Worker');
    const input = page().locator('.quick-input-widget input[type="text"], .quick-input-widget input.input').first();
    const tab = page().locator('.tabs-container .tab', { hasText: podTab }).first();
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
      { timeout: 60_000, interval: 1000, message: 'the pod panel of the hanging release opened' },
    );
    const web = activeWebview();
    await eventually(
      async () =>
        (await web.locator('svg[id^="timeline-"] .pt.unhealthy').count()) > 0 &&
        (await web.locator('svg[id^="timeline-"] .pt.killing').count()) > 0 &&
        (await web.locator('svg[id^="timeline-"] .pt.restart').count()) > 0,
      { timeout: 120_000, interval: 1000, message: 'Unhealthy, Killing and restart marks on the timeline' },
    );
  });

  it('opens the probe form beside it, its budget drawing the probes that time out', async () => {
    const tab = page().locator('.tabs-container .tab', { hasText: probeTab }).first();
    const pick = page().locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'charts/sample-worker' }).first();
    // with several charts in the workspace (after the walkthrough) it asks which
    await eventually(
      async () => {
        await runCommand('AKS Worker: Edit Probes');
        return eventually(
          async () => {
            if (await tab.isVisible()) return true;
            if (await pick.isVisible()) await pick.click();
            return false;
          },
          { timeout: 30_000, message: 'the probe form of sample-worker' },
        );
      },
      { timeout: 120_000, interval: 1000, message: 'the probe form of sample-worker' },
    );
    const web = activeWebview();
    await eventually(async () => (await web.locator('#budget svg.timeline rect.timeout').count()) > 0, { timeout: 60_000, message: 'timed-out probes in the budget' });
  });

  for (const theme of THEMES) {
    it(`draws every mark of both panels so it stands out in ${theme.label}`, async () => {
      await pickTheme(theme.label, theme.workbench);
      const report = [];
      const failures = [];
      for (const [panel, title, spec, focus] of [
        ['pod panel', podTab, POD_MARKS, 'svg[id^="timeline-"]'],
        ['probe form', probeTab, PROBE_MARKS, '#budget svg.timeline'],
      ]) {
        const web = await showPanel(title, theme);
        await page().mouse.move(0, 0);
        await web.locator(focus).first().waitFor({ state: 'visible', timeout: 30_000 });
        const read = await web.locator('body').evaluate(readMarks, { marks: spec, chart: focus });
        const { lines, failures: found } = checkMarks(panel, theme, read, spec);
        report.push(`${panel} (${read.bodyClass}, background ${read.editorBg}${theme.hc ? `, contrast border ${read.contrastBorder}` : ''})`, ...lines.map((l) => `  ${l}`));
        failures.push(...found);
        await page().screenshot({ path: join(ui.resultsDir, `themes-${slug(theme.label)}-${slug(panel)}.png`), timeout: 60_000 });
      }
      console.log(report.map((l) => `      ${l}`).join('\n'));
      assert.deepEqual(failures, [], `marks that do not stand out in ${theme.label}`);
    });
  }
});
