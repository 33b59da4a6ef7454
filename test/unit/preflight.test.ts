import * as assert from 'node:assert/strict';
import {
  CheckResult,
  PreflightProbe,
  PreflightReport,
  ProbeSchedule,
  defaultDurationSeconds,
  defaultWorkerProbes,
  formatPreflight,
  localPreflightTag,
  parseProcNetTcp,
  preflightProblems,
} from '../../src/core/preflight';
import { runContainerArgs } from '../../src/tools/docker';
import { quantityBytes } from '../../src/tools/preflight';

const live = (over: Partial<PreflightProbe['probe']> = {}): PreflightProbe => ({ kind: 'liveness', port: 8080, probe: { handler: { type: 'httpGet', path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, ...over } });
const check = (at: number, ok: boolean, extra: Partial<CheckResult> = {}): CheckResult => ({ kind: 'liveness', at, ok, ms: 3, ...extra });

/** A report's facts, with the parts a case does not care about filled in. */
function facts(over: Partial<PreflightReport> = {}): Omit<PreflightReport, 'problems' | 'ok'> {
  return { image: 'w:1', reach: 'netns', reachDetail: '10.244.0.10', probeSource: 'chart', probes: [live()], durationSeconds: 30, start: { running: true }, checks: [], events: [], samples: [], logTail: [], ...over };
}

describe('preflight: the kubelet\'s schedule', () => {
  it('first check after initialDelaySeconds, then every period; a kill at failureThreshold failures in a row', () => {
    const s = new ProbeSchedule(live({ initialDelaySeconds: 5 }));
    assert.equal(s.due, 5000);
    assert.equal(s.record(check(5000, false)), undefined);
    assert.equal(s.due, 15000);
    assert.equal(s.record(check(15000, true)), undefined); // a success resets the count
    assert.equal(s.record(check(25000, false)), undefined);
    assert.equal(s.record(check(35000, false)), undefined);
    assert.deepEqual(s.record(check(45000, false)), { kind: 'liveness', at: 45000, what: 'killed', failures: 3 });
  });

  it('a startup probe\'s success lets liveness start, its delay counted from then', () => {
    const startup = new ProbeSchedule({ kind: 'startup', port: 8080, probe: { handler: { type: 'httpGet', path: '/healthz', port: 8080 }, periodSeconds: 2, failureThreshold: 30 } });
    assert.equal(startup.record({ kind: 'startup', at: 0, ok: false, ms: 1 }), undefined);
    assert.deepEqual(startup.record({ kind: 'startup', at: 2000, ok: true, ms: 1 }), { kind: 'startup', at: 2000, what: 'started', failures: 0 });
    const l = new ProbeSchedule(live({ initialDelaySeconds: 3 }));
    l.shift(2000);
    assert.equal(l.due, 5000);
  });

  it('readiness: ready after successThreshold successes, unready after failureThreshold failures', () => {
    const r = new ProbeSchedule({ kind: 'readiness', port: 8080, probe: { handler: { type: 'tcpSocket', port: 8080 }, periodSeconds: 1, successThreshold: 2, failureThreshold: 2 } });
    const c = (at: number, ok: boolean): CheckResult => ({ kind: 'readiness', at, ok, ms: 1 });
    assert.equal(r.record(c(0, true)), undefined);
    assert.equal(r.record(c(1000, true))?.what, 'ready');
    assert.equal(r.record(c(2000, false)), undefined);
    assert.deepEqual(r.record(c(3000, false)), { kind: 'readiness', at: 3000, what: 'unready', failures: 2 });
  });
});

describe('preflight: what the container listens on', () => {
  it('reads listening sockets (state 0A) from /proc/net/tcp and tcp6, IPv4 little-endian', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0',
      '   1: 00000000:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0',
      '   2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp), [
      { address: '127.0.0.1', port: 8080 },
      { address: '0.0.0.0', port: 5000 },
    ]);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000',
      '   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp6), [
      { address: '::', port: 8080 },
      { address: '::1', port: 80 },
    ]);
  });
});

