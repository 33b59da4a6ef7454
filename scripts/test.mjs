// `npm test`: every check and test suite in order, then one closing line `N passed, N failed`.
// A check (lint, type-check, build) counts as one test; a suite contributes the counts from its own
// closing line. The run goes on after a failure so one report shows everything, and exits 1 if
// anything failed.
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs unit host       only the named stages
// Stages marked `rig` need the test rig (docker engine, registries, API server, helm, kubectl): it is
// started once before the first of them (RIG_DIR, default /tmp/aks-worker-rig) and stopped at the
// end unless it was already running or RIG_KEEP=1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const node = process.execPath;

/** @type {Array<{ name: string; cmd: string; args: string[]; suite?: boolean; rig?: boolean; env?: Record<string, string> }>} */
const STAGES = [
  { name: 'lint', cmd: npx, args: ['eslint', '.'] },
  { name: 'typecheck', cmd: npx, args: ['tsc', '--noEmit', '-p', '.'] },
  { name: 'typecheck-pages', cmd: npx, args: ['tsc', '--noEmit', '-p', 'media'] },
  { name: 'build', cmd: node, args: ['scripts/build.mjs'] },
  { name: 'unit', cmd: node, args: ['scripts/run-mocha.mjs', 'out/test/unit/**/*.test.js'], suite: true },
  { name: 'dotnet', cmd: node, args: ['scripts/run-mocha.mjs', '--timeout', '300000', 'out/test/dotnet/**/*.test.js'], suite: true },
  { name: 'rig', cmd: 'bash', args: ['test/rig/run-tests.sh'], suite: true, rig: true, env: { RIG_KEEP: '1' } },
  { name: 'integration', cmd: node, args: ['scripts/run-mocha.mjs', '--timeout', '300000', 'out/test/integration/**/*.test.js'], suite: true, rig: true },
  { name: 'host', cmd: node, args: ['test/vscode-host/run-host.mjs'], suite: true, rig: true },
  { name: 'ui', cmd: node, args: ['test/vscode-host/run-ui.mjs'], suite: true, rig: true },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !STAGES.some((s) => s.name === w));
if (unknown.length) {
  console.error(`unknown stage(s): ${unknown.join(', ')}; stages: ${STAGES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const stages = wanted.length ? STAGES.filter((s) => wanted.includes(s.name)) : STAGES;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const COUNTS = /^(?:\w+:\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/;

const rigDir = process.env.RIG_DIR || '/tmp/aks-worker-rig';
const rigScript = join(root, 'test', 'rig', 'rig');
let rigStartedHere = false;
let rigReady;

function rigRunning() {
  if (!existsSync(join(rigDir, 'env'))) return false;
  const r = spawnSync('bash', [rigScript, 'status'], { env: { ...process.env, RIG_DIR: rigDir }, encoding: 'utf8' });
  return /apiserver: running/.test(r.stdout ?? '');
}

/** Starts the rig once; later stages reuse it. */
function ensureRig() {
  if (rigReady !== undefined) return rigReady;
  const was = rigRunning();
  const started = Date.now();
  console.log(`\n━━ rig: ${was ? 'already running' : 'starting'} (${rigDir})`);
  const r = spawnSync('bash', [rigScript, 'start'], { cwd: root, env: { ...process.env, RIG_DIR: rigDir }, stdio: ['ignore', 'ignore', 'inherit'] });
  rigReady = r.status === 0;
  rigStartedHere = !was && rigReady;
  console.log(`━━ rig: ${rigReady ? 'ready' : 'FAILED to start'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return rigReady;
}

function runStage(stage) {
  return new Promise((resolve) => {
    const started = Date.now();
    if (stage.rig && !ensureRig()) {
      console.log(`━━ ${stage.name}: not run, the rig did not start`);
      resolve({ name: stage.name, ok: false, seconds: '0.0', passed: 0, failed: 1, skipped: 0 });
      return;
    }
    console.log(`\n━━ ${stage.name}: ${[stage.cmd === node ? 'node' : stage.cmd, ...stage.args].join(' ')}`);
    const env = { ...process.env, ...(stage.rig ? { RIG_DIR: rigDir, AKS_WORKER_RIG_ENV: join(rigDir, 'env') } : {}), ...stage.env };
    const child = spawn(stage.cmd, stage.args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env });
    let last;
    let buf = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buf += chunk.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const m = COUNTS.exec(l.replace(ANSI, ''));
        if (m) last = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) };
      }
    });
    child.on('close', (code, signal) => {
      const m = COUNTS.exec(buf.replace(ANSI, ''));
      if (m) last = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) };
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      let counts;
      if (stage.suite) {
        counts = last ?? { passed: 0, failed: 1, skipped: 0 };
        // A suite that exits non-zero while reporting no failure still failed (it crashed or hung).
        if (!ok && counts.failed === 0) counts = { ...counts, failed: 1 };
        if (!last) console.log(`${stage.name}: no closing "N passed, N failed" line (exit ${code ?? signal})`);
      } else {
        counts = { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 };
      }
      console.log(`━━ ${stage.name}: ${ok ? 'ok' : `FAILED (exit ${code ?? signal})`} in ${seconds} s`);
      resolve({ name: stage.name, ok, seconds, ...counts });
    });
  });
}

const results = [];
try {
  for (const stage of stages) results.push(await runStage(stage));
} finally {
  if (rigStartedHere && process.env.RIG_KEEP !== '1') {
    console.log('\n━━ rig: stopping');
    spawnSync('bash', [rigScript, 'stop'], { cwd: root, env: { ...process.env, RIG_DIR: rigDir }, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

console.log('\nSummary');
for (const r of results) {
  console.log(`  ${r.ok ? 'ok    ' : 'FAILED'}  ${r.name.padEnd(16)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed${r.skipped ? ` ${r.skipped} skipped` : ''}  ${r.seconds} s`);
}
const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
