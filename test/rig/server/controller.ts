// Deployment → ReplicaSet → Pod controller (recreate-style roll: old ReplicaSets scale to 0 at once)
// and the deployment/replicaset status the clients' readiness checks read.
import { createHash } from 'node:crypto';
import { clone, nowIso, randSuffix, type Obj, type Store, type LogEntry } from './store';
import type { Events } from './events';

const HASH_LABEL = 'pod-template-hash';

export function templateHash(template: Obj): string {
  const h = createHash('sha256').update(JSON.stringify(template)).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 10; i++) s += alphabet[h[i]! % alphabet.length];
  return s;
}

export function defaultDeployment(d: Obj): void {
  const spec = (d.spec ??= {});
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  const pod = (spec.template ??= {}).spec ?? (spec.template.spec = {});
  defaultPodSpec(pod);
  spec.template.metadata ??= {};
}

export function defaultPodSpec(pod: Obj): void {
  pod.restartPolicy ??= 'Always';
  pod.terminationGracePeriodSeconds ??= 30;
  pod.dnsPolicy ??= 'ClusterFirst';
  pod.schedulerName ??= 'default-scheduler';
  pod.securityContext ??= {};
  for (const c of pod.containers ?? []) {
    c.imagePullPolicy ??= String(c.image ?? '').endsWith(':latest') || !String(c.image ?? '').includes(':') ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const pr = c[p];
      if (!pr) continue;
      pr.timeoutSeconds ??= 1;
      pr.periodSeconds ??= 10;
      pr.successThreshold ??= 1;
      pr.failureThreshold ??= 3;
      if (pr.httpGet) pr.httpGet.scheme ??= 'HTTP';
    }
  }
}

function maxUnavailable(d: Obj): number {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type !== 'RollingUpdate') return 0;
  const v = d.spec.strategy.rollingUpdate?.maxUnavailable ?? '25%';
  const n = typeof v === 'string' && v.endsWith('%') ? Math.floor((replicas * parseInt(v, 10)) / 100) : Number(v);
  return Math.min(n, replicas);
}

const ownedBy = (o: Obj, owner: Obj) => (o.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === owner.metadata.uid);
const ownerRef = (o: Obj) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true });

export class Controller {
  private pending = new Set<string>();
  private scheduled = false;

  constructor(private store: Store, private events: Events, private podReady: (pod: Obj) => boolean) {
    store.hooks.push((e) => this.onChange(e));
  }

  private onChange(e: LogEntry): void {
    const md = e.obj.metadata;
    if (e.key === 'apps/deployments' && e.type !== 'DELETED') this.queue(`d/${md.namespace}/${md.name}`);
    if (e.key === 'apps/replicasets' || e.key === 'core/pods') {
      for (const r of md.ownerReferences ?? []) {
        if (r.kind === 'ReplicaSet') this.queue(`rs/${md.namespace}/${r.name}`);
        if (r.kind === 'Deployment') this.queue(`d/${md.namespace}/${r.name}`);
      }
      if (e.key === 'apps/replicasets' && e.type !== 'DELETED') this.queue(`rs/${md.namespace}/${md.name}`);
    }
  }

  private queue(k: string): void {
    this.pending.add(k);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const items = [...this.pending];
    this.pending.clear();
    // replica sets first, then deployments (their status reads the RS status)
    for (const k of items.filter((x) => x.startsWith('rs/'))) this.safe(() => this.syncRs(k));
    for (const k of items.filter((x) => x.startsWith('d/'))) this.safe(() => this.syncDeployment(k));
  }

  private safe(f: () => void): void {
    try {
      f();
    } catch (e) {
      console.error('controller:', e);
    }
  }

