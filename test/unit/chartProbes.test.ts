import * as assert from 'node:assert/strict';
import { addProbesToValues, moveProbesToValues, readChartProbes, templatePorts, writeProbeToTemplate, writeProbeToValues } from '../../src/core/chartProbes';
import { Probe } from '../../src/core/probes';
import { YamlTextEditor } from '../../src/core/yamlEdit';
import { OLD_DEPLOYMENT } from './helmCreateFixtures';

const DEPLOYMENT_FROM_VALUES = `spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          ports:
            - name: health
              containerPort: {{ .Values.healthPort }}
              protocol: TCP
          {{- with .Values.livenessProbe }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
`;

const VALUES = [
  '# values for the worker',
  'defaults: &defaults',
  '    pullPolicy: IfNotPresent',
  'image: {repository: r.io/w, tag: "0.0.1"}   # flow style',
  'healthPort: 8080',
  '',
  '# the budget is 55 s',
  'livenessProbe:',
  '    httpGet:',
  '        path: /healthz   # the health endpoint',
  '        port: health',
  '    periodSeconds: 10',
  '    timeoutSeconds: 5   # seconds',
  '    failureThreshold: 6',
  'readinessProbe: {}',
  'other: *defaults',
  '',
].join('\r\n');

const changed = (a: string, b: string) => {
  const la = a.split('\n');
  const lb = b.split('\n');
  return { removed: la.filter((l) => !lb.includes(l)), added: lb.filter((l) => !la.includes(l)) };
};

