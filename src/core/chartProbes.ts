import { parseDocument } from 'yaml';
import { ContainerPort, PROBE_KINDS, Probe, ProbeKind, TIMING_FIELDS, probeFromObject, probeToObject } from './probes';
import { probesFromValues } from './chart';
import { YamlEditError, YamlTextEditor } from './yamlEdit';
import { guardSize, guardYaml, yamlToJS } from './parseLimits';

/**
 * Where a chart's probes live: in values.yaml, rendered by the template (`toYaml .Values.livenessProbe`);
 * inline in templates/deployment.yaml (older `helm create`, hand-written charts); or nowhere we can
 * recognise.
 */
export type ProbeLocation = 'values' | 'template' | 'none';

export interface ChartProbes {
  location: ProbeLocation;
  probes: Partial<Record<ProbeKind, Probe>>;
  /** The container's ports, from the template (values substituted where the template reads them). */
  ports: ContainerPort[];
  /** Why the probes cannot be edited in place, when they cannot. */
  note?: string;
}

const KEY: Record<ProbeKind, string> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };

/**
 * The values, for reading probes and ports. Invalid YAML reads as no values (editing it then says
 * where it is invalid); a file too large or deep to parse, or one whose aliases expand too far, is an
 * error: its probes are unknown, not off.
 */
function valuesOf(valuesText: string, file = 'values.yaml'): Record<string, unknown> {
  guardYaml(valuesText, file);
  const v = yamlToJS(parseDocument(valuesText, { uniqueKeys: false }), file);
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

/** A probe written inline in the template, as an object. */
function inlineProbe(b: InlineBlock, file: string): unknown {
  const text = b.body.map((l) => l.slice(b.indent.length + 2)).join('\n');
  guardYaml(text, file);
  return yamlToJS(parseDocument(text), file);
}

function resolveValue(expr: string, values: Record<string, unknown>): unknown {
  const m = /^\{\{-?\s*\.Values\.([\w.]+)\s*-?\}\}$/.exec(expr.trim());
  if (!m) return expr;
  return m[1].split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), values);
}

/** The first container's ports as the template declares them. */
export function templatePorts(deploymentText: string, valuesText: string, valuesFile = 'values.yaml'): ContainerPort[] {
  const values = valuesOf(valuesText, valuesFile);
  const out: ContainerPort[] = [];
  const re = /^\s*-\s*name:\s*["']?([\w-]+)["']?\s*\n\s*containerPort:\s*(.+?)\s*$/gm;
  for (let m = re.exec(deploymentText); m; m = re.exec(deploymentText)) {
    const port = Number(resolveValue(m[2], values));
    if (Number.isInteger(port)) out.push({ name: m[1], containerPort: port });
  }
  return out;
}

interface InlineBlock {
  kind: ProbeKind;
  /** Line indexes: the key line and the last line of its block. */
  keyLine: number;
  endLine: number;
  indent: string;
  body: string[];
}

function inlineBlocks(lines: string[]): InlineBlock[] {
  const out: InlineBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^([ \t]*)(livenessProbe|readinessProbe|startupProbe):\s*$/.exec(lines[i]);
    if (!m) continue;
    if (i > 0 && /\{\{-?\s*with \.Values\./.test(lines[i - 1])) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].startsWith(`${m[1]} `) && lines[j].trim() !== '') j++;
    const kind = (Object.keys(KEY) as ProbeKind[]).find((k) => KEY[k] === m[2]) as ProbeKind;
    out.push({ kind, keyLine: i, endLine: j - 1, indent: m[1], body: lines.slice(i + 1, j) });
  }
  return out;
}

