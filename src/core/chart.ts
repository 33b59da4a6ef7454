import { Probe, probeBudget } from './probes';
import { YamlEditError, YamlTextEditor, parseForEdit } from './yamlEdit';

/** Templates `helm create` writes that a worker with no inbound traffic does not use. */
export const WORKER_REMOVED_TEMPLATES = ['service.yaml', 'ingress.yaml', 'serviceaccount.yaml', 'hpa.yaml', 'httproute.yaml'];
export const WORKER_REMOVED_DIRS = ['tests'];

/** Values blocks that only the removed templates read. */
const REMOVED_VALUES = ['service', 'ingress', 'httpRoute', 'autoscaling'];

/** Helm's rule for chart names as we apply it: a lower-case DNS-1123 label. */
export function chartNameProblem(name: string): string | undefined {
  if (!name) return 'The chart name is empty.';
  if (name.length > 53) return 'The chart name is longer than 53 characters (Helm release names derived from it must fit in 63).';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return `"${name}" is not a valid chart name: use lower-case letters, digits and "-", starting and ending with a letter or digit.`;
  }
  return undefined;
}

export interface WorkerValues {
  /** Registry login server + image name, e.g. "myacr.azurecr.io/sampleworker". */
  repository: string;
  tag: string;
  healthPort: number;
  healthPath: string;
  /**
   * How the liveness probe checks the worker. httpGet (default) needs an HTTP endpoint; a worker on
   * the runtime image (no ASP.NET Core) may use tcpSocket (something accepts connections on the
   * port) or exec (a heartbeat file the worker touches: stale for 30 s means hung).
   */
  probe?: 'httpGet' | 'tcpSocket' | 'exec';
}

/** The exec probe's command: the heartbeat file /tmp/heartbeat was touched less than 30 s ago. */
export const HEARTBEAT_COMMAND = ['/bin/sh', '-c', 'test $(( $(date +%s) - $(stat -c %Y /tmp/heartbeat) )) -lt 30'];

/** The liveness timings a new chart starts with (55 s of blocking survived). */
const SEED_TIMINGS = { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };

const BUDGET_PREFIX = '# here (failureThreshold - 1) x periodSeconds + timeoutSeconds = ';
const NO_LIVENESS = '# here there is no liveness probe: a worker that hangs is never restarted.';
const BUDGET_LINE = /^# here \(failureThreshold - 1\) x periodSeconds \+ timeoutSeconds = \d+ s\.$/;

/** The line of the comment above livenessProbe in the values.yaml we write that states the budget. */
export function budgetCommentLine(liveness: Omit<Probe, 'handler'> | undefined): string {
  return liveness ? `${BUDGET_PREFIX}${probeBudget(liveness).maxBlockSeconds} s.` : NO_LIVENESS;
}

/**
 * values.yaml with the budget line of the comment we wrote above `livenessProbe:` restated for
 * `liveness` (the probe now saved). Only that line, written exactly as we write it, in the comment
 * block right above the top-level key, is touched; any other text comes back byte for byte (a
 * comment the user rewrote is theirs and stays as it is).
 */
export function updateBudgetComment(values: string, liveness: Omit<Probe, 'handler'> | undefined): string {
  const lines = values.split('\n');
  const key = lines.findIndex((l) => /^livenessProbe\s*:/.test(l));
  if (key < 0) return values;
  for (let i = key - 1; i >= 0 && lines[i].startsWith('#'); i--) {
    const cr = lines[i].endsWith('\r') ? '\r' : '';
    const line = cr ? lines[i].slice(0, -1) : lines[i];
    if (BUDGET_LINE.test(line) || line === NO_LIVENESS) {
      lines[i] = budgetCommentLine(liveness) + cr;
      return lines.join('\n');
    }
  }
  return values;
}

