import * as assert from 'node:assert/strict';
import { chooseTarget, commonRoot, parseRendered, planSentinels, traceProbeFields } from '../../src/core/chartRender';

// `helm template` output, as Helm 3 and 4 print it: a "# Source:" comment before each document.
const RENDER = `---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: w-web
---
# Source: web/charts/worker/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: w-worker
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 45
      containers:
        - name: worker
          image: "contoso.azurecr.io/worker:1.2.3"
          ports:
            - name: health
              containerPort: 8080
          livenessProbe:
            httpGet:
              path: /healthz
              port: health
            periodSeconds: 10
        - name: sidecar
          image: "busybox:1.36"
          readinessProbe:
            exec:
              command: ["cat", "/tmp/ready"]
---
# Source: web/templates/daemonset.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: w-agent
spec:
  template:
    spec:
      containers:
        - name: agent
          image: "contoso.azurecr.io/agent:2.0"
          livenessProbe: {}
`;

describe("Helm's render, read", () => {
  it('finds the workloads, their template, containers, ports and probes (an empty probe is none)', () => {
    const w = parseRendered(RENDER);
    assert.deepEqual(
      w.map((x) => [x.kind, x.name, x.source, x.containers.map((c) => c.name)]),
      [
        ['StatefulSet', 'w-worker', 'charts/worker/templates/statefulset.yaml', ['worker', 'sidecar']],
        ['DaemonSet', 'w-agent', 'templates/daemonset.yaml', ['agent']],
      ],
    );
    assert.equal(w[0].terminationGracePeriodSeconds, 45);
    assert.deepEqual(w[0].containers[0].ports, [{ name: 'health', containerPort: 8080 }]);
    assert.deepEqual(w[0].containers[0].probes.liveness, { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10 });
    assert.deepEqual(w[0].containers[1].probes.readiness, { exec: { command: ['cat', '/tmp/ready'] } });
    assert.deepEqual(w[1].containers[0].probes, {});
  });
  it('chooses the container asked for, the only one, or the one running the chart image; else says which there are', () => {
    const w = parseRendered(RENDER);
    const none = chooseTarget(w);
    assert.equal(none.target, undefined);
    assert.match(none.problem ?? '', /several containers \(StatefulSet\/w-worker worker, StatefulSet\/w-worker sidecar, DaemonSet\/w-agent agent\)/);
    assert.equal(chooseTarget(w, { image: 'contoso.azurecr.io/worker' }).target?.container.name, 'worker');
    assert.equal(chooseTarget(w, { workload: 'DaemonSet/w-agent' }).target?.container.name, 'agent');
    assert.equal(chooseTarget(w, { workload: 'w-worker', container: 'sidecar' }).target?.container.name, 'sidecar');
    assert.match(chooseTarget(w, { workload: 'Deployment/x' }).problem ?? '', /no workload Deployment\/x in the render; there are: StatefulSet\/w-worker, DaemonSet\/w-agent/);
    assert.match(chooseTarget(w, { container: 'nope' }).problem ?? '', /no container nope/);
  });
  it('a sentinel render tells which values key sets each field, which are computed, which are fixed', () => {
    const values = { worker: { livenessProbe: { enabled: true, periodSeconds: 10, httpGet: { path: '/healthz', port: 'health' }, timeoutSeconds: 5 } }, replicaCount: 1, image: { tag: '1' } };
    const plan = planSentinels(values);
    assert.equal(plan.byValue.size, 4, 'numbers and strings under the probe; not the boolean, not image or replicaCount');
    const s = (p: string) => [...plan.byValue.entries()].find(([, v]) => v.join('.') === p)?.[0] as string;
    const base = { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 6, failureThreshold: 3 };
    const sentinel = { httpGet: { path: JSON.parse(s('worker.livenessProbe.httpGet.path')), port: JSON.parse(s('worker.livenessProbe.httpGet.port')) }, periodSeconds: JSON.parse(s('worker.livenessProbe.periodSeconds')), timeoutSeconds: Number(s('worker.livenessProbe.timeoutSeconds')) + 1, failureThreshold: 3 };
    const trace = traceProbeFields(base, sentinel, plan);
    assert.deepEqual(trace['periodSeconds'], { kind: 'values', path: ['worker', 'livenessProbe', 'periodSeconds'] });
    assert.deepEqual(trace['httpGet.port'], { kind: 'values', path: ['worker', 'livenessProbe', 'httpGet', 'port'] });
    assert.deepEqual(trace['timeoutSeconds'], { kind: 'derived', path: ['worker', 'livenessProbe', 'timeoutSeconds'], how: '+1' });
    assert.deepEqual(trace['failureThreshold'], { kind: 'template' });
    assert.deepEqual(commonRoot(trace), ['worker', 'livenessProbe']);
  });
});
