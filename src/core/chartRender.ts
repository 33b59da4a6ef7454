import { parseDocument } from 'yaml';
import { guardYaml, yamlToJS } from './parseLimits';
import { ContainerPort, PROBE_KINDS, ProbeKind } from './probes';

/**
 * What Helm rendered: the workloads of a chart (Deployment, StatefulSet, DaemonSet), their containers
 * and probes, and which template each came from. The probes are taken as Helm wrote them, so a chart
 * that builds them through helpers, `enabled` switches, subcharts or anchors is read the way
 * Kubernetes will read it.
 */

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'] as const;

export interface RenderedContainer {
  name: string;
  image?: string;
  ports: ContainerPort[];
  /** Each probe exactly as rendered (a plain object), when the container has it. */
  probes: Partial<Record<ProbeKind, Record<string, unknown>>>;
}

export interface RenderedWorkload {
  kind: string;
  name: string;
  /** The template that produced it, relative to the chart folder: "templates/deployment.yaml", "charts/worker/templates/x.yaml". */
  source?: string;
  containers: RenderedContainer[];
  terminationGracePeriodSeconds?: number;
  /** The pod template's `kubectl.kubernetes.io/default-container` annotation. */
  defaultContainer?: string;
  /** The pod spec as rendered, for comparing renders. */
  podSpec?: Record<string, unknown>;
}

const PROBE_KEY: Record<ProbeKind, string> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };

