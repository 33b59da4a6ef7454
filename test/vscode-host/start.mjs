#!/usr/bin/env node
// `npm start`: try the extension in a real VS Code in your browser.
// Builds the extension, installs the code-server test host if needed, links this checkout into a
// private extensions dir, opens a copy of the sample worker workspace, prints the address and
// keeps running (rebuilding on change; use "Developer: Reload Window" to load a rebuild) until Ctrl+C.
//
//   node test/vscode-host/start.mjs [--port N] [--folder PATH] [--no-watch]
//
// --folder opens PATH itself instead of a throwaway copy of test/fixtures/sample-worker.
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  EXTENSION_ID,
  ROOT,
  buildExtension,
  copySampleWorkspace,
  ensureInstalled,
  log,
  makeTempDir,
  onCleanup,
  readRootPackage,
  startCodeServer,
  workbenchUrl,
} from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT || '' },
    folder: { type: 'string' },
    'no-watch': { type: 'boolean', default: false },
  },
});

ensureInstalled();
buildExtension();

const tmp = makeTempDir('start');
const folder = opts.folder ? resolve(opts.folder) : copySampleWorkspace(tmp);
const extensionsDir = join(tmp, 'extensions');
mkdirSync(extensionsDir, { recursive: true });
// code-server loads extensions from folders named <publisher>.<name>-<version> in --extensions-dir.
symlinkSync(ROOT, join(extensionsDir, `${EXTENSION_ID}-${readRootPackage().version}`));

const server = await startCodeServer({
  tmp,
  extensionsDir,
  ...(opts.port ? { port: Number(opts.port) } : {}),
});

if (!opts['no-watch']) {
  const watcher = spawn(process.execPath, ['scripts/build.mjs', '--watch'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  onCleanup(() => {
    try {
      process.kill(-watcher.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  });
}

const url = workbenchUrl(server, folder);
console.log(`\nAKS Worker Deploy is running in VS Code (code-server on port ${server.port}) on ${folder}\n`);
console.log(`  ${url}\n`);
console.log(opts['no-watch'] ? 'Press Ctrl+C to stop.' : 'src/ is rebuilt on change: run "Developer: Reload Window" to load it. Press Ctrl+C to stop.');
log(`code-server log: ${server.logFile}`);

// Stay up until Ctrl+C (lib.mjs stops code-server on SIGINT/SIGTERM) or until code-server dies.
setInterval(async () => {
  try {
    await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) });
  } catch {
    console.error(`code-server stopped answering; last log lines:\n${server.tailLog(20)}`);
    process.exit(1);
  }
}, 10_000);
