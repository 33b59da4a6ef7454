// In-memory object store of the rig's API server: one global resourceVersion counter, a change log
// for watch replay (with a compaction floor below which watches get 410 Gone), and watchers.
import { randomBytes, randomUUID } from 'node:crypto';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Obj = Record<string, any>;

export interface ResDef {
  group: string; // '' for core
  version: string;
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** store key of the resource whose objects this one shows (events.k8s.io events → core events) */
  viewOf?: string;
  subresources?: string[];
  categories?: string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const ALL_VERBS = VERBS;

export const RESOURCES: ResDef[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', singular: 'namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', singular: 'secret', namespaced: true },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', singular: 'configmap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', singular: 'pod', namespaced: true, shortNames: ['po'], subresources: ['log', 'portforward', 'status'], categories: ['all'] },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', singular: 'event', namespaced: true, shortNames: ['ev'] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'] },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', singular: 'deployment', namespaced: true, shortNames: ['deploy'], subresources: ['status'], categories: ['all'] },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', singular: 'replicaset', namespaced: true, shortNames: ['rs'], subresources: ['status'], categories: ['all'] },
  { group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', singular: 'event', namespaced: true, shortNames: ['ev'], viewOf: 'core/events' },
];

export function resKey(def: ResDef): string {
  return def.viewOf ?? `${def.group || 'core'}/${def.resource}`;
}
export function apiVersionOf(def: ResDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
export function findRes(group: string, version: string, resource: string): ResDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}
export function defByKey(key: string): ResDef {
  const d = RESOURCES.find((r) => !r.viewOf && resKey(r) === key);
  if (!d) throw new Error(`unknown resource ${key}`);
  return d;
}

export const clone = <T>(o: T): T => (o === undefined ? o : JSON.parse(JSON.stringify(o)));
export const nowIso = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
export const microIso = (): string => new Date().toISOString().replace(/Z$/, '000Z');
export const randSuffix = (n: number): string => {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const b = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[b[i]! % alphabet.length];
  return s;
};

export interface LogEntry { rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; key: string; ns: string; obj: Obj }

export interface Watcher {
  key: string;
  ns?: string;
  filter: (o: Obj) => boolean;
  send: (type: string, obj: Obj) => void;
  close: (gone?: boolean) => void;
}

export class HttpError extends Error {
  constructor(public code: number, public reason: string, message: string, public details?: Obj) {
    super(message);
  }
}

export class Store {
  rv = 1;
  compactedRv = 0; // watches from a resourceVersion below this get 410 Gone
  private objs = new Map<string, Map<string, Obj>>(); // key → "ns/name" → obj
  log: LogEntry[] = [];
  watchers = new Set<Watcher>();
  hooks: ((e: LogEntry) => void)[] = [];
  /** graceful deletion of pods (set by the kubelet): returns the terminating pod, or undefined to delete at once */
  gracefulPodDelete?: (ns: string, name: string, graceSeconds?: number) => Obj | undefined;
  readonly maxLog = 20000;