function livenessHandler(v: WorkerValues): string[] {
  if (v.probe === 'tcpSocket') {
    return ['# The image has no ASP.NET Core: the probe only checks that the worker accepts connections', '# on its health port.', 'livenessProbe:', '  tcpSocket:', '    port: health'];
  }
  if (v.probe === 'exec') {
    return [
      '# The image has no ASP.NET Core: the probe runs a command in the container. The worker touches',
      '# /tmp/heartbeat on every loop; a file older than 30 s means the loop is stuck.',
      'livenessProbe:',
      '  exec:',
      `    command: [${HEARTBEAT_COMMAND.map((c) => JSON.stringify(c)).join(', ')}]`,
    ];
  }
  return [
    '# Kills and restarts the worker when its health endpoint stops answering. The endpoint does',
    '# not answer while the worker blocks its thread, so the probe must outlast the longest block:',
    budgetCommentLine(SEED_TIMINGS),
    'livenessProbe:',
    '  httpGet:',
    `    path: ${v.healthPath}`,
    '    port: health',
  ];
}

/** The grace period a new worker chart gives a stop: the .NET host's default ShutdownTimeout (30 s) + 5 s. */
export const WORKER_GRACE_SECONDS = 35;

/**
 * values.yaml of `helm create`, stripped for a worker: the Service/Ingress/HTTPRoute/autoscaling
 * blocks go, the image points at the registry, the service account is not created, and the health
 * port and probes come in where the probes were. Everything else stays as helm wrote it.
 */
export function stripValues(text: string, v: WorkerValues, file = 'values.yaml'): string {
  const ed = new YamlTextEditor(text, file);
  if (ed.get(['image']) === undefined) throw new YamlEditError(file, 'no "image" mapping; is this the values.yaml of a `helm create` chart?');
  // Where the probes were, so the new block goes there (before the key that follows them).
  const doc = parseForEdit(text, file);
  const keys = (doc.contents as { items: Array<{ key: { value: unknown } }> }).items.map((p) => String(p.key.value));
  const lastProbe = Math.max(keys.indexOf('livenessProbe'), keys.indexOf('readinessProbe'), keys.indexOf('startupProbe'));
  const removed = new Set([...REMOVED_VALUES, 'livenessProbe', 'readinessProbe', 'startupProbe', 'healthPort']);
  const before = lastProbe >= 0 ? keys.slice(lastProbe + 1).find((k) => !removed.has(k)) : undefined;

  ed.deleteTopLevel([...removed]);
  ed.setScalar(['image', 'repository'], v.repository);
  ed.setScalar(['image', 'tag'], v.tag, 'double');
  if (ed.get(['serviceAccount', 'create']) !== undefined) {
    ed.setScalar(['serviceAccount', 'create'], false);
    ed.commentAbove(['serviceAccount', 'create'], ['A worker calls no Kubernetes API, so it gets no service account of its own.', "Kept so the chart's helper templates still render."]);
  }
  ed.insertTopLevel(
    [
      "# The port the worker's health endpoint listens on. There is no Service: nothing calls the",
      "# worker; only the kubelet's probes (and kubectl port-forward) reach this port.",
      `healthPort: ${v.healthPort}`,
      '',
      ...livenessHandler(v),
      '  periodSeconds: 10',
      '  timeoutSeconds: 5',
      '  failureThreshold: 6',
      '',
      '# Off for a worker: readiness only decides whether a Service sends the pod traffic, and a',
      '# worker has no Service. Set it like livenessProbe if something must wait for the pod.',
      'readinessProbe: {}',
      '',
      '# Gives a slow-starting worker time before the liveness checks begin (off by default).',
      'startupProbe: {}',
      '',
      '# How long a stop may take: Kubernetes sends SIGTERM, waits this long, then kills the worker.',
      '# The .NET host gives the worker HostOptions.ShutdownTimeout (30 s by default) to finish its',
      '# job, so this is that plus 5 s; raise both together for longer jobs.',
      `terminationGracePeriodSeconds: ${WORKER_GRACE_SECONDS}`,
    ],
    before,
  );
  return ed.toString();
}

