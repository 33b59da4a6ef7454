// Pod-watch memory under a flood, for `npm run bench`: a stand-in kubectl prints pod events as fast
// as FLOOD_MBPS allows (default 10 MB/s) for FLOOD_SECONDS (default 60), with now and then a pod
// whose annotation is larger than the 16 MiB limit (dropped, reported, re-listed); the real watch
// (watchKind + PodStore) reads it. Prints JSON: the heap after a full collection at the start and
// the end, its peak, the peak RSS, and what went through.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodStore, WatchEvent } from '../../src/core/pods';
import { watchKind } from '../../src/tools/kubectl';

const seconds = Number(process.env.FLOOD_SECONDS ?? 60);
const mbps = Number(process.env.FLOOD_MBPS ?? 10);

const FAKE = `
const pod = (i, note) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'worker-' + i, namespace: 'w', uid: 'uid-' + i, resourceVersion: String(Date.now()), labels: { 'app.kubernetes.io/instance': 'rel' }, annotations: { note } }, spec: { containers: [{ name: 'worker' }] }, status: { phase: 'Running', containerStatuses: [{ name: 'worker', ready: true, restartCount: 0, state: { running: {} } }] } });
const rate = Number(process.env.FLOOD_MBPS) * 1024 * 1024;
const note = 'n'.repeat(1500);
let i = 0;
let sent = 0;
const started = Date.now();
let nextHuge = Date.now() + 20_000;
function tick() {
  const due = ((Date.now() - started) / 1000) * rate;
  while (sent < due) {
    let text;
    if (Date.now() >= nextHuge) {
      // One pod of 20 MB, over the watch's 16 MiB limit.
      nextHuge = Date.now() + 20_000;
      text = JSON.stringify({ type: 'MODIFIED', object: pod(i++ % 1000, 'h'.repeat(20 * 1024 * 1024)) }, null, 4) + '\\n';
    } else {
      text = JSON.stringify({ type: 'MODIFIED', object: pod(i++ % 1000, note) }, null, 4) + '\\n';
    }
    sent += text.length;
    if (!process.stdout.write(text)) return process.stdout.once('drain', () => setTimeout(tick, 5));
  }
  setTimeout(tick, 10);
}
tick();
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aksw-bench-flood-'));
  const js = join(dir, 'kubectl.js');
  writeFileSync(js, FAKE);
  const kubectl = join(dir, 'kubectl');
  writeFileSync(kubectl, `#!/bin/sh\nexec '${process.execPath}' '${js}' "$@"\n`);
  chmodSync(kubectl, 0o755);

  const mb = (n: number) => n / (1024 * 1024);
  global.gc?.();
  const heapStart = process.memoryUsage().heapUsed;
  let heapPeak = heapStart;
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapUsed);
    rssPeak = Math.max(rssPeak, m.rss);
  }, 50);

  const store = new PodStore();
  let events = 0;
  let chars = 0;
  let oversized = 0;
  const w = watchKind('pods', {
    namespace: 'w',
    paths: { kubectl },
    env: { FLOOD_MBPS: String(mbps) },
    backoffMs: [200],
    onEvent: (e) => {
      events++;
      store.apply(e as WatchEvent);
    },
    onResync: (begin) => (begin ? store.beginResync() : store.endResync()),
    onStatus: (s) => {
      if (s.message && /over the 16 MiB limit/.test(s.message)) oversized++;
    },
    sink: { info: (l) => (chars += l.length) },
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  w.stop();
  await w.done;
  clearInterval(sampler);
  global.gc?.();
  const heapEnd = process.memoryUsage().heapUsed;
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({ seconds, mbps, events, oversized, pods: store.list().length, heapStartMb: mb(heapStart), heapEndMb: mb(heapEnd), heapPeakMb: mb(heapPeak), rssPeakMb: mb(rssPeak), logChars: chars }),
  );
}

void main();