  constructor() {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create('core/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
  }

  private bucket(key: string): Map<string, Obj> {
    let b = this.objs.get(key);
    if (!b) this.objs.set(key, (b = new Map()));
    return b;
  }

  get(key: string, ns: string, name: string): Obj | undefined {
    return this.bucket(key).get(`${ns}/${name}`);
  }

  list(key: string, ns?: string): Obj[] {
    const out: Obj[] = [];
    for (const o of this.bucket(key).values()) {
      if (ns === undefined || ns === '' || o.metadata.namespace === ns) out.push(o);
    }
    return out.sort((a, b) => (a.metadata.namespace + '/' + a.metadata.name).localeCompare(b.metadata.namespace + '/' + b.metadata.name));
  }

  nsExists(ns: string): boolean {
    return this.get('core/namespaces', '', ns) !== undefined;
  }

  create(key: string, obj: Obj): Obj {
    const def = defByKey(key);
    const md = (obj.metadata ??= {});
    if (!md.name && md.generateName) md.name = md.generateName + randSuffix(5);
    if (!md.name) throw new HttpError(422, 'Invalid', `${def.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    const ns = def.namespaced ? md.namespace || 'default' : '';
    if (def.namespaced) {
      md.namespace = ns;
      if (!this.nsExists(ns)) throw new HttpError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    } else delete md.namespace;
    const b = this.bucket(key);
    if (b.has(`${ns}/${md.name}`)) {
      throw new HttpError(409, 'AlreadyExists', `${def.resource}${def.group ? '.' + def.group : ''} "${md.name}" already exists`, { name: md.name, group: def.group, kind: def.resource });
    }
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    md.uid = randomUUID();
    md.creationTimestamp = nowIso();
    if (key === 'apps/deployments' || key === 'apps/replicasets') md.generation = 1;
    if (key === 'core/namespaces') {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      md.labels = { ...(md.labels ?? {}), 'kubernetes.io/metadata.name': md.name };
    }
    md.resourceVersion = String(++this.rv);
    delete md.deletionTimestamp;
    b.set(`${ns}/${md.name}`, obj);
    this.emit({ rv: this.rv, type: 'ADDED', key, ns, obj });
    return obj;
  }

  /** replace an existing object (metadata.uid/creationTimestamp kept); bumps generation when spec changes */
  update(key: string, obj: Obj, opts: { checkRv?: boolean } = {}): Obj {
    const def = defByKey(key);
    const md = obj.metadata;
    const ns = def.namespaced ? md.namespace || 'default' : '';
    const b = this.bucket(key);
    const cur = b.get(`${ns}/${md.name}`);
    if (!cur) throw new HttpError(404, 'NotFound', `${def.resource}${def.group ? '.' + def.group : ''} "${md.name}" not found`, { name: md.name, group: def.group, kind: def.resource });
    if (opts.checkRv && md.resourceVersion && md.resourceVersion !== cur.metadata.resourceVersion) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${def.resource}${def.group ? '.' + def.group : ''} "${md.name}": the object has been modified; please apply your changes to the latest version and try again`, { name: md.name, group: def.group, kind: def.resource });
    }
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    md.namespace = def.namespaced ? ns : undefined;
    if (!def.namespaced) delete md.namespace;
    md.uid = cur.metadata.uid;
    md.creationTimestamp = cur.metadata.creationTimestamp;
    if (cur.metadata.generation !== undefined) {
      md.generation = cur.metadata.generation;
      if (JSON.stringify(cur.spec) !== JSON.stringify(obj.spec)) md.generation++;
    }
    if (JSON.stringify(stripRv(cur)) === JSON.stringify(stripRv(obj))) {
      md.resourceVersion = cur.metadata.resourceVersion;
      b.set(`${ns}/${md.name}`, obj);
      return obj; // no-op update: no new resourceVersion, no event
    }
    md.resourceVersion = String(++this.rv);
    b.set(`${ns}/${md.name}`, obj);
    this.emit({ rv: this.rv, type: 'MODIFIED', key, ns, obj });
    return obj;
  }

  delete(key: string, ns: string, name: string): Obj {
    const def = defByKey(key);
    const b = this.bucket(key);
    const k = `${def.namespaced ? ns : ''}/${name}`;
    const cur = b.get(k);
    if (!cur) throw new HttpError(404, 'NotFound', `${def.resource}${def.group ? '.' + def.group : ''} "${name}" not found`, { name, group: def.group, kind: def.resource });
    b.delete(k);
    // cascade (garbage collection of dependents, immediately)
    for (const [okey, bucket] of this.objs) {
      for (const o of [...bucket.values()]) {
        if ((o.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === cur.metadata.uid)) {
          if (okey === 'core/pods' && this.gracefulPodDelete) this.gracefulPodDelete(o.metadata.namespace, o.metadata.name);
          else this.delete(okey, o.metadata.namespace ?? '', o.metadata.name);
        }
      }
    }
    if (key === 'core/namespaces') {
      for (const [okey, bucket] of this.objs) {
        for (const o of [...bucket.values()]) if (o.metadata.namespace === name) this.delete(okey, name, o.metadata.name);
      }
    }
    const gone = clone(cur);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', key, ns: def.namespaced ? ns : '', obj: gone });
    return gone;
  }

