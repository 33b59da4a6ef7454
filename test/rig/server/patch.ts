// Patch flavours: JSON merge patch (RFC 7386), JSON patch (RFC 6902, add/replace/remove/test),
// a subset of strategic merge patch, and a simplified server-side apply.
import { clone, HttpError, type Obj } from './store';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function jsonPatch(doc: Obj, ops: Obj[]): Obj {
  const out = clone(doc);
  const parse = (p: string) => p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const op of ops) {
    const parts = parse(op.path);
    const last = parts.pop()!;
    let parent: Obj = out;
    for (const p of parts) {
      if (parent[p] === undefined) throw new HttpError(422, 'Invalid', `jsonpatch: path ${op.path} not found`);
      parent = parent[p];
    }
    const arr = Array.isArray(parent);
    switch (op.op) {
      case 'add':
        if (arr) (parent as unknown as unknown[]).splice(last === '-' ? (parent as unknown as unknown[]).length : Number(last), 0, clone(op.value));
        else parent[last] = clone(op.value);
        break;
      case 'replace':
        parent[arr ? Number(last) : last] = clone(op.value);
        break;
      case 'remove':
        if (arr) (parent as unknown as unknown[]).splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'test':
        if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new HttpError(422, 'Invalid', `jsonpatch test failed at ${op.path}`);
        break;
      default:
        throw new HttpError(422, 'Invalid', `jsonpatch op ${op.op} not supported by the rig`);
    }
  }
  return out;
}

// list field name → merge key, as in the Kubernetes types' patchMergeKey tags (subset)
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ports: 'containerPort',
  hostAliases: 'ip',
  tolerations: 'key',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
  conditions: 'type',
};

/** Strategic merge patch, subset: maps merge, null deletes, lists with a known merge key merge by
 * key (with `$patch: delete` items), `$patch: replace` on maps, `$setElementOrder/x` respected,
 * `$retainKeys` and `$deleteFromPrimitiveList/x` honoured roughly; other lists replace. */
export function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target) || !patch.every(isObj)) return clone(patch);
    const out: Obj[] = clone(target);
    for (const item of patch as Obj[]) {
      if (item.$patch === 'replace') return (patch as Obj[]).filter((p) => p.$patch !== 'replace').map(clone);
      const idx = out.findIndex((o) => isObj(o) && o[key] === item[key]);
      if (item.$patch === 'delete') {
        if (idx >= 0) out.splice(idx, 1);
        continue;
      }
      if (idx >= 0) out[idx] = strategicMerge(out[idx], item) as Obj;
      else out.push(strategicMerge({}, item) as Obj);
    }
    return out;
  }
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const c = clone(patch);
    delete c.$patch;
    return c;
  }
  if (patch.$patch === 'delete') return undefined;
  let out: Obj = isObj(target) ? clone(target) : {};
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set<string>(patch.$retainKeys);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  const orders: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$setElementOrder/')) {
      orders.push([k.slice('$setElementOrder/'.length), v as unknown[]]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f])) out[f] = (out[f] as unknown[]).filter((x) => !(v as unknown[]).includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const merged = strategicMerge(out[k], v, k);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  for (const [f, order] of orders) {
    const key = MERGE_KEYS[f];
    const list = out[f];
    if (!Array.isArray(list)) continue;
    const pos = (o: unknown) => {
      const i = order.findIndex((e) => (key && isObj(e) && isObj(o) ? e[key] === o[key] : JSON.stringify(e) === JSON.stringify(o)));
      return i < 0 ? order.length : i;
    };
    out[f] = [...list].sort((a, b) => pos(a) - pos(b));
  }
  return out;
}

/** Server-side apply, simplified: the applied configuration is taken as the manager's whole intent:
 * labels/annotations merge into the live ones, every other top-level field (spec, data, …) is
 * replaced by the applied value; status and server-set metadata are kept. */
export function serverSideApply(live: Obj, applied: Obj, manager: string): Obj {
  const out = clone(live);
  for (const [k, v] of Object.entries(applied)) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    out[k] = clone(v);
  }
  const amd = applied.metadata ?? {};
  if (amd.labels) out.metadata.labels = { ...(out.metadata.labels ?? {}), ...amd.labels };
  if (amd.annotations) out.metadata.annotations = { ...(out.metadata.annotations ?? {}), ...amd.annotations };
  setManagedFields(out, manager, 'Apply');
  return out;
}

export function setManagedFields(o: Obj, manager: string, operation: 'Apply' | 'Update'): void {
  const entries: Obj[] = (o.metadata.managedFields ?? []).filter((e: Obj) => !(e.manager === manager && e.operation === operation));
  entries.push({ manager, operation, apiVersion: o.apiVersion, time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), fieldsType: 'FieldsV1', fieldsV1: {} });
  o.metadata.managedFields = entries;
}
