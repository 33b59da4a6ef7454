import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WatchStatus, watchKind } from '../../src/tools/kubectl';
import { endAllRunning } from '../../src/tools/process';
import { fakeTool } from '../support/fakeTools';
import { MB, heapNow, heapPeak } from '../support/heap';

/**
 * A kubectl that answers `get pods --watch … -o json` the way FAKE_WATCH says, counting its runs
 * in FAKE_DIR/runs:
 * - flood: FAKE_MB megabytes of pretty-printed MODIFIED events as fast as the pipe takes them, pod "end", then waits
 * - endless: one pod, then an object whose annotation never ends (until it is killed); later runs: pod "after"
 * - error: an ERROR Status event (410 Gone), then exits
 * - quiet: one pod, then waits
 */
const FAKE_KUBECTL = `
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
appendFileSync(join(process.env.FAKE_DIR, 'runs'), 'run\\n');
const runs = require('node:fs').readFileSync(join(process.env.FAKE_DIR, 'runs'), 'utf8').split('\\n').length - 1;
const pod = (name, extra) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'w', uid: name, labels: { 'app.kubernetes.io/instance': 'rel' }, creationTimestamp: '2026-12-01T10:00:00Z', ...extra }, spec: { containers: [{ name: 'worker' }] }, status: { phase: 'Running', containerStatuses: [{ name: 'worker', ready: true, restartCount: 0, state: { running: {} } }] } });
const event = (type, object) => JSON.stringify({ type, object }, null, 4) + '\\n';
const wait = () => setInterval(() => {}, 1e6);
const pump = (next, done) => { const go = () => { for (;;) { const s = next(); if (s === undefined) return done(); if (!process.stdout.write(s)) return process.stdout.once('drain', go); } }; go(); };
const mode = process.env.FAKE_WATCH;
if (mode === 'error') {
  process.stdout.write(event('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 1 (2)', reason: 'Expired', code: 410 }));
} else if (mode === 'flood') {
  const one = event('MODIFIED', pod('busy', { annotations: { note: 'n'.repeat(2000) } }));
  let left = Number(process.env.FAKE_MB) * 1024 * 1024;
  pump(() => (left > 0 ? ((left -= one.length), one) : undefined), () => { process.stdout.write(event('ADDED', pod('end'))); wait(); });
} else if (mode === 'endless' && runs === 1) {
  process.stdout.write(event('ADDED', pod('first')));
  process.stdout.write('{\\n    "type": "MODIFIED",\\n    "object": {\\n        "metadata": {\\n            "name": "huge",\\n            "annotations": {\\n                "blob": "');
  const mb = 'x'.repeat(1024 * 1024);
  pump(() => mb, wait);
} else if (mode === 'endless') {
  process.stdout.write(event('ADDED', pod('after')));
  wait();
} else {
  process.stdout.write(event('ADDED', pod('first')));
  wait();
}
`;