describe('preflight: the verdict', () => {
  it('every check refused and nothing listening: no-listener, pointing at Add Health Endpoint', () => {
    const refused = { code: 'ECONNREFUSED', message: 'Get "http://10.244.0.10:8080/healthz": dial tcp 10.244.0.10:8080: connect: connection refused' };
    const p = preflightProblems(facts({ checks: [check(0, false, refused), check(10000, false, refused)], finalChecks: [check(12000, false, refused)], listeners: [] }));
    assert.equal(p[0].kind, 'no-listener');
    assert.match(p[0].message, /^Nothing listens on 8080: every check was refused \("connection refused"\), the last one 12\.0 s after the start\. It listens on no TCP port at all: the worker serves no HTTP endpoint\. Add one \(AKS Worker: Add Health Endpoint\), or probe with exec\.$/);
  });

  it('refused while starting, answering by the end (a short run): not a missing endpoint; close to a kill, a warning', () => {
    const refused = { code: 'ECONNREFUSED' };
    assert.deepEqual(preflightProblems(facts({ checks: [check(300, false, refused)], finalChecks: [check(3000, true, { status: 200 })], listeners: [{ address: '::', port: 8080 }] })), []);
    // listening on the port by the end is enough, even without the final answer
    assert.deepEqual(preflightProblems(facts({ checks: [check(300, false, refused)], listeners: [{ address: '0.0.0.0', port: 8080 }] })), []);
    const p = preflightProblems(facts({ checks: [check(0, false, refused), check(10000, false, refused), check(20000, true, { status: 200 })] }));
    assert.deepEqual(p.map((x) => [x.kind, x.severity]), [['slow-start', 'warning']]);
    assert.match(p[0].message, /^The first 2 liveness checks were refused while the worker started; 3 in a row would kill it\. Give it time: a startupProbe, or initialDelaySeconds\.$/);
  });

  it('refused, but listening elsewhere: names the port it does listen on (ASP.NET Core\'s old default 80, say)', () => {
    const p = preflightProblems(facts({ checks: [check(0, false, { code: 'ECONNREFUSED' })], listeners: [{ address: '::', port: 80 }] }));
    assert.match(p[0].message, /It listens on \[::\]:80: point the probe at that port, or serve the endpoint on 8080\./);
  });

  it('a refusal followed by answers (a slow start) is not a missing endpoint', () => {
    const p = preflightProblems(facts({ checks: [check(0, false, { code: 'ECONNREFUSED' }), check(10000, true, { status: 200 })] }));
    assert.deepEqual(p, []);
  });

  it('404 everywhere: wrong-path with the paths that answered; none answered: says which were tried', () => {
    const c = [check(0, false, { status: 404, message: 'HTTP probe failed with statuscode: 404' })];
    assert.equal(preflightProblems(facts({ checks: c, paths: [{ path: '/healthz', status: 404 }, { path: '/health', status: 200 }, { path: '/hc', status: 503 }] }))[0].message, 'No endpoint at /healthz: the worker answers 404 there. These paths answered: /health (200), /hc (503).');
    assert.match(preflightProblems(facts({ checks: c, paths: [{ path: '/health', status: 404 }] }))[0].message, /No usual health path answered either \(tried \/health\)\./);
  });

  it('a crash is an error with its exit code; OOMKilled and exit 0 are said in words', () => {
    assert.match(preflightProblems(facts({ start: { running: false, exited: { exitCode: 139, oomKilled: false, afterMs: 1200 } }, logTail: ['x'] }))[0].message, /^The container exited with code 139 1\.2 s after it started\. Its last lines are below\.$/);
    assert.match(preflightProblems(facts({ start: { running: false, exited: { exitCode: 137, oomKilled: true, afterMs: 500 } } }))[0].message, /was killed for using more memory than its limit \(OOMKilled\)/);
    assert.match(preflightProblems(facts({ start: { running: false, exited: { exitCode: 0, oomKilled: false, afterMs: 500 } } }))[0].message, /exited with code 0: a worker must keep running/);
  });

  it('a stop past the grace period is a warning, not an error: the release still runs', () => {
    const r = facts({ checks: [check(0, true, { status: 200 })], stop: { graceSeconds: 30, seconds: 30.2, exitCode: 137, killed: true } });
    const p = preflightProblems(r);
    assert.deepEqual(p.map((x) => [x.kind, x.severity]), [['slow-stop', 'warning']]);
  });

  it('errors come before warnings; a gRPC probe is said to be unchecked', () => {
    const p = preflightProblems(facts({ probes: [live(), { kind: 'readiness', port: 9000, probe: { handler: { type: 'grpc', port: 9000 } } }], checks: [check(0, false, { code: 'ECONNREFUSED' })], stop: { graceSeconds: 3, seconds: 3.1, exitCode: 137, killed: true } }));
    assert.deepEqual(p.map((x) => x.severity), ['error', 'warning', 'warning']);
    assert.ok(p.some((x) => x.kind === 'unsupported' && /gRPC probe: preflight does not run gRPC health checks/.test(x.message)));
  });

  it('the text report: verdict first, then probes, checks, budget, stop and the problems', () => {
    const f = facts({ checks: [check(0, true, { status: 200 })], stop: { graceSeconds: 35, seconds: 0.4, exitCode: 0, killed: false }, budget: { maxBlockSeconds: 21, worstCaseRestartSeconds: 66 } });
    const lines = formatPreflight({ ...f, problems: [], ok: true });
    assert.equal(lines[0], 'Preflight of w:1: passed');
    assert.ok(lines.includes('  liveness: GET /healthz on 8080, every 10 s, timeout 1 s, failureThreshold 3'));
    assert.ok(lines.includes('  liveness checks: 1 of 1 passed'));
    assert.ok(lines.includes('  liveness budget: a block of up to 21 s is survived; a hung worker is restarted within 66 s'));
    assert.ok(lines.includes('  stop: SIGTERM → exited 0 in 0.4 s (terminationGracePeriodSeconds 35)'));
  });
});

