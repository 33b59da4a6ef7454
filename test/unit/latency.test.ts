import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sample, describeSummary, formatMs, measurablePods, percentile, resolveProbePort, summarizeSamples } from '../../src/core/latency';
import { parseForwardingLine } from '../../src/tools/kubectl';
import { lostMessage, measureHealth } from '../../src/tools/measure';

const ok = (at: number, ms: number): Sample => ({ at, ms, outcome: 'ok', status: 200 });

describe('latency: percentiles and summary', () => {
  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 95), 95);
    assert.equal(percentile(v, 99), 99);
    assert.equal(percentile(v, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([1, 2, 3], 0), 1);
    assert.equal(percentile([], 50), undefined);
    // 10 values: p99 is the 10th (ceil(9.9))
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
  });

  it('summarises a run with a block, a failing answer, a timeout and a refused connection', () => {
    const samples: Sample[] = [];
    for (let i = 0; i < 95; i++) samples.push(ok(i * 110, 10));
    samples.push(ok(11_000, 4_200)); // a 4.2 s block
    samples.push({ at: 15_300, ms: 12, outcome: 'status', status: 503 });
    samples.push({ at: 15_400, ms: 8_000, outcome: 'timeout' });
    samples.push({ at: 23_500, ms: 8_000, outcome: 'timeout' });
    samples.push({ at: 31_600, ms: 3, outcome: 'error', error: 'ECONNRESET' });
    const s = summarizeSamples(samples, 8_000, 5);
    assert.equal(s.count, 100);
    assert.equal(s.ok, 96);
    assert.equal(s.badStatus, 1);
    assert.equal(s.timeouts, 2);
    assert.equal(s.errors, 1);
    // 99 timed values (the refused connection has no latency): 95 × 10 ms, 12, 4200, 8000, 8000
    assert.equal(s.p50Ms, 10);
    assert.equal(s.p95Ms, 10);
    assert.equal(s.p99Ms, 8_000);
    assert.equal(s.maxMs, 8_000);
    assert.equal(s.p99AtLeast, true);
    assert.equal(s.maxAtLeast, true);
    assert.equal(s.p99Seconds, 8);
    // 4.2 s is not > 5 s; the two timeouts are, back to back: 15.4 s → 31.5 s
    assert.equal(s.slowerThanProbe, 2);
    assert.equal(s.longestStallMs, 16_100);
    const text = describeSummary(s, 8_000, 5);
    assert.match(text, /100 requests: 96 healthy, 1 answered with a failing status, 2 timed out after 8 s, 1 failed to connect\./);
    assert.match(text, /p50 10 ms, p95 10 ms, p99 ≥ 8 s, max ≥ 8 s\./);
    assert.match(text, /2 took longer than the probe's 5 s timeout: each would have been a failed probe \(the longest stall lasted 16\.1 s\)/);
    assert.match(text, /measure again with a longer timeout/);
  });

  it('p99 for the form is rounded up to a tenth of a second', () => {
    const samples = [ok(0, 5), ok(100, 1_234), ok(200, 7)];
    const s = summarizeSamples(samples, 30_000, 5);
    assert.equal(s.p99Ms, 1_234);
    assert.equal(s.p99Seconds, 1.3);
    assert.equal(s.p99AtLeast, false);
    assert.equal(s.slowerThanProbe, 0);
    assert.match(describeSummary(s, 30_000, 5), /None took longer than the probe's 5 s timeout/);
    assert.equal(summarizeSamples([ok(0, 1_200)], 30_000).p99Seconds, 1.2);
    assert.equal(summarizeSamples([], 30_000).p99Seconds, undefined);
    assert.equal(describeSummary(summarizeSamples([], 1), 1), 'No request was made.');
  });

  it('formats latencies for people', () => {
    assert.equal(formatMs(3.4), '3 ms');
    assert.equal(formatMs(999), '999 ms');
    assert.equal(formatMs(1_000), '1 s');
    assert.equal(formatMs(1_250), '1.25 s');
    assert.equal(formatMs(18_040), '18 s');
    assert.equal(formatMs(undefined), '–');
  });

  it('resolves a named probe port against the pod and orders pods to measure', () => {
    const containers = [{ ports: [{ name: 'http', containerPort: 8080 }] }, { ports: [{ name: 'health', containerPort: 9090 }] }];
    assert.equal(resolveProbePort('health', containers), 9090);
    assert.equal(resolveProbePort(8081, containers), 8081);
    assert.equal(resolveProbePort('8082', containers), 8082);
    assert.equal(resolveProbePort('metrics', containers), undefined);
    const pods = measurablePods([
      { name: 'c', terminating: false, health: 'crashloop' },
      { name: 'b', terminating: false, health: 'ready' },
      { name: 'a', terminating: true, health: 'ready' },
      { name: 'd', terminating: false, health: 'running' },
    ]);
    assert.deepEqual(pods.map((p) => p.name), ['b', 'd', 'c']);
  });
});