describe('probes in a chart', () => {
  it('finds probes rendered from values, and the container ports with values substituted', () => {
    const r = readChartProbes(VALUES, DEPLOYMENT_FROM_VALUES);
    assert.equal(r.location, 'values');
    assert.deepEqual(r.ports, [{ name: 'health', containerPort: 8080 }]);
    assert.deepEqual(r.probes.liveness, { handler: { type: 'httpGet', path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
    assert.equal(r.probes.readiness, undefined, 'an empty readiness probe is off');
  });

  it('a timing change touches only that line (comments, anchors, flow style, CRLF and indentation kept)', () => {
    const current = readChartProbes(VALUES, DEPLOYMENT_FROM_VALUES).probes.liveness as Probe;
    const out = writeProbeToValues(VALUES, 'liveness', { ...current, failureThreshold: 9 });
    assert.deepEqual(changed(VALUES, out), { removed: ['    failureThreshold: 6\r'], added: ['    failureThreshold: 9\r'] });
  });

  it('removing a timing deletes its line; adding one appends it under the probe', () => {
    const current = readChartProbes(VALUES, DEPLOYMENT_FROM_VALUES).probes.liveness as Probe;
    const out = writeProbeToValues(VALUES, 'liveness', { ...current, timeoutSeconds: undefined, initialDelaySeconds: 15 });
    assert.deepEqual(changed(VALUES, out), { removed: ['    timeoutSeconds: 5   # seconds\r'], added: ['    initialDelaySeconds: 15\r'] });
    const { timeoutSeconds: _dropped, ...rest } = current;
    assert.deepEqual(readChartProbes(out, DEPLOYMENT_FROM_VALUES).probes.liveness, { ...rest, initialDelaySeconds: 15 });
  });

  it('a handler field change keeps the comment on the line it changes', () => {
    const current = readChartProbes(VALUES, DEPLOYMENT_FROM_VALUES).probes.liveness as Probe;
    const out = writeProbeToValues(VALUES, 'liveness', { ...current, handler: { type: 'httpGet', path: '/health/live', port: 'health' } });
    assert.deepEqual(changed(VALUES, out), { removed: ['        path: /healthz   # the health endpoint\r'], added: ['        path: /health/live   # the health endpoint\r'] });
  });

  it('turning a probe on replaces its {} with a block; off writes {}; another handler replaces the block', () => {
    const on = writeProbeToValues(VALUES, 'readiness', { handler: { type: 'tcpSocket', port: 'health' }, periodSeconds: 5 });
    assert.match(on, /readinessProbe:\r\n {2}tcpSocket:\r\n {4}port: health\r\n {2}periodSeconds: 5\r\nother: \*defaults/);
    const off = writeProbeToValues(VALUES, 'liveness', undefined);
    assert.match(off, /# the budget is 55 s\r\nlivenessProbe: \{\}\r\nreadinessProbe: \{\}/);
    const exec = writeProbeToValues(VALUES, 'liveness', { handler: { type: 'exec', command: ['cat', '/tmp/healthy'] }, periodSeconds: 10 });
    assert.deepEqual(readChartProbes(exec, DEPLOYMENT_FROM_VALUES).probes.liveness, { handler: { type: 'exec', command: ['cat', '/tmp/healthy'] }, periodSeconds: 10 });
    assert.match(exec, /^# the budget is 55 s\r$/m);
    for (const t of [on, off, exec]) new YamlTextEditor(t, 'values.yaml'); // still valid YAML
  });

  it('a probe missing from values is added at the end', () => {
    const out = writeProbeToValues('image:\n  tag: "1"\n', 'startup', { handler: { type: 'httpGet', path: '/healthz', port: 8080 }, failureThreshold: 30, periodSeconds: 10 });
    assert.equal(out, 'image:\n  tag: "1"\nstartupProbe:\n  httpGet:\n    path: /healthz\n    port: 8080\n  periodSeconds: 10\n  failureThreshold: 30\n');
  });
});

const INLINE = OLD_DEPLOYMENT;

describe('probes written inline in a Go-templated deployment.yaml', () => {
  it('reads them', () => {
    const r = readChartProbes('', INLINE);
    assert.equal(r.location, 'template');
    assert.deepEqual(r.ports, [{ name: 'http', containerPort: 80 }]);
    assert.deepEqual(r.probes.liveness, { handler: { type: 'httpGet', path: '/', port: 'http' } });
  });
  it('edits one block and leaves the template around it alone', () => {
    const out = writeProbeToTemplate(INLINE, 'liveness', { handler: { type: 'httpGet', path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 });
    const { removed, added } = changed(INLINE, out);
    assert.deepEqual(removed, []);
    assert.deepEqual(added, ['              path: /healthz', '            periodSeconds: 10', '            failureThreshold: 6']);
    assert.ok(out.includes('  {{- if not .Values.autoscaling.enabled }}\n  replicas: {{ .Values.replicaCount }}\n'));
    assert.deepEqual(readChartProbes('', out).probes.liveness, { handler: { type: 'httpGet', path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 });
  });
  it('turns one off and adds a startup probe next to the others', () => {
    const off = writeProbeToTemplate(INLINE, 'readiness', undefined);
    assert.doesNotMatch(off, /readinessProbe/);
    assert.match(off, /port: http\n {10}resources:/);
    const startup = writeProbeToTemplate(INLINE, 'startup', { handler: { type: 'tcpSocket', port: 'http' }, failureThreshold: 30 });
    assert.match(startup, /readinessProbe:\n(?: {12}.*\n)+ {10}startupProbe:\n {12}tcpSocket:\n {14}port: http\n {12}failureThreshold: 30\n {10}resources:/);
  });
  it('a probe built from template expressions is not editable, and says why', () => {
    const r = readChartProbes('', INLINE.replace('path: /\n              port: http\n          readinessProbe', 'path: {{ .Values.health.path }}\n              port: http\n          readinessProbe'));
    assert.equal(r.location, 'none');
    assert.match(r.note ?? '', /template expressions/);
  });
  it('ports resolve through values', () => {
    assert.deepEqual(templatePorts('            - name: health\n              containerPort: {{ .Values.health.port }}\n', 'health:\n  port: 9000\n'), [{ name: 'health', containerPort: 9000 }]);
  });
});

describe('moving inline probes to values.yaml', () => {
  it('writes them to values and makes the template render them from there', () => {
    const values = '# worker values\nreplicaCount: 1\n';
    const moved = moveProbesToValues(values, INLINE);
    assert.equal(moved.values, '# worker values\nreplicaCount: 1\nlivenessProbe:\n  httpGet:\n    path: /\n    port: http\nreadinessProbe:\n  httpGet:\n    path: /\n    port: http\n');
    assert.match(moved.deployment, / {10}\{\{- with \.Values\.livenessProbe \}\}\n {10}livenessProbe:\n {12}\{\{- toYaml \. \| nindent 12 \}\}\n {10}\{\{- end \}\}\n/);
    assert.doesNotMatch(moved.deployment, /path: \//);
    assert.ok(moved.deployment.includes('  {{- if not .Values.autoscaling.enabled }}\n  replicas: {{ .Values.replicaCount }}\n'), 'the rest of the template is untouched');
    const after = readChartProbes(moved.values, moved.deployment);
    assert.equal(after.location, 'values');
    assert.deepEqual(after.probes, readChartProbes('', INLINE).probes);
  });
  it('refuses a probe built from template expressions, and one with nothing inline', () => {
    assert.throws(() => moveProbesToValues('', INLINE.replace('path: /\n              port: http\n          readinessProbe', 'path: {{ .Values.p }}\n              port: http\n          readinessProbe')), /template expressions/);
    assert.throws(() => moveProbesToValues('', 'spec: {}\n'), /no probe written inline/);
  });
});

describe('adding probes to a chart that has none', () => {
  const bare = `spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - name: health
              containerPort: 8080
`;
  it('puts value-driven blocks after the image line and the probes, off, in values.yaml', () => {
    const r = addProbesToValues('image:\n  repository: r.io/w\n', bare);
    assert.match(r.deployment, /image: "[^\n]+"\n {10}\{\{- with \.Values\.livenessProbe \}\}\n {10}livenessProbe:\n {12}\{\{- toYaml \. \| nindent 12 \}\}\n {10}\{\{- end \}\}\n/);
    assert.match(r.deployment, /\{\{- end \}\}\n {10}ports:\n/);
    assert.equal(r.values, 'image:\n  repository: r.io/w\nlivenessProbe: {}\nreadinessProbe: {}\nstartupProbe: {}\n');
    const after = readChartProbes(r.values, r.deployment);
    assert.equal(after.location, 'values');
    assert.deepEqual(after.probes, {});
    assert.deepEqual(after.ports, [{ name: 'health', containerPort: 8080 }]);
  });
  it('refuses a template with probes already, or without a container image', () => {
    assert.throws(() => addProbesToValues('', INLINE), /already has probes/);
    assert.throws(() => addProbesToValues('', 'spec: {}\n'), /no container `image:` line/);
  });
});
