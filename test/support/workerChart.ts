import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small worker chart for preflight tests: the given env, a startup probe (every 1 s, 60 tries), a
 * quick liveness probe (every 2 s, 1 s timeout, 3 failures) on /healthz at the health port, and the
 * grace period. Returns the chart folder.
 */
export function writeWorkerChart(dir: string, o: { env?: Record<string, string>; grace: number; image?: string }): string {
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: worker\nversion: 0.1.0\nappVersion: "1.0.0"\n');
  const envYaml = Object.entries(o.env ?? {}).map(([name, value]) => `  - name: ${name}\n    value: "${value}"`).join('\n');
  writeFileSync(
    join(dir, 'values.yaml'),
    `image: ${o.image ?? 'worker:preflight'}\ngrace: ${o.grace}\nenv:\n${envYaml || '  []'}\nstartupProbe:\n  httpGet: { path: /healthz, port: health }\n  periodSeconds: 1\n  failureThreshold: 60\nlivenessProbe:\n  httpGet: { path: /healthz, port: health }\n  periodSeconds: 2\n  timeoutSeconds: 1\n  failureThreshold: 3\n`,
  );
  writeFileSync(
    join(dir, 'templates', 'deployment.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector: { matchLabels: { app: w } }
  template:
    metadata: { labels: { app: w } }
    spec:
      terminationGracePeriodSeconds: {{ .Values.grace }}
      containers:
        - name: worker
          image: {{ .Values.image }}
          ports: [{ name: health, containerPort: 8080 }]
          env: {{- toYaml .Values.env | nindent 12 }}
          startupProbe: {{- toYaml .Values.startupProbe | nindent 12 }}
          livenessProbe: {{- toYaml .Values.livenessProbe | nindent 12 }}
`,
  );
  return dir;
}

/**
 * What the user does after `health add` (its advice) in a plain-worker fixture: the worker takes
 * the heartbeat in its constructor and beats once per loop iteration.
 */
export function beatInLoop(workerFile: string): void {
  const text = readFileSync(workerFile, 'utf8');
  const beat = text
    .replace('private readonly IConfiguration _config;', 'private readonly IConfiguration _config;\n    private readonly WorkerHeartbeat _heartbeat;')
    .replace('IConfiguration config)', 'IConfiguration config, WorkerHeartbeat heartbeat)')
    .replace('_config = config;', '_config = config;\n        _heartbeat = heartbeat;')
    .replace(/(while \(!stoppingToken\.IsCancellationRequested\)\r?\n\s*\{)/, '$1\n            _heartbeat.Beat();');
  assert.notEqual(beat, text, `${workerFile}: the loop now beats`);
  writeFileSync(workerFile, beat);
}