  private syncDeployment(k: string): void {
    const [, ns, name] = k.split('/');
    const d = this.store.get('apps/deployments', ns!, name!);
    if (!d) return;
    const tmpl = d.spec.template;
    const hash = templateHash(tmpl);
    const rss = this.store.list('apps/replicasets', ns).filter((r) => ownedBy(r, d));
    const maxRev = Math.max(0, ...rss.map((r) => Number(r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
    let newRs = rss.find((r) => r.metadata.labels?.[HASH_LABEL] === hash);
    const replicas = d.spec.replicas ?? 1;
    const olds = rss.filter((r) => r !== newRs);
    const target = this.newRsTarget(d, newRs, olds);
    let revision = maxRev;
    if (!newRs) {
      revision = maxRev + 1;
      const t = clone(tmpl);
      t.metadata ??= {};
      t.metadata.labels = { ...(t.metadata.labels ?? {}), [HASH_LABEL]: hash };
      const sel = clone(d.spec.selector ?? { matchLabels: tmpl.metadata?.labels ?? {} });
      sel.matchLabels = { ...(sel.matchLabels ?? {}), [HASH_LABEL]: hash };
      newRs = this.store.create('apps/replicasets', {
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels: t.metadata.labels,
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(replicas),
            'deployment.kubernetes.io/max-replicas': String(replicas + 1),
            'deployment.kubernetes.io/revision': String(revision),
          },
          ownerReferences: [ownerRef(d)],
        },
        spec: { replicas: target, minReadySeconds: d.spec.minReadySeconds ?? 0, selector: sel, template: t },
        status: { replicas: 0 },
      });
      if (target > 0) this.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRs.metadata.name} from 0 to ${target}`, 'deployment-controller');
    } else {
      const curRev = Number(newRs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
      if (curRev < maxRev) revision = maxRev + 1; // rollback to an older template: it becomes the newest revision
      else revision = curRev;
      const upd = clone(newRs);
      upd.metadata.annotations = { ...(upd.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': String(revision), 'deployment.kubernetes.io/desired-replicas': String(replicas) };
      const before = upd.spec.replicas;
      upd.spec.replicas = target;
      newRs = this.store.update('apps/replicasets', upd);
      if (before !== target) this.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${before < target ? 'up' : 'down'} replica set ${newRs.metadata.name} from ${before} to ${target}`, 'deployment-controller');
    }
    this.scaleDownOld(d, newRs, olds);
    // prune history beyond revisionHistoryLimit
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const prunable = this.store.list('apps/replicasets', ns).filter((r) => ownedBy(r, d) && r.metadata.uid !== newRs!.metadata.uid && r.spec.replicas === 0 && (r.status?.replicas ?? 0) === 0);
    prunable.sort((a, b) => Number(a.metadata.annotations?.['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations?.['deployment.kubernetes.io/revision']));
    while (prunable.length > limit) {
      const r = prunable.shift()!;
      this.store.delete('apps/replicasets', ns!, r.metadata.name);
    }
    this.updateDeploymentStatus(ns!, name!, newRs, revision);
  }

  private surgeAndUnavailable(d: Obj): [number, number] {
    const replicas = d.spec.replicas ?? 1;
    const ru = d.spec.strategy?.rollingUpdate ?? {};
    const resolve = (v: unknown, def: string, up: boolean) => {
      const x = v ?? def;
      if (typeof x === 'string' && x.endsWith('%')) {
        const f = (replicas * parseInt(x, 10)) / 100;
        return up ? Math.ceil(f) : Math.floor(f);
      }
      return Number(x);
    };
    const surge = resolve(ru.maxSurge, '25%', true);
    let unavailable = resolve(ru.maxUnavailable, '25%', false);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    return [surge, Math.min(unavailable, replicas)];
  }

  private activePods(rs: Obj): Obj[] {
    return this.store.list('core/pods', rs.metadata.namespace).filter((p) => ownedBy(p, rs) && !p.metadata.deletionTimestamp);
  }

  /** replicas for the new ReplicaSet: Recreate waits for the old pods to be gone; RollingUpdate
   * surges by maxSurge (as the deployment controller's NewRSNewReplicas) */
  private newRsTarget(d: Obj, newRs: Obj | undefined, olds: Obj[]): number {
    const replicas = d.spec.replicas ?? 1;
    const cur = newRs?.spec.replicas ?? 0;
    if (d.spec.strategy?.type === 'Recreate') {
      const oldPods = olds.reduce((n, r) => n + this.store.list('core/pods', r.metadata.namespace).filter((p) => ownedBy(p, r)).length, 0);
      const oldWanted = olds.reduce((n, r) => n + (r.spec.replicas ?? 0), 0);
      return oldPods === 0 && oldWanted === 0 ? replicas : cur;
    }
    if (cur >= replicas) return replicas;
    const [surge] = this.surgeAndUnavailable(d);
    const all = cur + olds.reduce((n, r) => n + (r.spec.replicas ?? 0), 0);
    const maxTotal = replicas + surge;
    if (all >= maxTotal) return cur;
    return cur + Math.min(maxTotal - all, replicas - cur);
  }

  /** scale old ReplicaSets down as far as availability allows (Recreate: all at once) */
  private scaleDownOld(d: Obj, newRs: Obj, olds: Obj[]): void {
    const replicas = d.spec.replicas ?? 1;
    let budget: number;
    if (d.spec.strategy?.type === 'Recreate') budget = Infinity;
    else {
      const [, unavailable] = this.surgeAndUnavailable(d);
      const all = (newRs.spec.replicas ?? 0) + olds.reduce((n, r) => n + (r.spec.replicas ?? 0), 0);
      const newAvailable = this.activePods(newRs).filter((p) => this.podReady(p)).length;
      const newUnavailable = Math.max(0, (newRs.spec.replicas ?? 0) - newAvailable);
      budget = all - (replicas - unavailable) - newUnavailable;
      // old pods that are not available can always go
      for (const old of olds) budget += Math.max(0, (old.spec.replicas ?? 0) - this.activePods(old).filter((p) => this.podReady(p)).length);
    }
    const sorted = [...olds].sort((a, b) => Number(a.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) - Number(b.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0));
    for (const old of sorted) {
      if (budget <= 0) break;
      const before = old.spec.replicas ?? 0;
      if (before === 0) continue;
      const cut = Math.min(before, budget);
      budget -= cut;
      const upd = clone(this.store.get('apps/replicasets', old.metadata.namespace, old.metadata.name)!);
      upd.spec.replicas = before - cut;
      this.store.update('apps/replicasets', upd);
      this.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${old.metadata.name} from ${before} to ${before - cut}`, 'deployment-controller');
    }
  }

  private updateDeploymentStatus(ns: string, name: string, newRs: Obj, revision: number): void {
    const d = this.store.get('apps/deployments', ns, name);
    if (!d) return;
    const rss = this.store.list('apps/replicasets', ns).filter((r) => ownedBy(r, d));
    const pods = this.store.list('core/pods', ns).filter((p) => !p.metadata.deletionTimestamp && rss.some((r) => ownedBy(p, r)));
    const newPods = pods.filter((p) => ownedBy(p, newRs));
    const ready = pods.filter((p) => this.podReady(p)).length;
    const replicas = d.spec.replicas ?? 1;
    const updated = newPods.length;
    const available = ready;
    const now = nowIso();
    const prev: Obj[] = d.status?.conditions ?? [];
    const cond = (type: string, status: string, reason: string, message: string): Obj => {
      const p = prev.find((c) => c.type === type);
      const same = p && p.status === status;
      return { type, status, lastUpdateTime: p && p.reason === reason && same ? p.lastUpdateTime : now, lastTransitionTime: same ? p!.lastTransitionTime : now, reason, message };
    };
    const minAvail = replicas - maxUnavailable(d);
    const complete = updated === replicas && available >= replicas && pods.length === replicas;
    const status: Obj = {
      observedGeneration: d.metadata.generation,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      ...(pods.length - available > 0 ? { unavailableReplicas: pods.length - available } : {}),
      conditions: [
        available >= minAvail
          ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        complete
          ? cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${newRs.metadata.name}" has successfully progressed.`)
          : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${newRs.metadata.name}" is progressing.`),
      ],
    };
    if (!status.readyReplicas) delete status.readyReplicas;
    if (!status.availableReplicas) delete status.availableReplicas;
    const upd = clone(d);
    upd.metadata.annotations = { ...(upd.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': String(revision) };
    upd.status = status;
    if (JSON.stringify(upd.status) !== JSON.stringify(d.status) || JSON.stringify(upd.metadata.annotations) !== JSON.stringify(d.metadata.annotations)) {
      this.store.update('apps/deployments', upd);
    }
  }

  private syncRs(k: string): void {
    const [, ns, name] = k.split('/');
    const rs = this.store.get('apps/replicasets', ns!, name!);
    if (!rs) return;
    const pods = this.activePods(rs);
    const want = rs.spec.replicas ?? 1;
    for (let i = pods.length; i < want; i++) {
      const t = clone(rs.spec.template);
      const podName = `${name}-${randSuffix(5)}`;
      const spec = t.spec ?? {};
      defaultPodSpec(spec);
      spec.nodeName = 'rig-node';
      spec.serviceAccountName ??= 'default';
      const pod = this.store.create('core/pods', {
        metadata: { ...(t.metadata ?? {}), name: podName, namespace: ns, ownerReferences: [ownerRef(rs)] },
        spec,
        status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowIso() }] },
      });
      this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${podName}`, 'replicaset-controller');
      pods.push(pod);
    }
    if (pods.length > want) {
      // delete not-ready pods first, then newest
      const victims = [...pods].sort((a, b) => Number(this.podReady(a)) - Number(this.podReady(b))).slice(0, pods.length - want);
      for (const v of victims) {
        if (!this.store.gracefulPodDelete?.(ns!, v.metadata.name)) this.store.delete('core/pods', ns!, v.metadata.name);
        this.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${v.metadata.name}`, 'replicaset-controller');
      }
    }
    const cur = this.activePods(rs);
    const ready = cur.filter((p) => this.podReady(p)).length;
    const status: Obj = { replicas: cur.length, fullyLabeledReplicas: cur.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation };
    if (!ready) {
      delete status.readyReplicas;
      delete status.availableReplicas;
    }
    if (!cur.length) delete status.fullyLabeledReplicas;
    const fresh = this.store.get('apps/replicasets', ns!, name!)!;
    if (JSON.stringify(fresh.status) !== JSON.stringify(status)) {
      const upd = clone(fresh);
      upd.status = status;
      this.store.update('apps/replicasets', upd);
    }
  }
}