function runs(dir: string): number {
  try {
    return readFileSync(join(dir, 'runs'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return cond();
}

describe('kubectl watch: bounded, backed off, ended with its owner', function () {
  this.timeout(60_000);
  let fake: { dir: string; file: string };
  beforeEach(function () {
    if (process.platform === 'win32') this.skip(); // the fake is a shell script
    fake = fakeTool('kubectl', FAKE_KUBECTL);
  });
  afterEach(() => rmSync(fake.dir, { recursive: true, force: true }));

  const start = (mode: string, more: Partial<Parameters<typeof watchKind>[1]> = {}) => {
    const events: Array<{ type: string; name?: string }> = [];
    const states: WatchStatus[] = [];
    const w = watchKind('pods', {
      namespace: 'w',
      paths: { kubectl: fake.file },
      env: { FAKE_WATCH: mode, FAKE_MB: '200' },
      onEvent: (e) => events.push({ type: e.type, name: (e.object as { metadata?: { name?: string } }).metadata?.name }),
      onStatus: (s) => states.push(s),
      ...more,
    });
    return { w, events, states };
  };

  it('200 MB of events leave the heap flat', async () => {
    const before = heapNow();
    const peak = heapPeak();
    const { w, events } = start('flood');
    try {
      assert.ok(await until(() => events.at(-1)?.name === 'end', 50_000), `every event arrived (${events.length} so far)`);
      assert.ok(events.length > (200 * MB) / 3000, `${events.length} events`);
      const top = peak.stop();
      assert.ok(top - before < 64 * MB, `the heap grew by ${Math.round((top - before) / MB)} MB over a 200 MB watch stream`);
      assert.equal(runs(fake.dir), 1, 'one kubectl all along');
    } finally {
      peak.stop();
      w.stop();
      await w.done;
    }
  });

  it('an object that never ends is dropped at 16 MiB, reported, and the watch re-lists', async () => {
    const before = heapNow();
    const peak = heapPeak();
    const { w, events, states } = start('endless', { backoffMs: [100] });
    try {
      assert.ok(await until(() => events.some((e) => e.name === 'after'), 40_000), `the re-list brought pod "after": ${JSON.stringify(events)} ${JSON.stringify(states)}`);
      const top = peak.stop();
      const report = states.find((s) => s.state === 'retrying' && s.message);
      assert.match(report?.message ?? '', /^a pod object of \d+ MB was over the 16 MiB limit; re-listing$/);
      assert.deepEqual(events.map((e) => e.name), ['first', 'after'], 'nothing of the oversized object');
      assert.ok(top - before < 64 * MB, `the heap grew by ${Math.round((top - before) / MB)} MB`);
      assert.equal(runs(fake.dir), 2);
    } finally {
      peak.stop();
      w.stop();
      await w.done;
    }
  });

  it('a stream that ends with an ERROR event backs off (no spawn storm) and piles no listener', async () => {
    const owner = new AbortController();
    const { w, states } = start('error', { signal: owner.signal });
    let maxListeners = 0;
    const t = setInterval(() => (maxListeners = Math.max(maxListeners, getEventListeners(owner.signal, 'abort').length)), 10);
    await new Promise((r) => setTimeout(r, 5000));
    clearInterval(t);
    const spawned = runs(fake.dir);
    assert.ok(spawned >= 2 && spawned <= 4, `${spawned} kubectl runs in 5 s (1 s, 2 s, 4 s apart)`);
    assert.ok(maxListeners <= 1, `${maxListeners} abort listeners on the owner's signal`);
    assert.ok(states.some((s) => s.state === 'retrying' && /the API server ended the watch: too old resource version/.test(s.message ?? '')));
    owner.abort();
    await w.done;
    assert.equal(getEventListeners(owner.signal, 'abort').length, 0, 'none left once it stopped');
    assert.equal(states.at(-1)?.state, 'stopped');
  });

  it('a kubectl that fails at once backs off too, and says why', async () => {
    const fails = fakeTool('kubectl', 'console.error("error: You must be logged in to the server (Unauthorized)"); process.exitCode = 1;');
    let spawns = 0;
    const { w, states } = start('error', { paths: { kubectl: fails.file }, onSpawn: () => spawns++ });
    try {
      await new Promise((r) => setTimeout(r, 3500));
      assert.ok(spawns >= 2 && spawns <= 3, `${spawns} kubectl runs in 3.5 s (1 s, then 2 s apart)`);
      assert.ok(states.some((s) => s.state === 'retrying' && /Unauthorized/.test(s.message ?? '')), JSON.stringify(states));
    } finally {
      w.stop();
      await w.done;
      rmSync(fails.dir, { recursive: true, force: true });
    }
  });

  it('a watch whose kubectl is ended from outside (shutting down) stops instead of starting another', async () => {
    const { w, events, states } = start('quiet', { backoffMs: [50] });
    assert.ok(await until(() => events.length === 1, 20_000), 'watching');
    await endAllRunning(1000);
    const ended = await Promise.race([w.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    assert.ok(ended, 'the watch ended with its kubectl');
    assert.equal(runs(fake.dir), 1, 'no kubectl started after the shutdown');
    assert.equal(states.at(-1)?.state, 'stopped');
  });
});
