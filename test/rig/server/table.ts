// meta.k8s.io/v1 Table output (what plain `kubectl get` asks for with `as=Table`).
import type { Obj, ResDef } from './store';

type Col = { name: string; type: string; format?: string; description: string; priority: number };

export function age(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export function podStatusReason(p: Obj): string {
  let reason: string = p.status?.reason || p.status?.phase || 'Pending';
  for (const cs of p.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated) reason = cs.state.terminated.reason || (cs.state.terminated.signal ? `Signal:${cs.state.terminated.signal}` : `ExitCode:${cs.state.terminated.exitCode}`);
    else if (cs.state?.running && cs.ready && reason !== 'Running') reason = 'Running';
  }
  if (p.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function podRow(p: Obj): unknown[] {
  const cs: Obj[] = p.status?.containerStatuses ?? [];
  const total = (p.spec?.containers ?? []).length;
  const ready = cs.filter((c) => c.ready).length;
  const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  let last: string | undefined;
  for (const c of cs) {
    const f = c.lastState?.terminated?.finishedAt;
    if (f && (!last || f > last)) last = f;
  }
  const restartCell = restarts && last ? `${restarts} (${age(last)} ago)` : String(restarts);
  return [p.metadata.name, `${ready}/${total}`, podStatusReason(p), restartCell, age(p.metadata.creationTimestamp), p.status?.podIP ?? '<none>', p.spec?.nodeName ?? '<none>', '<none>', '<none>'];
}

const col = (name: string, type = 'string', priority = 0, format?: string): Col => ({ name, type, ...(format ? { format } : {}), description: name, priority });

export function toTable(def: ResDef, items: Obj[], rv: string, includeObject: string): Obj {
  let columns: Col[];
  let row: (o: Obj) => unknown[];
  switch (`${def.group}/${def.resource}`) {
    case '/pods':
      columns = [col('Name', 'string', 0, 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)];
      row = podRow;
      break;
    case 'apps/deployments':
      columns = [col('Name', 'string', 0, 'name'), col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)];
      row = (d) => [
        d.metadata.name,
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        age(d.metadata.creationTimestamp),
        (d.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.name).join(','),
        (d.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.image).join(','),
        Object.entries(d.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
      ];
      break;
    case 'apps/replicasets':
      columns = [col('Name', 'string', 0, 'name'), col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Age')];
      row = (r) => [r.metadata.name, r.spec?.replicas ?? 0, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0, age(r.metadata.creationTimestamp)];
      break;
    case '/events':
      columns = [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')];
      row = (e) => [age(e.lastTimestamp), e.type, e.reason, `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name}`, e.message];
      break;
    case '/namespaces':
      columns = [col('Name', 'string', 0, 'name'), col('Status'), col('Age')];
      row = (n) => [n.metadata.name, n.status?.phase ?? 'Active', age(n.metadata.creationTimestamp)];
      break;
    case '/secrets':
      columns = [col('Name', 'string', 0, 'name'), col('Type'), col('Data', 'integer'), col('Age')];
      row = (s) => [s.metadata.name, s.type ?? 'Opaque', Object.keys(s.data ?? {}).length, age(s.metadata.creationTimestamp)];
      break;
    default:
      columns = [col('Name', 'string', 0, 'name'), col('Age')];
      row = (o) => [o.metadata.name, age(o.metadata.creationTimestamp)];
  }
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: rv },
    columnDefinitions: columns,
    rows: items.map((o) => ({
      cells: row(o),
      object:
        includeObject === 'Object'
          ? o
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
