import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeTool } from '../support/fakeTools';

const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'cli.js');
const sampleChart = join(root, 'test', 'fixtures', 'sample-worker', 'charts', 'sample-worker');

/** Leaves `pids.json` (its pid and a grandchild's) and keeps running until it is ended. */
const LINGER = `
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
function linger(onListening) {
  const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  writeFileSync(join(process.env.FAKE_DIR, 'pids.json'), JSON.stringify({ tool: process.pid, grandchild: grandchild.pid }));
  setInterval(() => {}, 1e6);
  onListening?.();
}
`;

const FAKE_KUBECTL = `${LINGER}
const args = process.argv.slice(2);
if (args[0] === 'get') {
  const pod = {
    metadata: { name: 'sample-worker-7d9-abcde', namespace: 'default', uid: 'u1', labels: { 'app.kubernetes.io/instance': 'sample-worker' } },
    spec: { containers: [{ name: 'worker', ports: [{ name: 'health', containerPort: 8080 }] }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'worker', ready: true, restartCount: 0, state: { running: {} } }] },
  };
  process.stdout.write(JSON.stringify({ items: [pod] }));
} else if (args[0] === 'port-forward') {
  const server = require('node:http').createServer((req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1', () => linger(() => console.log('Forwarding from 127.0.0.1:' + server.address().port + ' -> 8080')));
} else {
  process.exit(3);
}
`;

const FAKE_HELM = `${LINGER}
const args = process.argv.slice(2);
if (args[0] === 'version') process.stdout.write('v3.18.0');
else if (args[0] === 'create') linger();
else process.exit(3);
`;

/** Running: it exists and is not a zombie (an ended process its new parent has not reaped yet). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function until<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Started {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: string[]): Started {
  assert.ok(existsSync(cli), `${cli} is missing: run "node scripts/build.mjs" first`);
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  child.stdout?.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { child, stderr: () => err, exit };
}

/** Sends `signal` once the tool is running, then checks that the CLI exits with `code` and leaves no process behind. */
async function interrupt(s: Started, fakeDir: string, signal: NodeJS.Signals, code: number): Promise<void> {
  const pids = await until(() => {
    const f = join(fakeDir, 'pids.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { tool: number; grandchild: number }) : undefined;
  }, 20_000);
  try {
    assert.ok(pids, `the tool started: ${s.stderr()}`);
    assert.ok(alive(pids.tool) && alive(pids.grandchild));
    const sent = Date.now();
    s.child.kill(signal);
    const gone = await until(() => (!alive(pids.tool) && !alive(pids.grandchild) ? true : undefined), 2000);
    assert.ok(gone, `2 s after ${signal}, the tool (${pids.tool}: ${alive(pids.tool) ? 'alive' : 'gone'}) and its child (${pids.grandchild}: ${alive(pids.grandchild) ? 'alive' : 'gone'}) are gone`);
    const exited = await Promise.race([s.exit, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
    assert.ok(exited, 'the CLI exited');
    assert.deepEqual(exited, { code, signal: null }, `exit code 128 + the signal's number; stderr: ${s.stderr()}`);
    assert.ok(Date.now() - sent < 5000);
    assert.match(s.stderr(), new RegExp(`${signal}: stopping the running tool`));
  } finally {
    s.child.kill('SIGKILL');
    for (const pid of pids ? [pids.tool, pids.grandchild] : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

describe('aks-worker ends its tools when it is stopped', function () {
  this.timeout(40_000);
  before(function () {
    if (process.platform === 'win32') this.skip(); // signals and process groups are POSIX
  });
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('Ctrl-C during "probes measure" ends kubectl port-forward (and its children); exit 130', async () => {
    const kubectl = fakeTool('kubectl', FAKE_KUBECTL);
    dirs.push(kubectl.dir);
    const s = startCli(['probes', 'measure', sampleChart, '--release', 'sample-worker', '--duration', '120', '--kubectl', kubectl.file]);
    await interrupt(s, kubectl.dir, 'SIGINT', 130);
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal} during "chart create" ends helm (and its children); exit ${code}`, async () => {
      const helm = fakeTool('helm', FAKE_HELM);
      const out = mkdtempSync(join(tmpdir(), 'aksw-charts-'));
      dirs.push(helm.dir, out);
      const s = startCli(['chart', 'create', 'sample-worker', '--dir', out, '--image', 'example.azurecr.io/sample-worker', '--tag', '0.1.0', '--helm', helm.file]);
      await interrupt(s, helm.dir, signal, code);
    });
  }
});