describe('kubectl port-forward output', () => {
  it('reads the local port kubectl picked', () => {
    assert.deepEqual(parseForwardingLine('Forwarding from 127.0.0.1:41235 -> 8080'), { address: '127.0.0.1', localPort: 41235, remotePort: 8080 });
    assert.deepEqual(parseForwardingLine('Forwarding from [::1]:41235 -> 8080'), { address: '::1', localPort: 41235, remotePort: 8080 });
    assert.equal(parseForwardingLine('Handling connection for 41235'), undefined);
  });

  it('explains kubectl losing the pod', () => {
    const stderr =
      'E1126 16:29:09.276016    6400 portforward.go:424] "Unhandled Error" err="an error occurred forwarding 41235 -> 8080: error forwarding port 8080 to pod w1-abc, uid : read: connection reset by peer"\nerror: lost connection to pod';
    assert.equal(lostMessage(stderr), 'kubectl lost the connection to the pod: its container was restarted or the pod went away (read: connection reset by peer).');
    assert.equal(lostMessage('error: lost connection to pod'), 'kubectl lost the connection to the pod: its container was restarted or the pod went away.');
    assert.equal(lostMessage('pods "x" not found'), 'pods "x" not found');
  });
});

describe('measure loop against a local endpoint', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  let connections = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 400);
      if (req.url === '/hang') return; // never answers
      if (req.url === '/bad') {
        res.statusCode = 503;
        return void res.end('Unhealthy');
      }
      if (req.headers['x-probe'] !== 'yes') {
        res.statusCode = 400;
        return void res.end();
      }
      res.end('Healthy');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('calls one request after another on one kept-alive connection, with the probe headers', async () => {
    hits = 0;
    connections = 0;
    const seen: Sample[] = [];
    const samples = await measureHealth({ port, path: '/healthz', headers: [{ name: 'X-Probe', value: 'yes' }], durationMs: 300, requestTimeoutMs: 1000, gapMs: 10, onSample: (s) => seen.push(s) });
    assert.ok(samples.length >= 5, `${samples.length} samples`);
    assert.deepEqual(seen, samples);
    assert.ok(samples.every((s) => s.outcome === 'ok' && s.status === 200));
    assert.equal(hits, samples.length);
    assert.equal(connections, 1);
    assert.ok(samples.every((s, i) => i === 0 || s.at > samples[i - 1]!.at));
  });

  it('counts failing statuses and timeouts; a stop ends it at once', async () => {
    const bad = await measureHealth({ port, path: '/bad', durationMs: 50, requestTimeoutMs: 1000, gapMs: 10 });
    assert.ok(bad.length >= 1 && bad.every((s) => s.outcome === 'status' && s.status === 503));
    const slow = await measureHealth({ port, path: '/slow', durationMs: 10, requestTimeoutMs: 1000 });
    assert.equal(slow.length, 1);
    assert.ok(slow[0]!.ms >= 390 && slow[0]!.outcome === 'ok', JSON.stringify(slow));
    const hang = await measureHealth({ port, path: '/hang', durationMs: 10, requestTimeoutMs: 200 });
    assert.deepEqual(hang.map((s) => s.outcome), ['timeout']);
    const stop = new AbortController();
    const t0 = Date.now();
    setTimeout(() => stop.abort(), 100);
    const stopped = await measureHealth({ port, path: '/hang', durationMs: 10_000, requestTimeoutMs: 5_000, signal: stop.signal });
    assert.ok(Date.now() - t0 < 1000, 'ended soon after the stop');
    assert.deepEqual(stopped, [], 'a request cut by the stop is not a sample');
  });

  it('a refused connection is an error sample', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const dead = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const s = await measureHealth({ port: dead, path: '/healthz', durationMs: 10, requestTimeoutMs: 500 });
    assert.equal(s[0]!.outcome, 'error');
    assert.match(s[0]!.error ?? '', /ECONNREFUSED/);
  });
});
