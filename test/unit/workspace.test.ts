import * as assert from 'node:assert/strict';
import { parseChartYaml, summarizeProbes } from '../../src/core/chartFiles';
import { isDockerfileName, workflowSteps, WorkspaceScan } from '../../src/core/workspace';

describe('workspace model', () => {
  it('recognises Dockerfile names', () => {
    for (const n of ['Dockerfile', 'dockerfile', 'Dockerfile.worker', 'worker.Dockerfile', 'api.dockerfile']) assert.ok(isDockerfileName(n), n);
    for (const n of ['Dockerfile2', 'MyDockerfileNotes.md', '.dockerignore', 'Dockerfile.']) assert.ok(!isDockerfileName(n), n);
  });

  it('reads Chart.yaml, and gives line:column for invalid YAML', () => {
    assert.deepEqual(parseChartYaml('charts/w', 'name: w\nversion: 0.1.0\nappVersion: "1.2.3"\n'), { dir: 'charts/w', name: 'w', version: '0.1.0', appVersion: '1.2.3' });
    const bad = parseChartYaml('charts/w', 'name: w\nversion: [0.1.0\n');
    assert.match(bad.error ?? '', /^Chart\.yaml:\d+:\d+: /);
  });

  it('summarises probes from values.yaml', () => {
    const p = summarizeProbes('livenessProbe:\n  httpGet: { path: /healthz, port: health }\n  periodSeconds: 10\n  failureThreshold: 6\nreadinessProbe: {}\nstartupProbe:\n  exec: { command: [cat, /tmp/ok] }\n');
    assert.deepEqual(p, [
      { kind: 'liveness', handler: 'httpGet /healthz on health', periodSeconds: 10, failureThreshold: 6, timeoutSeconds: undefined },
      { kind: 'startup', handler: 'exec cat /tmp/ok', periodSeconds: undefined, failureThreshold: undefined, timeoutSeconds: undefined },
    ]);
    assert.deepEqual(summarizeProbes(': : bad'), []);
  });

  it('derives the seven steps for an empty folder', () => {
    const steps = workflowSteps({ dockerfiles: [], projects: [], solutions: [], charts: [] }, {});
    assert.deepEqual(steps.map((s) => s.label), ['Dockerfile', 'Image', 'Registry', 'Chart', 'Probes', 'Release', 'Pods']);
    assert.deepEqual(steps.map((s) => s.state), ['blocked', 'blocked', 'unknown', 'ready', 'blocked', 'blocked', 'unknown']);
  });

  it('derives the steps for the sample worker', () => {
    const scan: WorkspaceScan = {
      dockerfiles: ['src/SampleWorker/Dockerfile'],
      projects: ['src/SampleWorker/SampleWorker.csproj'],
      solutions: ['SampleWorker.sln'],
      charts: [{ dir: 'charts/sample-worker', name: 'sample-worker', version: '0.1.0', appVersion: '0.0.1', probes: [{ kind: 'liveness', handler: 'httpGet /healthz on health', periodSeconds: 10, failureThreshold: 6 }] }],
    };
    const steps = workflowSteps(scan, { registry: 'myacr.azurecr.io', kubeContext: 'aks-dev', namespace: 'workers' });
    const by = Object.fromEntries(steps.map((s) => [s.id, s]));
    assert.equal(by.dockerfile.state, 'done');
    assert.equal(by.dockerfile.description, 'src/SampleWorker/Dockerfile');
    assert.equal(by.registry.description, 'myacr.azurecr.io');
    assert.equal(by.chart.children?.[0].description, 'version 0.1.0 · appVersion 0.0.1');
    assert.equal(by.probes.description, 'httpGet /healthz on health');
    assert.equal(by.probes.children?.[0].description, 'httpGet /healthz on health · every 10s · ×6');
    assert.equal(by.release.description, 'release sample-worker in workers');
    assert.equal(by.pods.description, 'context aks-dev · workers');
  });

  it('flags a chart whose Chart.yaml is broken', () => {
    const steps = workflowSteps({ dockerfiles: [], projects: [], solutions: [], charts: [{ dir: 'charts/x', error: 'Chart.yaml:2:10: bad', probes: [] }] }, {});
    const chart = steps.find((s) => s.id === 'chart');
    assert.equal(chart?.state, 'problem');
    assert.equal(chart?.children?.[0].problem, true);
  });
});

describe('workflow steps with remembered image state', () => {
  it('shows the last built and pushed references', () => {
    const steps = workflowSteps(
      { dockerfiles: ['Dockerfile'], projects: ['W.csproj'], solutions: [], charts: [] },
      {
        lastBuilt: { ref: 'w:0.0.2', at: '2026-11-26T14:00:00Z', size: 210e6, architecture: 'amd64' },
        lastPushed: { ref: 'r.azurecr.io/w:0.0.2', at: '2026-11-26T14:01:00Z', digest: 'sha256:abc', uploaded: 1, reused: 2 },
      },
    );
    const by = Object.fromEntries(steps.map((s) => [s.id, s]));
    assert.equal(by.image.state, 'done');
    assert.equal(by.image.description, 'w:0.0.2');
    assert.match(by.image.tooltip, /210\.0 MB, amd64/);
    assert.equal(by.registry.state, 'done');
    assert.equal(by.registry.description, 'r.azurecr.io/w:0.0.2');
    assert.match(by.registry.tooltip, /1 layers uploaded, 2 reused/);
    assert.deepEqual(by.image.children?.map((c) => [c.label, c.command]), [['Preflight', 'aksWorker.preflight']]);
    assert.match(by.image.children?.[0].description ?? '', /^not run yet/);
  });

  it('shows the last preflight under Image, and Add Health Endpoint when it found no endpoint', () => {
    const scan = { dockerfiles: ['Dockerfile'], projects: ['W.csproj'], solutions: [], charts: [] };
    const failed = { image: 'w:1', at: '2026-12-02T05:00:00Z', ok: false, summary: 'Nothing listens on 8080: every check was refused.', noEndpoint: true, warnings: 0 };
    const by = Object.fromEntries(workflowSteps(scan, { lastBuilt: { ref: 'w:1', at: '2026-12-02T04:59:00Z' }, lastPreflight: failed }).map((s) => [s.id, s]));
    assert.deepEqual(
      by.image.children?.map((c) => [c.label, c.description, c.problem, c.command]),
      [
        ['Preflight', 'Nothing listens on 8080: every check was refused.', true, 'aksWorker.preflight'],
        ['Add Health Endpoint', 'preflight found no health endpoint', true, 'aksWorker.addHealthEndpoint'],
      ],
    );
    const passed = { ...failed, ok: true, summary: 'passed: p99 12 ms', noEndpoint: false, warnings: 1 };
    const ok = Object.fromEntries(workflowSteps(scan, { lastPreflight: passed }).map((s) => [s.id, s]));
    assert.deepEqual(ok.image.children?.map((c) => [c.label, c.description, c.problem]), [['Preflight', 'passed, 1 warning', false]]);
    const scanned = Object.fromEntries(workflowSteps(scan, { noHealthEndpoint: { project: 'W.csproj' } }).map((s) => [s.id, s]));
    assert.deepEqual(scanned.image.children?.map((c) => [c.label, c.description]), [['Add Health Endpoint', 'W.csproj serves no HTTP health endpoint']]);
  });
});
