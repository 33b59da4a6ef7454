#!/usr/bin/env node
// Runs the same extension-host suite (out/test/host/index.js) in desktop VS Code through
// @vscode/test-electron (a root devDependency). That downloads VS Code, so it only works on a
// machine that can reach the VS Code download servers — not on this project's CI machines,
// which run the suite in code-server instead (run-host.mjs).
//
//   node test/vscode-host/run-desktop.mjs [--no-build] [--grep PATTERN]
//
// Env: AKS_WORKER_VSCODE_VERSION (default "stable"; e.g. "1.96.0" for the minimum engine),
//      AKS_WORKER_VSCODE_EXECUTABLE (use an installed VS Code binary instead of downloading).
// On Linux without a display, run it under xvfb-run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, buildExtension, cleanupNow, copySampleWorkspace, log, makeTempDir, testEnv } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    grep: { type: 'string' },
  },
});

async function main() {
  let testElectron;
  try {
    testElectron = await import('@vscode/test-electron');
  } catch (e) {
    throw new Error(`@vscode/test-electron is not installed (run npm ci at the root): ${e.message}`);
  }
  if (!opts['no-build']) buildExtension({ tests: true });
  const extensionTestsPath = join(ROOT, 'out', 'test', 'host', 'index.js');
  if (!existsSync(extensionTestsPath)) throw new Error(`${extensionTestsPath} is missing`);

  const tmp = makeTempDir('desktop');
  const workspace = copySampleWorkspace(tmp);
  const resultsFile = join(tmp, 'host-results.json');
  const version = process.env.AKS_WORKER_VSCODE_VERSION || 'stable';
  const vscodeExecutablePath = process.env.AKS_WORKER_VSCODE_EXECUTABLE;
  log(vscodeExecutablePath ? `using ${vscodeExecutablePath}` : `downloading VS Code ${version} (needs access to the VS Code download servers)`);

  let exitError;
  try {
    await testElectron.runTests({
      ...(vscodeExecutablePath ? { vscodeExecutablePath } : { version }),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath,
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
        `--user-data-dir=${join(tmp, 'user-data')}`,
      ],
      extensionTestsEnv: {
        ...testEnv(tmp),
        AKS_WORKER_HOST_RESULTS: resultsFile,
        AKS_WORKER_TEST: '1',
        ...(opts.grep ? { AKS_WORKER_HOST_GREP: opts.grep } : {}),
      },
    });
  } catch (e) {
    exitError = e;
  }

  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : null;
  if (!results) {
    console.log(`\nThe desktop run produced no results: ${exitError?.message ?? exitError ?? 'unknown error'}`);
    if (!vscodeExecutablePath) console.log('(@vscode/test-electron must download VS Code; CI machines cannot — use node test/vscode-host/run-host.mjs there.)');
    console.log('\n0 passed, 1 failed');
    return 1;
  }
  console.log('');
  for (const t of results.tests) console.log(`  ${t.state === 'passed' ? '✓' : t.state === 'failed' ? '✗' : '-'} ${t.title}`);
  const failed = results.failed || (exitError ? 1 : 0);
  console.log(`\n${results.passed} passed, ${failed} failed${results.skipped ? `, ${results.skipped} skipped` : ''}`);
  return failed === 0 && results.passed > 0 ? 0 : 1;
}

main()
  .then((code) => {
    cleanupNow();
    process.exit(code);
  })
  .catch((err) => {
    console.error(`\ndesktop runner error: ${err?.stack ?? err}`);
    console.log('\n0 passed, 1 failed');
    cleanupNow();
    process.exit(1);
  });