/** Chart.yaml with appVersion set to the image tag, as a quoted string. */
export function setAppVersion(text: string, tag: string, file = 'Chart.yaml'): string {
  return new YamlTextEditor(text, file).setScalar(['appVersion'], tag, 'double').toString();
}

const WITH_BLOCK = (probe: string, indent: string) =>
  `${indent}{{- with .Values.${probe} }}\n${indent}${probe}:\n${indent}  {{- toYaml . | nindent ${indent.length + 2} }}\n${indent}{{- end }}\n`;

/**
 * Replaces every probe written inline in a deployment template (`livenessProbe:` followed by its
 * YAML) with a block that renders it from values (`{{- with .Values.livenessProbe }}` …). Lines
 * outside those blocks are left as they are. Takes and returns LF text.
 */
export function probesFromValues(template: string): string {
  const lines = template.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^([ \t]*)(livenessProbe|readinessProbe|startupProbe):\s*$/.exec(lines[i]);
    const prev = out[out.length - 1] ?? '';
    if (m && !/\{\{-?\s*with \.Values\.(livenessProbe|readinessProbe|startupProbe)\s*\}\}/.test(prev)) {
      const indent = m[1];
      let j = i + 1;
      while (j < lines.length && (lines[j].startsWith(`${indent} `) || lines[j].startsWith(`${indent}\t`))) j++;
      out.push(...WITH_BLOCK(m[2], indent).trimEnd().split('\n'));
      i = j - 1;
      continue;
    }
    out.push(lines[i]);
  }
  return out.join('\n');
}

/**
 * templates/deployment.yaml of any `helm create` generation, made to work without the removed
 * templates and values: replicas without autoscaling, the container port from healthPort, probes
 * from values (older generations wrote them inline), a startupProbe block, and the pod's
 * terminationGracePeriodSeconds from values.
 */
export function stripDeployment(text: string, file = 'templates/deployment.yaml'): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let t = text.replace(/\r\n/g, '\n');

  // replicas: no HPA, so always from replicaCount.
  t = t.replace(/^[ \t]*\{\{-?\s*if not \.Values\.autoscaling\.enabled\s*-?\}\}\n([ \t]*replicas:[^\n]*\n)[ \t]*\{\{-?\s*end\s*-?\}\}\n/m, '$1');

  // The container port: the Service's port (Helm 4, late Helm 3) or a literal 80 (older Helm 3).
  const port = /^([ \t]*)- name: http\n([ \t]*)containerPort: (?:\{\{\s*\.Values\.service\.port\s*\}\}|\d+)\n/m;
  if (!port.test(t)) throw new YamlEditError(file, 'found no "- name: http / containerPort" entry to turn into the health port');
  t = t.replace(port, '$1- name: health\n$2containerPort: {{ .Values.healthPort }}\n');

  // Probes written inline (older generations): replace each with a block that reads values.
  t = probesFromValues(t);

  // A startupProbe block after the readiness (or liveness) one.
  if (!/\.Values\.startupProbe/.test(t)) {
    const after = /^([ \t]*)\{\{-?\s*with \.Values\.readinessProbe\s*\}\}\n(?:.*\n)*?\1\{\{-?\s*end\s*\}\}\n/m.exec(t) ?? /^([ \t]*)\{\{-?\s*with \.Values\.livenessProbe\s*\}\}\n(?:.*\n)*?\1\{\{-?\s*end\s*\}\}\n/m.exec(t);
    if (after) t = t.slice(0, after.index + after[0].length) + WITH_BLOCK('startupProbe', after[1]) + t.slice(after.index + after[0].length);
  }

  // The grace period of a stop, from values (beside the pod's containers).
  if (!/terminationGracePeriodSeconds/.test(t)) {
    const containers = /^([ \t]*)containers:[ \t]*\n/m.exec(t);
    if (containers) {
      const ind = containers[1];
      t = `${t.slice(0, containers.index)}${ind}{{- with .Values.terminationGracePeriodSeconds }}\n${ind}terminationGracePeriodSeconds: {{ . }}\n${ind}{{- end }}\n${t.slice(containers.index)}`;
    }
  }

  const leftover = /\.Values\.(service|ingress|autoscaling|httpRoute)\b/.exec(t);
  if (leftover) throw new YamlEditError(file, `still refers to .Values.${leftover[1]}, which a worker chart drops; edit it by hand`);
  return t.replace(/\n/g, eol);
}

