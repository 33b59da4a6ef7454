#!/usr/bin/env node
// UI end-to-end tests: packages the VSIX, installs it into a fresh code-server, opens a copy of
// the sample worker workspace in headless Chromium and runs ui/*.test.mjs (mocha driving
// playwright-core) as a new user would. Screenshots of each test's last state go to
// test-results/ui/, plus the page console for failed tests.
//
//   node test/vscode-host/run-ui.mjs [--no-package] [--vsix FILE] [--grep PATTERN]
//
// Env: AKS_WORKER_UI_TIMEOUT (seconds for the whole run, default 1200), AKS_WORKER_KEEP_TMP=1.
// Closes with "N passed, N failed"; exit code 0 only when every test passed.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  HOST_DIR,
  RESULTS_DIR,
  ROOT,
  EXTENSION_ID,
  cleanupNow,
  codeServerCli,
  copySampleWorkspace,
  ensureInstalled,
  launchBrowser,
  log,
  makeTempDir,
  readRootPackage,
  runChecked,
  startCodeServer,
  testEnv,
  workbenchUrl,
} from './lib.mjs';
import { ui } from './ui/harness.mjs';

const { values: opts } = parseArgs({
  options: {
    'no-package': { type: 'boolean', default: false },
    vsix: { type: 'string' },
    grep: { type: 'string' },
    timeout: { type: 'string', default: process.env.AKS_WORKER_UI_TIMEOUT || '1200' },
  },
});

const UI_RESULTS = join(RESULTS_DIR, 'ui');
const counts = { passed: 0, failed: 0, skipped: 0 };

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

function vsixPath() {
  if (opts.vsix) return opts.vsix;
  const { name, version } = readRootPackage();
  const file = join(ROOT, 'dist-vsix', `${name}-${version}.vsix`);
  if (!opts['no-package']) {
    log('packaging the VSIX (npm run package)');
    runChecked('npm', ['run', '--silent', 'package'], { cwd: ROOT });
  }
  if (!existsSync(file)) throw new Error(`${file} not found (npm run package should produce it)`);
  return file;
}

async function main() {
  const started = Date.now();
  ensureInstalled();
  const vsix = vsixPath();
  rmSync(UI_RESULTS, { recursive: true, force: true });
  mkdirSync(UI_RESULTS, { recursive: true });

  const tmp = makeTempDir('ui');
  const workspace = copySampleWorkspace(tmp);
  const extensionsDir = join(tmp, 'extensions');
  log(`installing ${vsix} into a fresh extensions dir`);
  const out = codeServerCli(tmp, ['--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', join(tmp, 'user-data')]);
  if (!/successfully installed/i.test(out)) throw new Error(`VSIX install did not report success:\n${out}`);
  const installed = readdirSync(extensionsDir).filter((d) => d.startsWith(`${EXTENSION_ID}-`));
  if (installed.length !== 1) throw new Error(`expected one ${EXTENSION_ID}-* folder in ${extensionsDir}, found: ${readdirSync(extensionsDir).join(', ')}`);

  const server = await startCodeServer({ tmp, extensionsDir, env: testEnv(tmp) });
  log(`code-server up at ${server.url} (pid group ${server.pid})`);
  const context = await launchBrowser(tmp);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => ui.console.push(`[${new Date().toISOString()}] [${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => ui.console.push(`[${new Date().toISOString()}] [pageerror] ${e.stack ?? e.message}`));
  const url = workbenchUrl(server, workspace);
  log(`opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
  // The extension's contributions are in once its activity-bar entry shows (the tests check it too).
  await page
    .locator('.activitybar .action-item [aria-label^="AKS Worker"]')
    .first()
    .waitFor({ state: 'attached', timeout: 60_000 })
    .catch(() => log('the AKS Worker activity-bar entry did not show within 60 s; running the tests anyway'));
  Object.assign(ui, { page, server, workspace, resultsDir: UI_RESULTS });

  const { default: Mocha } = await import('mocha');
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    slow: 10_000,
    reporter: Reporter,
    rootHooks: {
      async afterEach() {
        const test = this.currentTest;
        const name = `${String(++shot).padStart(2, '0')}-${slug(test.fullTitle())}`;
        await page.screenshot({ path: join(UI_RESULTS, `${name}.png`), timeout: 10_000 }).catch((e) => log(`screenshot failed: ${e.message}`));
        if (test.state === 'failed') {
          writeFileSync(join(UI_RESULTS, `${name}.console.txt`), ui.console.join('\n'));
          writeFileSync(join(UI_RESULTS, `${name}.code-server.log`), server.tailLog(300));
        }
      },
    },
  });
  let shot = 0;
  if (opts.grep) mocha.grep(new RegExp(opts.grep));
  const files = readdirSync(join(HOST_DIR, 'ui'))
    .filter((f) => f.endsWith('.test.mjs'))
    .sort()
    .map((f) => join(HOST_DIR, 'ui', f));
  if (!files.length) throw new Error('no ui/*.test.mjs files');
  for (const f of files) mocha.addFile(f);
  await mocha.loadFilesAsync();

  let timer;
  const failures = await Promise.race([
    new Promise((res) => mocha.run(res)),
    new Promise((res) => {
      timer = setTimeout(() => res('timeout'), Number(opts.timeout) * 1000);
    }),
  ]);
  clearTimeout(timer);
  if (failures === 'timeout') {
    console.log(`\nUI suite did not finish within ${opts.timeout} s`);
    await page.screenshot({ path: join(UI_RESULTS, 'timeout.png') }).catch(() => {});
    writeFileSync(join(UI_RESULTS, 'timeout.console.txt'), ui.console.join('\n'));
    counts.failed = Math.max(1, counts.failed);
  }
  await context.close().catch(() => {});
  log(`UI suite finished in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${UI_RESULTS}`);
  console.log(`\n${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
  return counts.failed === 0 && counts.passed > 0 ? 0 : 1;
}

/** One line per test on stdout. */
function Reporter(runner) {
  runner.on('pass', (t) => {
    counts.passed++;
    console.log(`  ✓ ${t.fullTitle()} (${t.duration} ms)`);
  });
  runner.on('fail', (t, err) => {
    counts.failed++;
    console.log(`  ✗ ${t.fullTitle()}\n${String(err?.stack ?? err).split('\n').slice(0, 12).map((l) => `      ${l}`).join('\n')}`);
  });
  runner.on('pending', (t) => {
    counts.skipped++;
    console.log(`  - ${t.fullTitle()} (skipped)`);
  });
}

main()
  .then((code) => {
    cleanupNow();
    process.exit(code);
  })
  .catch((err) => {
    console.error(`\nUI runner error: ${err?.stack ?? err}`);
    console.log(`\n${counts.passed} passed, ${Math.max(1, counts.failed)} failed`);
    cleanupNow();
    process.exit(1);
  });
