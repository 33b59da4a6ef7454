import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolCancelledError, ToolExitError, ToolNotFoundError, ToolTimeoutError } from '../../src/tools/errors';
import { STDERR_TAIL_CHARS, STREAM_TAIL_CHARS, endAllRunning, runTool, runningPids } from '../../src/tools/process';
import { MB, heapNow, heapPeak } from '../support/heap';
import { TOOLS } from '../../src/tools/catalog';

const node = process.execPath;
const tool = { name: 'node', setting: 'aksWorker.paths.node', install: 'Install Node.js.', url: 'https://nodejs.org/' };

function collect() {
  const lines: string[] = [];
  return { lines, sink: { info: (l: string) => lines.push(l), stderr: (l: string) => lines.push(`err: ${l}`) } };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe('process runner', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-proc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('streams stdout and stderr line by line to the sink', async () => {
    const { lines, sink } = collect();
    const script = 'process.stdout.write("one\\ntw"); setTimeout(() => { process.stdout.write("o\\r\\nthree"); console.error("warn"); }, 50);';
    const r = await runTool(tool, node, ['-e', script], { sink });
    assert.equal(r.exitCode, 0);
    assert.equal(lines[0], `$ ${node} -e '${script.replace(/'/g, `'\\''`)}'`);
    assert.deepEqual(lines.slice(1).sort(), ['err: warn', 'one', 'three', 'two'].sort());
    assert.equal(r.stdout, 'one\ntwo\r\nthree');
  });

  it('passes hostile arguments verbatim, with no shell to run them', async () => {
    const hostile = ['$(touch pwned)', '`touch pwned2`', '; rm -rf ./victim', "it's \"quoted\"", 'new\nline', '&& echo hacked > hacked', '|| true', '*', '$HOME', ''];
    writeFileSync(join(dir, 'victim'), 'keep me');
    const r = await runTool(tool, node, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...hostile], { cwd: dir });
    assert.deepEqual(JSON.parse(r.stdout), hostile);
    assert.deepEqual(readdirSync(dir).sort(), ['victim']);
  });

  it('masks secrets given on stdin and in the secrets list, everywhere', async () => {
    const { lines, sink } = collect();
    const token = 'eyJhbGciOiJSUzI1NiJ9.s3cr3t-t0ken';
    const script = 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{console.log("got "+d.trim());console.error("echo "+d.trim()+" and hunter2");process.exit(3)})';
    await assert.rejects(
      runTool(tool, node, ['-e', script, '--', '--password', 'hunter2'], { sink, stdin: `${token}\n`, secrets: ['hunter2'] }),
      (err: unknown) => {
        assert.ok(err instanceof ToolExitError);
        assert.equal(err.exitCode, 3);
        assert.ok(!err.message.includes(token) && !err.message.includes('hunter2'), err.message);
        assert.match(err.message, /echo \*\*\* and \*\*\*/);
        assert.ok(!err.commandLine.includes('hunter2'));
        return true;
      },
    );
    assert.ok(lines.length >= 3);
    for (const l of lines) assert.ok(!l.includes(token) && !l.includes('hunter2'), l);
    assert.ok(lines.includes('got ***'));
  });

  it('reports a missing binary with how to install it and which setting to set', async () => {
    await assert.rejects(runTool(TOOLS.helm, join(dir, 'no-such-helm'), ['version']), (err: unknown) => {
      assert.ok(err instanceof ToolNotFoundError);
      assert.match(err.message, /helm was not found/);
      assert.match(err.message, /Install Helm 3 or 4/);
      assert.match(err.message, /aksWorker\.paths\.helm/);
      return true;
    });
  });

  it('reports a non-zero exit with the tail of stderr', async () => {
    const script = 'for (let i = 0; i < 30; i++) console.error("line " + i); process.exit(7)';
    await assert.rejects(runTool(tool, node, ['-e', script]), (err: unknown) => {
      assert.ok(err instanceof ToolExitError);
      assert.equal(err.exitCode, 7);
      assert.match(err.message, /line 29$/);
      assert.ok(!err.message.includes('line 5\n'));
      return true;
    });
  });

  it('accepts extra exit codes when asked', async () => {
    const r = await runTool(tool, node, ['-e', 'process.exit(1)'], { okExitCodes: [0, 1] });
    assert.equal(r.exitCode, 1);
  });

  it('cancellation ends the whole tree, even a child and grandchild that ignore SIGTERM', async () => {
    const pidFile = join(dir, 'pids');
    // The child ignores SIGTERM and starts a grandchild that ignores it too.
    const grandchild = 'process.on("SIGTERM",()=>{}); setInterval(()=>{},1000)';
    const child = `
      const { spawn } = require('node:child_process');
      const fs = require('node:fs');
      process.on('SIGTERM', () => {});
      const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });
      fs.writeFileSync(${JSON.stringify(pidFile)}, process.pid + ' ' + g.pid);
      console.log('started');
      setInterval(() => {}, 1000);`;
    const controller = new AbortController();
    const started = Date.now();
    const run = runTool(tool, node, ['-e', child], { signal: controller.signal, killGraceMs: 300, onStdoutLine: (l) => l === 'started' && controller.abort() });
    await assert.rejects(run, ToolCancelledError);
    const [pid, gpid] = (await import('node:fs')).readFileSync(pidFile, 'utf8').split(' ').map(Number);
    assert.ok(await waitFor(() => !alive(pid) && !alive(gpid), 5000), `still alive: child ${alive(pid)}, grandchild ${alive(gpid)}`);
    assert.ok(Date.now() - started < 10_000);
  });

  it('a run cancelled before it starts does not start', async () => {
    const controller = new AbortController();
    controller.abort();
    const marker = join(dir, 'ran');
    await assert.rejects(runTool(tool, node, ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`], { signal: controller.signal }), ToolCancelledError);
    assert.equal(existsSync(marker), false);
  });

  it('a time limit ends the tree and says so', async () => {
    await assert.rejects(runTool(tool, node, ['-e', 'process.on("SIGTERM",()=>{}); setInterval(()=>{},1000)'], { timeoutMs: 300, killGraceMs: 200 }), (err: unknown) => {
      assert.ok(err instanceof ToolTimeoutError);
      assert.match(err.message, /did not finish within/);
      return true;
    });
  });

  it('passes environment changes and removes variables set to undefined', async () => {
    process.env.AKSW_REMOVE_ME = 'x';
    try {
      const r = await runTool(tool, node, ['-e', 'process.stdout.write(JSON.stringify([process.env.AKSW_ADDED, process.env.AKSW_REMOVE_ME ?? null]))'], {
        env: { AKSW_ADDED: 'yes', AKSW_REMOVE_ME: undefined },
      });
      assert.deepEqual(JSON.parse(r.stdout), ['yes', null]);
    } finally {
      delete process.env.AKSW_REMOVE_ME;
    }
  });

  it('a streamed run holds none of its output: 150 MB of lines keep the heap flat, the result keeps a tail', async () => {
    // 150 MB of 100-character lines, written as fast as the pipe takes them.
    const script = `
      const line = 'x'.repeat(99) + '\\n';
      const block = line.repeat(655);
      let left = 150 * 1024 * 1024;
      const write = () => { while (left > 0) { left -= block.length; if (!process.stdout.write(block)) return process.stdout.once('drain', write); } };
      write();`;
    const before = heapNow();
    const peak = heapPeak();
    let lines = 0;
    const r = await runTool(tool, node, ['-e', script], { onStdoutLine: () => lines++ });
    const top = peak.stop();
    assert.ok(lines >= (150 * MB) / 100, `${lines} lines`);
    assert.ok(r.stdout.length <= STREAM_TAIL_CHARS, `the result keeps the last ${STREAM_TAIL_CHARS} characters, not ${r.stdout.length}`);
    assert.ok(r.stdout.endsWith(`${'x'.repeat(99)}\n`));
    assert.ok(top - before < 64 * MB, `heap grew by ${Math.round((top - before) / MB)} MB while 150 MB streamed`);
  });

  it('a line over the limit is reported and dropped; an endless line costs no memory; stderr keeps a tail', async () => {
    const { lines, sink } = collect();
    const script = `
      process.stdout.write('first\\n');
      const chunk = 'y'.repeat(1024 * 1024);
      let n = 0;
      const write = () => { while (n < 120) { n++; if (!process.stdout.write(chunk)) return process.stdout.once('drain', write); } process.stdout.write('\\nlast\\n'); for (let i = 0; i < 2000; i++) console.error('warning ' + i + ' ' + 'z'.repeat(100)); process.exitCode = 4; };
      write();`;
    const before = heapNow();
    const peak = heapPeak();
    const seen: string[] = [];
    await assert.rejects(runTool(tool, node, ['-e', script], { sink, maxLineChars: MB, onStdoutLine: (l) => seen.push(l) }), (err: unknown) => {
      assert.ok(err instanceof ToolExitError);
      assert.match(err.stderrTail, /warning 1999 z+$/);
      return true;
    });
    const top = peak.stop();
    assert.deepEqual(seen, ['first', 'last'], 'the long line is dropped whole, the lines around it kept');
    assert.deepEqual(lines.filter((l) => /printed a line/.test(l)), ['err: (node printed a line of more than 1 MiB on stdout; it was dropped)']);
    assert.ok(top - before < 64 * MB, `heap grew by ${Math.round((top - before) / MB)} MB for a 120 MB line`);
    assert.ok(STDERR_TAIL_CHARS < 2000 * 110);
  });

  it('endAllRunning ends every running tree and resolves once they are gone', async () => {
    const runs = [0, 1].map(() => runTool(tool, node, ['-e', 'setInterval(() => {}, 1000)']).catch((e: unknown) => e));
    assert.ok(await waitFor(() => runningPids().length >= 2, 5000), 'both started');
    const pids = runningPids();
    await endAllRunning(1000);
    assert.ok(pids.every((p) => !alive(p)), 'every child is gone when it resolves');
    for (const e of await Promise.all(runs)) assert.ok(e instanceof ToolCancelledError);
    assert.deepEqual(runningPids(), []);
  });
});