/** The workloads in `helm template` output. */
export function parseRendered(text: string): RenderedWorkload[] {
  const out: RenderedWorkload[] = [];
  // Helm separates documents with "---" and names each one's template in a "# Source:" line.
  for (const chunk of text.split(/^---[ \t]*\r?$/m)) {
    const m = /^# Source:\s*(\S+)/m.exec(chunk);
    const source = m ? m[1].split('/').slice(1).join('/') : undefined;
    if (!/^kind:\s*(Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob)\s*$/m.test(chunk)) continue;
    const name = `the rendered ${source ?? 'workload'}`;
    guardYaml(chunk, name);
    const o = yamlToJS(parseDocument(chunk, { uniqueKeys: false }), name) as Record<string, unknown> | null;
    if (!o || typeof o !== 'object' || !WORKLOAD_KINDS.includes(o.kind as (typeof WORKLOAD_KINDS)[number])) continue;
    const spec = podSpec(o);
    if (!spec) continue;
    const meta = (o.metadata ?? {}) as Record<string, unknown>;
    const annotations = (podTemplate(o)?.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {};
    const dc = annotations['kubectl.kubernetes.io/default-container'];
    out.push({
      kind: String(o.kind),
      name: String(meta.name ?? ''),
      source,
      containers: (Array.isArray(spec.containers) ? spec.containers : []).map(container),
      terminationGracePeriodSeconds: typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : undefined,
      ...(typeof dc === 'string' ? { defaultContainer: dc } : {}),
      podSpec: spec,
    });
  }
  return out;
}

function podTemplate(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  const cron = (spec.jobTemplate as { spec?: Record<string, unknown> } | undefined)?.spec;
  const template = (cron ?? spec).template;
  return template && typeof template === 'object' ? (template as Record<string, unknown>) : undefined;
}

function podSpec(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = podTemplate(o)?.spec;
  return spec && typeof spec === 'object' ? (spec as Record<string, unknown>) : undefined;
}

function container(c: unknown): RenderedContainer {
  const r = (c ?? {}) as Record<string, unknown>;
  const probes: RenderedContainer['probes'] = {};
  for (const k of PROBE_KINDS) {
    const p = r[PROBE_KEY[k]];
    if (p && typeof p === 'object' && Object.keys(p).length) probes[k] = p as Record<string, unknown>;
  }
  const ports = (Array.isArray(r.ports) ? r.ports : [])
    .map((p) => p as Record<string, unknown>)
    .filter((p) => typeof p.containerPort === 'number')
    .map((p) => ({ ...(typeof p.name === 'string' ? { name: p.name } : {}), containerPort: p.containerPort as number }));
  return { name: String(r.name ?? ''), image: typeof r.image === 'string' ? r.image : undefined, ports, probes };
}

/** A workload and container, as the CLI and the form name them: "Deployment/w-worker", "app". */
export interface Target {
  workload: RenderedWorkload;
  container: RenderedContainer;
}

export const workloadId = (w: RenderedWorkload) => `${w.kind}/${w.name}`;

/**
 * The container whose probes to show and edit: the one asked for; else the only one; else the one
 * that runs the chart's image (values image.repository); else undefined with the choices.
 */
export function chooseTarget(workloads: RenderedWorkload[], ask: { workload?: string; container?: string; image?: string; appVersion?: string } = {}): { target?: Target; choices: string[]; problem?: string } {
  const all = workloads.flatMap((workload) => workload.containers.map((container) => ({ workload, container })));
  const choices = all.map((t) => `${workloadId(t.workload)} ${t.container.name}`);
  let pool = all;
  if (ask.workload) {
    const w = ask.workload.toLowerCase();
    pool = pool.filter((t) => workloadId(t.workload).toLowerCase() === w || t.workload.name.toLowerCase() === w);
    if (!pool.length) return { choices, problem: `no workload ${ask.workload} in the render; there are: ${[...new Set(all.map((t) => workloadId(t.workload)))].join(', ') || 'none'}` };
  }
  if (ask.container) {
    pool = pool.filter((t) => t.container.name === ask.container);
    if (!pool.length) return { choices, problem: `no container ${ask.container}${ask.workload ? ` in ${ask.workload}` : ''}; there are: ${choices.join(', ')}` };
  }
  if (pool.length === 1) return { target: pool[0], choices };
  if (pool.length === 0) return { choices, problem: 'the chart renders no Deployment, StatefulSet or DaemonSet' };
  // One workload whose pod names its default container (kubectl.kubernetes.io/default-container).
  const workloadsInPool = [...new Set(pool.map((t) => t.workload))];
  if (!ask.container && workloadsInPool.length === 1 && workloadsInPool[0].defaultContainer) {
    const named = pool.find((t) => t.container.name === workloadsInPool[0].defaultContainer);
    if (named) return { target: named, choices };
  }
  // The container that runs the chart's own image: its tag is the chart's appVersion.
  if (ask.appVersion) {
    const v = ask.appVersion.replace(/^v/, '');
    const own = pool.filter((t) => t.container.image && new RegExp(`:v?${v.replace(/[.+]/g, '\\$&')}(@|$)`).test(t.container.image));
    if (own.length === 1) return { target: own[0], choices };
  }
  if (ask.image) {
    const repo = ask.image.replace(/:[^/]*$/, '');
    const running = pool.filter((t) => t.container.image && (t.container.image === ask.image || t.container.image.replace(/[:@].*$/, '').endsWith(repo)));
    if (running.length === 1) return { target: running[0], choices };
  }
  return { choices, problem: `the chart renders several containers (${pool.map((t) => `${workloadId(t.workload)} ${t.container.name}`).join(', ')}): choose one with --workload and --container` };
}

/** Leaves of a probe object by path: "periodSeconds", "httpGet.port"; a list is one leaf ("exec.command", "httpGet.httpHeaders"). */
export function flattenLeaves(o: unknown, prefix = ''): Array<[string, unknown]> {
  if (Array.isArray(o)) return [[prefix, o]];
  if (o && typeof o === 'object') return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => flattenLeaves(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, o]];
}

/** A path of values keys, written as Helm does: "controller.livenessProbe.periodSeconds". */
export type ValuesPath = string[];
export const pathText = (p: ValuesPath) => p.join('.');

export interface SentinelPlan {
  /** A values overlay (passed to helm with -f, last) that puts a distinct value in each candidate leaf. */
  overlay: Record<string, unknown>;
  /** Sentinel (as JSON) → the values path it was put in. */
  byValue: Map<string, ValuesPath>;
}

const PROBEISH = /probe|liveness|readiness|startup|health/i;
const SENTINEL_BASE = 100_017;
const MAX_SENTINELS = 8_900;

/**
 * Distinct values for the leaves a probe may be built from, so one more render tells which values
 * key drives each rendered field. Numbers get large distinct integers; strings under probe-like
 * keys get distinct words. Booleans are left alone (they switch things on and off).
 */
