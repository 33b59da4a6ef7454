import * as assert from 'node:assert/strict';
import { Probe, probeBudget, probeFromObject, probeToObject, suggestForP99, timeline, validateProbe } from '../../src/core/probes';

describe('probe model', () => {
  it('reads and writes the Kubernetes shape', () => {
    const o = { httpGet: { path: '/healthz', port: 'health', httpHeaders: [{ name: 'X-Probe', value: '1' }] }, periodSeconds: 10, failureThreshold: 6 };
    const p = probeFromObject(o);
    assert.deepEqual(p, { handler: { type: 'httpGet', path: '/healthz', port: 'health', headers: [{ name: 'X-Probe', value: '1' }] }, periodSeconds: 10, failureThreshold: 6 });
    assert.deepEqual(probeToObject(p as Probe), o);
    assert.deepEqual(probeFromObject({ tcpSocket: { port: 8080 } }), { handler: { type: 'tcpSocket', port: 8080 } });
    assert.deepEqual(probeFromObject({ exec: { command: ['cat', '/tmp/ok'] }, timeoutSeconds: 2 }), { handler: { type: 'exec', command: ['cat', '/tmp/ok'] }, timeoutSeconds: 2 });
    assert.deepEqual(probeToObject({ handler: { type: 'grpc', port: 9090, service: 'health' } }), { grpc: { port: 9090, service: 'health' } });
    assert.equal(probeFromObject({}), undefined);
    assert.equal(probeFromObject(null), undefined);
  });
});

describe('probe validation', () => {
  const ports = [{ name: 'health', containerPort: 8080 }];
  const http = (extra: Partial<Probe> = {}): Probe => ({ handler: { type: 'httpGet', path: '/healthz', port: 'health' }, ...extra });
  it('accepts the seed settings', () => {
    assert.deepEqual(validateProbe('liveness', http({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }), ports), { errors: {}, warnings: {} });
  });
  it('whole numbers in range', () => {
    const r = validateProbe('liveness', http({ periodSeconds: 0, timeoutSeconds: 1.5, failureThreshold: -1, initialDelaySeconds: -3 }), ports);
    assert.deepEqual(Object.keys(r.errors).sort(), ['failureThreshold', 'initialDelaySeconds', 'periodSeconds', 'timeoutSeconds']);
    assert.match(r.errors.timeoutSeconds, /whole number/);
  });
  it('each message names what the field counts: seconds, or checks for the thresholds', () => {
    const r = validateProbe('liveness', http({ failureThreshold: 2.5, timeoutSeconds: 1.5, periodSeconds: 0, initialDelaySeconds: Number.NaN }), ports);
    assert.equal(r.errors.failureThreshold, 'Use a whole number of checks (probes).');
    assert.doesNotMatch(r.errors.failureThreshold, /second/);
    assert.equal(r.errors.timeoutSeconds, 'Use a whole number of seconds.');
    assert.equal(r.errors.initialDelaySeconds, 'Use a whole number of seconds.');
    assert.equal(r.errors.periodSeconds, 'Must be at least 1 second.');
    assert.equal(validateProbe('readiness', http({ successThreshold: 0 }), ports).errors.successThreshold, 'Must be at least 1 check (probe).');
    assert.equal(validateProbe('liveness', http({ failureThreshold: 0 }), ports).errors.failureThreshold, 'Must be at least 1 check (probe).');
  });
  it('liveness and startup successThreshold must be 1; readiness may not set a grace period', () => {
    assert.match(validateProbe('liveness', http({ successThreshold: 2 })).errors.successThreshold, /Must be 1/);
    assert.match(validateProbe('startup', http({ successThreshold: 3 })).errors.successThreshold, /Must be 1/);
    assert.equal(validateProbe('readiness', http({ successThreshold: 3 })).errors.successThreshold, undefined);
    assert.ok(validateProbe('readiness', http({ terminationGracePeriodSeconds: 10 })).errors.terminationGracePeriodSeconds);
  });
  it('a named port must exist among the container ports', () => {
    assert.match(validateProbe('liveness', { handler: { type: 'httpGet', path: '/healthz', port: 'http' } }, ports).errors['handler.port'], /no port named "http".*health/);
    assert.equal(validateProbe('liveness', { handler: { type: 'tcpSocket', port: 8080 } }, ports).errors['handler.port'], undefined);
    assert.ok(validateProbe('liveness', { handler: { type: 'tcpSocket', port: 70000 } }).errors['handler.port']);
    assert.ok(validateProbe('liveness', { handler: { type: 'grpc', port: Number.NaN } }).errors['handler.port']);
    assert.ok(validateProbe('liveness', { handler: { type: 'httpGet', path: 'healthz', port: 8080 } }).errors['handler.path']);
    assert.ok(validateProbe('liveness', { handler: { type: 'exec', command: [] } }).errors['handler.command']);
  });
  it('a timeout longer than the period is flagged, not refused', () => {
    const r = validateProbe('liveness', http({ periodSeconds: 5, timeoutSeconds: 8 }), ports);
    assert.deepEqual(r.errors, {});
    assert.match(r.warnings.timeoutSeconds, /Longer than the period \(5 s\)/);
    assert.ok(validateProbe('liveness', http({ timeoutSeconds: 12 })).warnings.timeoutSeconds, 'default period 10');
  });
});