  private emit(e: LogEntry): void {
    const snap: LogEntry = { ...e, obj: clone(e.obj) };
    this.log.push(snap);
    if (this.log.length > this.maxLog) {
      const dropped = this.log.splice(0, this.log.length - this.maxLog);
      this.compactedRv = Math.max(this.compactedRv, dropped[dropped.length - 1]!.rv);
    }
    for (const w of this.watchers) {
      if (w.key !== e.key) continue;
      if (w.ns && w.ns !== e.ns) continue;
      if (!w.filter(snap.obj)) continue;
      w.send(e.type, snap.obj);
    }
    for (const h of this.hooks) h(snap);
  }

  /** events after `rv` for a resource key (throws 410 if `rv` is older than what is kept) */
  since(key: string, ns: string | undefined, rv: number): LogEntry[] {
    if (rv < this.compactedRv) {
      throw new HttpError(410, 'Expired', `too old resource version: ${rv} (${this.compactedRv})`);
    }
    return this.log.filter((e) => e.rv > rv && e.key === key && (!ns || e.ns === ns));
  }

  expire(): void {
    this.compactedRv = this.rv;
  }

  reset(): void {
    for (const [key, b] of this.objs) {
      for (const o of [...b.values()]) {
        if (key === 'core/namespaces' && ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(o.metadata.name)) continue;
        if (b.has(`${o.metadata.namespace ?? ''}/${o.metadata.name}`)) this.delete(key, o.metadata.namespace ?? '', o.metadata.name);
      }
    }
  }
}

function stripRv(o: Obj): Obj {
  const c = clone(o);
  delete c.metadata.resourceVersion;
  return c;
}

// ---- selectors ---------------------------------------------------------------------------------

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

export function labelMatcher(sel: string | null | undefined): (labels: Record<string, string> | undefined) => boolean {
  if (!sel) return () => true;
  const tests: ((l: Record<string, string>) => boolean)[] = [];
  for (const part of splitTop(sel)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([^\s!=]+)\s+(in|notin)\s+\((.*)\)$/))) {
      const [, k, op, vals] = m;
      const set = vals!.split(',').map((v) => v.trim());
      tests.push(op === 'in' ? (l) => l[k!] !== undefined && set.includes(l[k!]!) : (l) => l[k!] === undefined || !set.includes(l[k!]!));
    } else if ((m = part.match(/^([^\s!=]+)\s*!=\s*(.*)$/))) {
      const [, k, v] = m;
      tests.push((l) => l[k!] !== v);
    } else if ((m = part.match(/^([^\s!=]+)\s*==?\s*(.*)$/))) {
      const [, k, v] = m;
      tests.push((l) => l[k!] === v);
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      const k = m[1]!;
      tests.push((l) => l[k] === undefined);
    } else {
      const k = part;
      tests.push((l) => l[k] !== undefined);
    }
  }
  return (labels) => tests.every((t) => t(labels ?? {}));
}

export function fieldMatcher(sel: string | null | undefined): (o: Obj) => boolean {
  if (!sel) return () => true;
  const tests: ((o: Obj) => boolean)[] = [];
  for (const part of splitTop(sel)) {
    const m = part.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) throw new HttpError(400, 'BadRequest', `invalid field selector: ${part}`);
    const [, path, op, v] = m;
    const get = (o: Obj): string => {
      let cur: unknown = o;
      for (const p of path!.split('.')) cur = cur && typeof cur === 'object' ? (cur as Obj)[p] : undefined;
      return cur === undefined || cur === null ? '' : String(cur);
    };
    tests.push(op === '!=' ? (o) => get(o) !== v : (o) => get(o) === v);
  }
  return (o) => tests.every((t) => t(o));
}