export function planSentinels(values: unknown, options: { strings?: boolean; numbersEverywhere?: boolean } = {}): SentinelPlan {
  const overlay: Record<string, unknown> = {};
  const byValue = new Map<string, ValuesPath>();
  let n = 0;
  const set = (path: ValuesPath, v: unknown) => {
    let o = overlay;
    for (const k of path.slice(0, -1)) {
      o[k] ??= {};
      o = o[k] as Record<string, unknown>;
    }
    o[path[path.length - 1]] = v;
    byValue.set(JSON.stringify(v), path);
  };
  const walk = (v: unknown, path: ValuesPath, probeish: boolean) => {
    if (Array.isArray(v)) {
      // Helm replaces lists whole: a probe's list of words (an exec command) gets one distinct word.
      if (probeish && options.strings !== false && v.length && v.every((x) => typeof x === 'string') && n < MAX_SENTINELS) set(path, [`aksw${SENTINEL_BASE + 100 * ++n}x`]);
      return;
    }
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'image' && !probeish) continue;
        walk(child, [...path, k], probeish || PROBEISH.test(k));
      }
      return;
    }
    // 100 apart, so a value computed from one (x + 5) is still nearest to its own; below a million,
    // as Helm prints a number from values (a float64) of a million or more as 4.7e+06
    if (n >= MAX_SENTINELS) return;
    if (typeof v === 'number' && Number.isInteger(v) && (probeish || options.numbersEverywhere)) set(path, SENTINEL_BASE + 100 * ++n);
    else if (typeof v === 'string' && probeish && options.strings !== false) set(path, `aksw${SENTINEL_BASE + 100 * ++n}x`);
  };
  walk(values, [], false);
  return { overlay, byValue };
}

/** Where one rendered probe field comes from. */
export type FieldSource =
  | { kind: 'values'; path: ValuesPath }
  | { kind: 'derived'; path: ValuesPath; how: string }
  | { kind: 'template' };

/**
 * Compares a probe in the base render with the same probe in the sentinel render: a field that shows
 * a sentinel comes from that values key; one that changed otherwise is computed from it; one that
 * did not change is fixed in a template (or comes from a key that was not probed).
 */
export function traceProbeFields(base: Record<string, unknown>, sentinel: Record<string, unknown> | undefined, plan: SentinelPlan): Record<string, FieldSource> {
  const after = new Map(flattenLeaves(sentinel ?? {}));
  const out: Record<string, FieldSource> = {};
  for (const [field, value] of flattenLeaves(base)) {
    const s = after.get(field);
    const hit = s === undefined ? undefined : plan.byValue.get(JSON.stringify(s));
    if (hit) {
      out[field] = { kind: 'values', path: hit };
      continue;
    }
    if (s !== undefined && JSON.stringify(s) !== JSON.stringify(value)) {
      const entries = [...plan.byValue.entries()];
      const from =
        typeof s === 'number'
          ? entries.filter(([k]) => typeof JSON.parse(k) === 'number' && Math.abs(Number(k) - s) < 50).sort(([a], [b]) => Math.abs(Number(a) - s) - Math.abs(Number(b) - s))[0]
          : entries.find(([k]) => typeof s === 'string' && typeof JSON.parse(k) === 'string' && s.includes(JSON.parse(k) as string));
      if (from) {
        out[field] = { kind: 'derived', path: from[1], how: typeof s === 'number' ? `${s - Number(from[0]) >= 0 ? '+' : ''}${s - Number(from[0])}` : `"${s}"` };
        continue;
      }
    }
    out[field] = { kind: 'template' };
  }
  return out;
}

/**
 * The values key a probe is built from, e.g. ["livenessProbe"]: each field taken from values points at
 * one (its values path less as many keys as the rendered field has: periodSeconds → one, httpGet.port
 * → two); the one most fields point at wins, the deeper on a tie. A chart whose keys are named
 * otherwise (httpPath for httpGet.path) is outvoted by its other fields.
 */
export function commonRoot(sources: Record<string, FieldSource>, field?: string): ValuesPath | undefined {
  const votes = new Map<string, { path: ValuesPath; n: number }>();
  for (const [f, s] of Object.entries(sources)) {
    if (s.kind !== 'values' || (field && f !== field)) continue;
    const depth = f.replace(/\[\d+\]/g, '').split('.').length;
    const root = s.path.slice(0, Math.max(0, s.path.length - depth));
    const key = root.join('\u0000');
    votes.set(key, { path: root, n: (votes.get(key)?.n ?? 0) + 1 });
  }
  const best = [...votes.values()].sort((a, b) => b.n - a.n || b.path.length - a.path.length)[0];
  return best?.path;
}