describe('probe budget', () => {
  it('the seed: period 10, timeout 5, failureThreshold 6', () => {
    const b = probeBudget({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }, undefined, 30);
    assert.equal(b.maxBlockSeconds, 55); // (6 − 1) × 10 + 5
    assert.equal(b.ruleOfThumbSeconds, 30); // 5 × 6
    assert.equal(b.worstCaseDetectSeconds, 65); // 6 × 10 + 5
    assert.equal(b.worstCaseRestartSeconds, 95); // + the default 30 s grace period
    assert.equal(b.firstLivenessCheckSeconds, 0);
    assert.equal(b.coversP99, true);
    assert.match(b.explanation, /5 periods plus one timeout \(55 s\), not 6 timeouts \(30 s\)/);
  });
  it('Kubernetes defaults: period 10, timeout 1, failureThreshold 3', () => {
    const b = probeBudget({}, undefined, 21);
    assert.equal(b.maxBlockSeconds, 21);
    assert.equal(b.coversP99, false, 'a block of exactly the budget is killed');
    assert.equal(b.worstCaseRestartSeconds, 61);
  });
  it('with a startup probe and a probe-level grace period', () => {
    const b = probeBudget({ periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3, terminationGracePeriodSeconds: 10, initialDelaySeconds: 2 }, { periodSeconds: 10, failureThreshold: 30 });
    assert.equal(b.maxBlockSeconds, 15);
    assert.equal(b.ruleOfThumbSeconds, 15);
    assert.match(b.explanation, /both give 15 s/);
    assert.equal(b.startupAllowanceSeconds, 300);
    assert.equal(b.firstLivenessCheckSeconds, 302);
    assert.equal(b.worstCaseRestartSeconds, 3 * 5 + 5 + 10);
  });
  it('suggestions cover the p99 keeping the timeout, with the shortest restart per period', () => {
    const s = suggestForP99(42.5, { periodSeconds: 10, timeoutSeconds: 5 });
    for (const x of s) {
      assert.ok(x.maxBlockSeconds > 42.5, JSON.stringify(x));
      assert.ok(x.timeoutSeconds <= x.periodSeconds, JSON.stringify(x));
      if (x.failureThreshold > 3) assert.ok((x.failureThreshold - 2) * x.periodSeconds + x.timeoutSeconds <= 42.5, `one failure fewer would not cover it: ${JSON.stringify(x)}`);
      assert.equal(probeBudget(x).maxBlockSeconds, x.maxBlockSeconds);
    }
    assert.deepEqual(s.map((x) => [x.periodSeconds, x.timeoutSeconds, x.failureThreshold, x.maxBlockSeconds, x.worstCaseDetectSeconds]), [
      [5, 5, 9, 45, 50],
      [10, 5, 5, 45, 55],
      [15, 5, 4, 50, 65],
    ]);
    assert.equal(s[1].label, 'keep the 10 s period');
    // Kubernetes' default 1 s timeout stays 1 s
    assert.deepEqual(suggestForP99(20, {}).map((x) => [x.periodSeconds, x.timeoutSeconds, x.failureThreshold]), [[5, 1, 5], [10, 1, 3], [15, 1, 3]]);
    // a short p99 (as measured: 1 s) still gets three failures, never one that a single slow answer trips
    assert.deepEqual(suggestForP99(1, { periodSeconds: 10, timeoutSeconds: 5 }).map((x) => [x.periodSeconds, x.failureThreshold, x.maxBlockSeconds]), [[5, 3, 15], [10, 3, 25], [15, 3, 35]]);
  });
  it('the timeline ends in the kill after failureThreshold timeouts', () => {
    const t = timeline({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    assert.deepEqual(t.filter((e) => e.kind === 'probe').map((e) => [e.t, (e as { result: string }).result]), [[0, 'ok'], [10, 'timeout'], [20, 'timeout'], [30, 'timeout']]);
    assert.deepEqual(t[t.length - 1], { t: 35, kind: 'kill' });
  });
});
