// Pod-watch figures for `npm run bench`: the stream parser's throughput, and the reducer plus a
// view refresh (at most ten a second) under 1,000 pods and 100 events a second.
import { JsonStream } from '../../src/core/jsonStream';
import { PodStore } from '../../src/core/pods';

function pod(i: number, restarts: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `worker-7d9c8b6f5-${String(i).padStart(5, '0')}`,
      namespace: 'workers',
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(100000 + i * 7 + restarts),
      creationTimestamp: '2026-11-26T10:00:00Z',
      labels: { 'app.kubernetes.io/instance': `rel-${i % 10}`, 'app.kubernetes.io/name': 'sample-worker', 'pod-template-hash': '7d9c8b6f5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'worker-7d9c8b6f5', uid: 'rs', controller: true }],
    },
    spec: {
      nodeName: `aks-nodepool1-${i % 3}`,
      containers: [{ name: 'worker', image: 'myacr.azurecr.io/sampleworker:0.0.2', ports: [{ name: 'health', containerPort: 8080 }], livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 } }],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        {
          name: 'worker',
          ready: restarts % 2 === 0,
          restartCount: restarts,
          state: { running: { startedAt: '2026-11-26T10:05:00Z' } },
          lastState: restarts ? { terminated: { reason: 'Error', exitCode: 137, finishedAt: '2026-11-26T10:04:59Z' } } : {},
        },
      ],
    },
  };
}

/**
 * The stream parser against its limit: `JSON.parse` over the same documents already split, on a 50 MB
 * stream of 20,000 pretty-printed pod events (kubectl's layout) in 64 KiB chunks. Interleaved rounds.
 */
function parserAgainstLimit(rounds: number): { parserMs: number[]; limitMs: number[]; events: number; bytes: number; compactMs: number[] } {
  const docs: string[] = [];
  for (let i = 0; i < 20_000; i++) docs.push(JSON.stringify({ type: 'MODIFIED', object: pod(i % 1000, i) }, null, 4));
  const text = docs.join('\n');
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 65536) chunks.push(text.slice(i, i + 65536));
  // Another producer's layout (compact, one per line) takes the character scanner.
  const compact = docs.map((d) => JSON.stringify(JSON.parse(d))).join('\n');
  const compactChunks: string[] = [];
  for (let i = 0; i < compact.length; i += 65536) compactChunks.push(compact.slice(i, i + 65536));
  const parserMs: number[] = [];
  const limitMs: number[] = [];
  const compactMs: number[] = [];
  let sink = 0;
  const time = (f: () => void) => {
    const t0 = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let r = 0; r < rounds; r++) {
    const ours = () => {
      let n = 0;
      const s = new JsonStream(() => n++);
      for (const c of chunks) s.push(c);
      if (n !== docs.length) throw new Error(`parsed ${n} of ${docs.length}`);
    };
    const limit = () => {
      for (const d of docs) sink += (JSON.parse(d) as { type: string }).type.length;
    };
    const other = () => {
      let n = 0;
      const s = new JsonStream(() => n++);
      for (const c of compactChunks) s.push(c);
      if (n !== docs.length) throw new Error(`parsed ${n} of ${docs.length} (compact)`);
    };
    // Alternate which goes first, so neither always runs after the other's garbage.
    if (r % 2) {
      parserMs.push(time(ours));
      limitMs.push(time(limit));
    } else {
      limitMs.push(time(limit));
      parserMs.push(time(ours));
    }
    compactMs.push(time(other));
  }
  if (sink < 0) throw new Error('unreachable');
  return { parserMs, limitMs, compactMs, events: docs.length, bytes: text.length };
}

async function reducerUnderLoad(seconds: number): Promise<{ cpuPercent: number; p95LatencyMs: number; heapStartMb: number; heapEndMb: number; refreshes: number }> {
  const store = new PodStore();
  for (let i = 0; i < 1000; i++) store.apply({ type: 'ADDED', object: pod(i, 0) });
  const latencies: number[] = [];
  let pendingSince: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let refreshes = 0;
  // What the Pods view does on a refresh: group by release and render every pod's label.
  const refresh = () => {
    timer = undefined;
    const rows = store.list().map((p) => `${p.release} ${p.name} ${p.status} ${p.ready}/${p.total} ${p.restarts} ${p.notReadyReason ?? ''}`);
    if (rows.length !== 1000) throw new Error('lost pods');
    const now = performance.now();
    for (const t of pendingSince) latencies.push(now - t);
    pendingSince = [];
    refreshes++;
  };
  global.gc?.();
  const heapStart = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      // 100 events a second, one every 10 ms: a pod's restart count goes up.
      const text = JSON.stringify({ type: 'MODIFIED', object: pod(i % 1000, Math.floor(i / 1000) + 1) });
      const s = new JsonStream((v) => {
        store.apply(v as { type: 'MODIFIED'; object: unknown });
        pendingSince.push(performance.now());
        timer ??= setTimeout(refresh, 100);
      });
      s.push(text);
      i++;
      if (performance.now() - t0 > seconds * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 10);
  });
  if (timer) {
    clearTimeout(timer);
    refresh();
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  global.gc?.();
  const heapEnd = process.memoryUsage().heapUsed;
  latencies.sort((a, b) => a - b);
  return {
    cpuPercent: (100 * (cpu.user + cpu.system)) / 1000 / wall,
    p95LatencyMs: latencies[Math.floor(latencies.length * 0.95)] ?? 0,
    heapStartMb: heapStart / 1e6,
    heapEndMb: heapEnd / 1e6,
    refreshes,
  };
}

(async () => {
  const p = parserAgainstLimit(Number(process.env.BENCH_ROUNDS ?? 21));
  const r = await reducerUnderLoad(Number(process.env.BENCH_SECONDS ?? 10));
  process.stdout.write(JSON.stringify({ parser: p, reducer: r }));
})();