describe('preflight: defaults and docker arguments', () => {
  it('probes long enough to see a kill: at least 30 s, startup allowance + F × period + timeout, at most 300', () => {
    assert.equal(defaultDurationSeconds(defaultWorkerProbes()), 65); // 6 × 10 + 5
    assert.equal(defaultDurationSeconds([live({ periodSeconds: 1 })]), 30);
    assert.equal(defaultDurationSeconds([live({ periodSeconds: 200 })]), 300);
    assert.equal(defaultDurationSeconds([]), 30);
  });

  it('docker run: env names only (values come through docker\'s environment), command → entrypoint, memory = swap, published on 127.0.0.1', () => {
    assert.deepEqual(
      runContainerArgs({ image: 'w:1', name: 'pf', labels: { 'aks-worker.preflight': '1' }, env: [['ConnectionStrings__Db', 'secret']], command: ['dotnet', 'Worker.dll'], args: ['--verbose'], memoryBytes: 268435456, publish: [8080], user: '1000' }),
      ['run', '--detach', '--name', 'pf', '--label', 'aks-worker.preflight=1', '--env', 'ConnectionStrings__Db', '--memory', '268435456', '--memory-swap', '268435456', '--publish', '127.0.0.1::8080', '--user', '1000', '--entrypoint', 'dotnet', '--', 'w:1', 'Worker.dll', '--verbose'],
    );
    assert.deepEqual(runContainerArgs({ image: 'w:1', name: 'pf', args: ['a'] }), ['run', '--detach', '--name', 'pf', '--', 'w:1', 'a']);
  });

  it('memory quantities in bytes; a local tag from a chart name', () => {
    assert.equal(quantityBytes('256Mi'), 268435456);
    assert.equal(quantityBytes('1G'), 1e9);
    assert.equal(quantityBytes('128974848'), 128974848);
    assert.equal(quantityBytes('12e6'), 12e6);
    assert.equal(quantityBytes('lots'), undefined);
    assert.equal(localPreflightTag('Sample_Worker'), 'aks-worker-preflight/sample_worker:latest');
    assert.equal(localPreflightTag('---'), 'aks-worker-preflight/worker:latest');
  });
});
