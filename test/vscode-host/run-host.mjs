#!/usr/bin/env node
// Runs the extension-host test suite (test/host/*.test.ts → out/test/host/) inside a real
// VS Code: code-server's workbench in headless Chromium, with the extension loaded as an
// extension under development and mocha running in code-server's Node extension host.
//
//   node test/vscode-host/run-host.mjs [--no-build] [--grep PATTERN] [--timeout SECONDS]
//
// Env: AKS_WORKER_HOST_TIMEOUT (seconds, default 900), AKS_WORKER_KEEP_TMP=1 (keep temp dirs),
//      AKS_WORKER_EXTENSION_PATH (load another extension folder; for testing the runner).
// Prints one line per test and closes with "N passed, N failed"; exit code 0 only when
// the suite ran and every test passed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ROOT,
  RESULTS_DIR,
  buildExtension,
  cleanupNow,
  copySampleWorkspace,
  ensureInstalled,
  launchBrowser,
  log,
  makeTempDir,
  remoteUri,
  startCodeServer,
  testEnv,
  workbenchUrl,
} from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    grep: { type: 'string' },
    timeout: { type: 'string', default: process.env.AKS_WORKER_HOST_TIMEOUT || '900' },
  },
});
const timeoutMs = Number(opts.timeout) * 1000;

async function main() {
  const started = Date.now();
  ensureInstalled();
  const extensionPath = process.env.AKS_WORKER_EXTENSION_PATH || ROOT;
  if (!opts['no-build']) buildExtension({ tests: true });
  const suiteIndex = join(ROOT, 'out', 'test', 'host', 'index.js');
  if (!existsSync(suiteIndex)) throw new Error(`${suiteIndex} is missing: did "node scripts/build.mjs --tests" build test/host/index.ts?`);
  const main = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')).main;
  if (main && !existsSync(join(extensionPath, main)) && !existsSync(join(extensionPath, `${main}.js`))) {
    throw new Error(`the extension's main (${main}) is missing under ${extensionPath}`);
  }

  const tmp = makeTempDir('host');
  const workspace = copySampleWorkspace(tmp);
  const resultsFile = join(tmp, 'host-results.json');
  const env = testEnv(tmp);
  if (env.AKS_WORKER_RIG_ENV) log(`using the rig environment from ${env.AKS_WORKER_RIG_ENV}`);
  const server = await startCodeServer({ tmp, smokeTestDriver: true, env });
  log(`code-server up at ${server.url} (pid group ${server.pid})`);

  // The extension host inherits code-server's environment (env above: rig variables, KUBECONFIG);
  // the payload only carries the suite's own settings, so no secret lands in the URL.
  const extensionEnvironment = {
    ...(env.AKS_WORKER_RIG_ENV ? { AKS_WORKER_RIG_ENV: env.AKS_WORKER_RIG_ENV } : {}),
    KUBECONFIG: env.KUBECONFIG,
    AKS_WORKER_HOST_RESULTS: resultsFile,
    AKS_WORKER_TEST: '1',
    ...(opts.grep ? { AKS_WORKER_HOST_GREP: opts.grep } : {}),
  };
  const url = workbenchUrl(server, workspace, [
    ['extensionDevelopmentPath', remoteUri(server, extensionPath)],
    ['extensionTestsPath', remoteUri(server, suiteIndex)],
    ['extensionEnvironment', JSON.stringify(extensionEnvironment)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ]);

  const context = await launchBrowser(tmp);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));

  let lastActivity = Date.now();
  const hostLog = [];
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationLog', (level, message) => {
    lastActivity = Date.now();
    const text = String(message);
    hostLog.push(`[${level}] ${text}`);
    relay(level, text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));

  log(`opening the workbench on ${workspace} with the suite in the payload`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  let timer;
  let startWatch;
  const timedOut = new Promise((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
    // The workbench logs within seconds once it runs; silence means it never started.
    startWatch = setInterval(() => {
      if (hostLog.length === 0 && Date.now() - lastActivity > 90_000) r('nostart');
    }, 1000);
    page.on('crash', () => r('crash'));
  });
  const exitCode = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  clearInterval(startWatch);

  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : null;
  const failureArtifacts = () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const f = join(RESULTS_DIR, 'host-failure-logs.txt');
    writeFileSync(
      f,
      [`workbench URL: ${url}`, '', '== extension host log ==', ...hostLog, '', '== page console ==', ...consoleLines, '', '== code-server log ==', server.tailLog(200)].join('\n'),
    );
    return page
      .screenshot({ path: join(RESULTS_DIR, 'host-failure.png'), timeout: 10_000 })
      .catch(() => {})
      .then(() => f);
  };

  if (exitCode === 'nostart' || exitCode === 'crash') {
    const f = await failureArtifacts();
    console.log(
      exitCode === 'crash'
        ? `\nThe browser page running the workbench crashed; logs: ${f}`
        : `\nThe workbench never started (no log from it within 90 s of opening ${server.url}); logs: ${f}`,
    );
    await context.close().catch(() => {});
    printSummary(results, 1);
    return 1;
  }
  if (exitCode === 'timeout') {
    const f = await failureArtifacts();
    const idle = Math.round((Date.now() - lastActivity) / 1000);
    console.log(`\nHost suite did not finish within ${opts.timeout} s (no extension-host output for the last ${idle} s); logs: ${f}`);
    await context.close().catch(() => {});
    printSummary(results, 1);
    return 1;
  }

  let failed = results ? results.failed : 0;
  // An activation error in the extension host is a failure even if no test noticed it.
  const activationErrors = [...hostLog, ...consoleLines].filter((l) => /Activating extension .?aks-worker\.aks-worker-deploy.? failed/i.test(l));
  if (activationErrors.length) {
    console.log(`\nThe extension host reported an activation error:\n  ${activationErrors[0].slice(0, 600)}`);
    failed += 1;
  }
  if (!results) {
    const f = await failureArtifacts();
    console.log(`\nThe host suite exited with code ${exitCode} without writing results (the extension or the suite failed to load); logs: ${f}`);
    console.log(server.tailLog(30));
    failed = Math.max(1, failed);
  } else if (exitCode !== 0 && results.failed === 0) {
    await failureArtifacts();
    console.log(`\nThe extension host exited with code ${exitCode} although no test failed.`);
    failed = 1;
  } else if (results.failed > 0) {
    await failureArtifacts();
  }
  log(`host suite finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await context.close().catch(() => {});
  printSummary(results, failed);
  return exitCode === 0 && failed === 0 && results && results.passed > 0 ? 0 : 1;
}

/** Relays the suite's own lines ([host-test] …) and extension-host errors about our extension. */
function relay(level, text) {
  for (const line of text.split('\n')) {
    const m = /\[host-test\] ?(.*)$/.exec(line);
    if (m) {
      if (!/^done: /.test(m[1])) console.log(`  ${m[1]}`); // the runner prints its own closing line
    }
  }
  if (level === 'error' && /aks-?worker|Activating extension/i.test(text) && !text.includes('[host-test]')) {
    console.log(`  (extension host error) ${text.split('\n').slice(0, 6).join('\n    ')}`);
  }
}

function printSummary(results, failed) {
  const passed = results ? results.passed : 0;
  const skipped = results ? results.skipped : 0;
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}

main()
  .then((code) => {
    cleanupNow();
    process.exit(code);
  })
  .catch((err) => {
    console.error(`\nhost runner error: ${err?.stack ?? err}`);
    console.log('0 passed, 1 failed');
    cleanupNow();
    process.exit(1);
  });