export function readChartProbes(valuesText: string, deploymentText: string, files = { values: 'values.yaml', deployment: 'templates/deployment.yaml' }): ChartProbes {
  guardSize(deploymentText, files.deployment);
  const ports = templatePorts(deploymentText, valuesText, files.values);
  const fromValues = PROBE_KINDS.filter((k) => new RegExp(`\\.Values\\.${KEY[k]}\\b`).test(deploymentText));
  if (fromValues.length) {
    const values = valuesOf(valuesText, files.values);
    const probes: ChartProbes['probes'] = {};
    for (const k of fromValues) {
      const p = probeFromObject(values[KEY[k]]);
      if (p) probes[k] = p;
    }
    return { location: 'values', probes, ports };
  }
  const lines = deploymentText.replace(/\r\n/g, '\n').split('\n');
  const blocks = inlineBlocks(lines);
  if (blocks.length) {
    const probes: ChartProbes['probes'] = {};
    for (const b of blocks) {
      if (b.body.some((l) => l.includes('{{'))) {
        return { location: 'none', probes: {}, ports, note: `The ${KEY[b.kind]} in the template uses template expressions, so it cannot be edited here. Move it to values.yaml to use the form.` };
      }
      const p = probeFromObject(inlineProbe(b, files.deployment));
      if (p) probes[b.kind] = p;
    }
    return { location: 'template', probes, ports };
  }
  return { location: 'none', probes: {}, ports, note: 'The deployment template has no probe the form recognises. Add them to values.yaml, and the form edits them there.' };
}

const handlerKey = (p: Probe) => Object.keys(probeToObject(p))[0];

/**
 * Writes one probe into values.yaml, changing only that probe's keys. With the same handler type the
 * edit is field by field (comments inside the probe stay); otherwise the probe's block is replaced.
 * `undefined` turns the probe off (`{}`).
 */
export function writeProbeToValues(valuesText: string, kind: ProbeKind, probe: Probe | undefined, file = 'values.yaml'): string {
  const ed = new YamlTextEditor(valuesText, file);
  const key = KEY[kind];
  const current = probeFromObject(ed.get([key]));
  if (!probe) return ed.setBlock([key], {}).toString();
  const next = probeToObject(probe);
  if (!current || handlerKey(current) !== handlerKey(probe)) return ed.setBlock([key], next).toString();
  const hk = handlerKey(probe);
  const curObj = probeToObject(current);
  if (JSON.stringify(curObj[hk]) !== JSON.stringify(next[hk])) {
    const h = next[hk] as Record<string, unknown>;
    const cur = curObj[hk] as Record<string, unknown>;
    const scalarOnly = Object.values(h).every((v) => typeof v !== 'object') && Object.values(cur).every((v) => typeof v !== 'object');
    if (scalarOnly) {
      for (const [k, v] of Object.entries(h)) if (cur[k] !== v) ed.setScalar([key, hk, k], v as string | number);
      for (const k of Object.keys(cur)) if (!(k in h)) ed.deleteKey([key, hk, k]);
    } else {
      ed.setBlock([key, hk], h);
    }
  }
  for (const f of TIMING_FIELDS) {
    if (probe[f] === current[f]) continue;
    if (probe[f] === undefined) ed.deleteKey([key, f]);
    else ed.setScalar([key, f], probe[f] as number);
  }
  return ed.toString();
}

/** Writes one probe into an inline block of the deployment template, leaving the Go template around it alone. */
export function writeProbeToTemplate(deploymentText: string, kind: ProbeKind, probe: Probe | undefined, file = 'templates/deployment.yaml'): string {
  guardSize(deploymentText, file);
  const eol = deploymentText.includes('\r\n') ? '\r\n' : '\n';
  const lines = deploymentText.replace(/\r\n/g, '\n').split('\n');
  const blocks = inlineBlocks(lines);
  const block = blocks.find((b) => b.kind === kind);
  const render = (indent: string) => {
    const y = new YamlTextEditor('', file).setBlock([KEY[kind]], probe ? probeToObject(probe) : {}).toString().replace(/\n$/, '');
    return y.split('\n').map((l) => (l ? indent + l : l));
  };
  if (block) {
    const replacement = probe ? render(block.indent) : [];
    lines.splice(block.keyLine, block.endLine - block.keyLine + 1, ...replacement);
  } else if (probe) {
    const anchor = blocks[blocks.length - 1];
    if (!anchor) throw new YamlEditError(file, `no probe block to put the ${KEY[kind]} next to; move the probes to values.yaml`);
    lines.splice(anchor.endLine + 1, 0, ...render(anchor.indent));
  }
  return lines.join('\n').replace(/\n/g, eol);
}

