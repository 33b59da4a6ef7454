import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/runCli';

const sample = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker', 'charts', 'sample-worker');

const cli = (args: string[]) => runCli(args);

describe('aks-worker probes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-probes-'));
    cpSync(sample, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('get --json: location, ports, probes and budget', async () => {
    const r = await cli(['probes', 'get', dir, '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { location: string; ports: unknown; probes: Record<string, unknown>; budget: { maxBlockSeconds: number; worstCaseRestartSeconds: number } };
    assert.equal(j.location, 'values');
    assert.deepEqual(j.ports, [{ name: 'health', containerPort: 8080 }]);
    assert.deepEqual(j.probes.liveness, { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
    assert.equal(j.probes.readiness, null);
    assert.equal(j.budget.maxBlockSeconds, 55);
    assert.equal(j.budget.worstCaseRestartSeconds, 95);
    const one = JSON.parse((await cli(['probes', 'get', dir, '--probe', 'liveness', '--json'])).out) as { probes: Record<string, unknown> };
    assert.deepEqual(Object.keys(one.probes), ['liveness']);
  });

  it('set changes only the given keys and prints the new budget', async () => {
    const before = readFileSync(join(dir, 'values.yaml'), 'utf8');
    const r = await cli(['probes', 'set', dir, '--probe', 'liveness', '--failure-threshold', '8', '--path', '/health/live']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /may block up to 75 s/);
    const after = readFileSync(join(dir, 'values.yaml'), 'utf8');
    assert.equal(after, before.replace('failureThreshold: 6', 'failureThreshold: 8').replace('path: /healthz', 'path: /health/live'));
  });

  it('bad input: exit 2, the reason on stderr, nothing written', async () => {
    const before = readFileSync(join(dir, 'values.yaml'), 'utf8');
    for (const [args, want] of [
      [['probes', 'set', dir, '--probe', 'liveness', '--success-threshold', '2'], /Must be 1/],
      [['probes', 'set', dir, '--probe', 'liveness', '--port', 'http'], /no port named "http"/],
      [['probes', 'set', dir, '--probe', 'liveness', '--period', '0'], /at least 1/],
      [['probes', 'set', dir, '--probe', 'liveness', '--timeout', 'soon'], /whole number/],
      [['probes', 'set', dir, '--failure-threshold', '3'], /--probe is required/],
      [['probes', 'set', dir, '--probe', 'sideways'], /liveness, readiness or startup/],
      [['probes', 'get', join(dir, 'nope')], /is it a chart folder/],
    ] as Array<[string[], RegExp]>) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.out, '');
      assert.match(r.err, want);
    }
    assert.equal(readFileSync(join(dir, 'values.yaml'), 'utf8'), before);
  });

  it('a timeout longer than the period is written with a warning', async () => {
    const r = await cli(['probes', 'set', dir, '--probe', 'liveness', '--timeout', '12']);
    assert.equal(r.code, 0);
    assert.match(r.err, /warning: timeoutSeconds: Longer than the period/);
  });
});