/** NOTES.txt for a worker: no URL to visit; how to reach a pod's health endpoint. */
export function workerNotes(chartName: string): string {
  return `{{ .Chart.Name }} {{ .Chart.AppVersion }} is released as {{ .Release.Name }} in {{ .Release.Namespace }}.

It is a worker: there is no Service and nothing calls it. The kubelet checks its health
endpoint on port {{ .Values.healthPort }}{{ with .Values.livenessProbe }}{{ with .httpGet }} ({{ .path }}){{ end }}{{ end }}.

Watch its pods (restarts show failed liveness probes):
  kubectl get pods --namespace {{ .Release.Namespace }} -l "app.kubernetes.io/name={{ include "${chartName}.name" . }},app.kubernetes.io/instance={{ .Release.Name }}" -w

Call the health endpoint of one pod yourself:
  export POD_NAME=$(kubectl get pods --namespace {{ .Release.Namespace }} -l "app.kubernetes.io/name={{ include "${chartName}.name" . }},app.kubernetes.io/instance={{ .Release.Name }}" -o jsonpath="{.items[0].metadata.name}")
  kubectl --namespace {{ .Release.Namespace }} port-forward $POD_NAME 8080:{{ .Values.healthPort }}
  curl -i http://127.0.0.1:8080{{ with .Values.livenessProbe }}{{ with .httpGet }}{{ .path }}{{ end }}{{ end }}
`;
}

/** Where Helm says a template failed: "template: w/templates/deployment.yaml:12:3: executing …". */
export interface HelmTemplateError {
  /** Path inside the chart, e.g. "templates/deployment.yaml". */
  file: string;
  line: number;
  column?: number;
  message: string;
}

export function parseHelmError(text: string): HelmTemplateError | undefined {
  let m = /template: [^/\s]+\/((?:templates|charts)\/[^:\s]+):(\d+)(?::(\d+))?: (.+)$/m.exec(text);
  if (m) return { file: m[1], line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined, message: m[4].trim() };
  // `fail`/`required`: "execution error at (w/templates/deployment.yaml:23:32): image.tag is required"
  m = /execution error at \([^/\s]+\/((?:templates|charts)\/[^:\s]+):(\d+):(\d+)\): (.+)$/m.exec(text);
  if (m) return { file: m[1], line: Number(m[2]), column: Number(m[3]), message: m[4].trim() };
  // Helm 4: "Error: w/templates/deployment.yaml:24:19" and the reason on the indented lines below.
  m = /^Error: [^/\s]+\/((?:templates|charts)\/[^:\s]+):(\d+):(\d+)\s*$((?:\n[ \t]+\S.*)*)/m.exec(text);
  if (m) return { file: m[1], line: Number(m[2]), column: Number(m[3]), message: m[4].split('\n').map((l) => l.trim()).filter(Boolean).join(' ') || 'template error' };
  // YAML errors in the rendered output: "YAML parse error on w/templates/deployment.yaml: error converting YAML to JSON: yaml: line 42: …"
  m = /YAML parse error on [^/\s]+\/([^:\s]+): .*?line (\d+): (.+)$/m.exec(text);
  if (m) return { file: m[1], line: Number(m[2]), message: m[3].trim() };
  // values.yaml itself: "cannot load values.yaml: [cannot unmarshal yaml document: ]error converting YAML to JSON: yaml: line 3: …"
  m = /cannot load (values\.yaml|Chart\.yaml): .*?line (\d+)(?::(\d+))?: (.+)$/m.exec(text);
  if (m) return { file: m[1], line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined, message: m[4].trim() };
  return undefined;
}