/**
 * Moves probes written inline in the deployment template into values.yaml: each probe's YAML
 * becomes a values key, and its block in the template becomes `{{- with .Values.<probe> }}`.
 * Refuses (nothing changed) when a probe uses template expressions.
 */
export function moveProbesToValues(valuesText: string, deploymentText: string, files = { values: 'values.yaml', deployment: 'templates/deployment.yaml' }): { values: string; deployment: string } {
  guardSize(deploymentText, files.deployment);
  const eol = deploymentText.includes('\r\n') ? '\r\n' : '\n';
  const lines = deploymentText.replace(/\r\n/g, '\n').split('\n');
  const blocks = inlineBlocks(lines);
  if (!blocks.length) throw new YamlEditError(files.deployment, 'has no probe written inline to move');
  const ed = new YamlTextEditor(valuesText, files.values);
  for (const b of blocks) {
    if (b.body.some((l) => l.includes('{{'))) throw new YamlEditError(files.deployment, `the ${KEY[b.kind]} uses template expressions; move it by hand`, b.keyLine + 1);
    const p = probeFromObject(inlineProbe(b, files.deployment));
    ed.setBlock([KEY[b.kind]], p ? probeToObject(p) : {});
  }
  return { values: ed.toString(), deployment: probesFromValues(lines.join('\n')).replace(/\n/g, eol) };
}

/**
 * Adds value-driven probe blocks to a deployment template that has none: after the first
 * container's `image:` line, at its indentation, one `{{- with .Values.<probe> }}` block per probe;
 * and the three probes, off (`{}`), to values.yaml. The form then edits them there.
 */
export function addProbesToValues(valuesText: string, deploymentText: string, files = { values: 'values.yaml', deployment: 'templates/deployment.yaml' }): { values: string; deployment: string } {
  guardSize(deploymentText, files.deployment);
  const eol = deploymentText.includes('\r\n') ? '\r\n' : '\n';
  const lines = deploymentText.replace(/\r\n/g, '\n').split('\n');
  if (PROBE_KINDS.some((k) => new RegExp(`\\b${KEY[k]}\\b`).test(deploymentText))) {
    throw new YamlEditError(files.deployment, 'already has probes; edit them in the form');
  }
  const image = lines.findIndex((l) => /^\s+(?:-\s+)?image:/.test(l));
  if (image < 0) throw new YamlEditError(files.deployment, 'has no container `image:` line to put the probes next to; add them by hand');
  const indent = /^(\s+)(?:-\s+)?/.exec(lines[image])?.[0].replace(/-/, ' ') ?? '';
  // the container's keys are indented like `image:` (after a leading "- ")
  let at = image + 1;
  while (at < lines.length && lines[at].startsWith(`${indent} `)) at++; // a multi-line image value
  const blocks = PROBE_KINDS.flatMap((k) => [`${indent}{{- with .Values.${KEY[k]} }}`, `${indent}${KEY[k]}:`, `${indent}  {{- toYaml . | nindent ${indent.length + 2} }}`, `${indent}{{- end }}`]);
  lines.splice(at, 0, ...blocks);
  const ed = new YamlTextEditor(valuesText, files.values);
  for (const k of PROBE_KINDS) if (ed.get([KEY[k]]) === undefined) ed.setBlock([KEY[k]], {});
  return { values: ed.toString(), deployment: lines.join('\n').replace(/\n/g, eol) };
}
