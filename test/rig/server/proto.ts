// Decoder for the Kubernetes protobuf wire format, just what helm sends: the `k8s\0` envelope,
// runtime.Unknown, and v1.Secret / v1.ConfigMap with their ObjectMeta. Field numbers follow
// k8s.io/api/core/v1/generated.proto and k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto.
import type { Obj } from './store';

type Field = { no: number; wire: number; v: bigint | Buffer };

function readVarint(buf: Buffer, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos.i >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos.i++]!;
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
    shift += 7n;
  }
}

export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const tag = Number(readVarint(buf, pos));
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, v: readVarint(buf, pos) });
    else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      out.push({ no, wire, v: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) {
      out.push({ no, wire, v: buf.subarray(pos.i, pos.i + 8) });
      pos.i += 8;
    } else if (wire === 5) {
      out.push({ no, wire, v: buf.subarray(pos.i, pos.i + 4) });
      pos.i += 4;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field): string => (f.v as Buffer).toString('utf8');
const bytes = (f: Field): Buffer => f.v as Buffer;

function mapEntry(buf: Buffer): [string, Buffer] {
  let k = '';
  let v: Buffer = Buffer.alloc(0);
  for (const f of fields(buf)) {
    if (f.no === 1) k = str(f);
    if (f.no === 2) v = bytes(f);
  }
  return [k, v];
}

function time(buf: Buffer): string {
  let secs = 0n;
  for (const f of fields(buf)) if (f.no === 1) secs = f.v as bigint;
  return new Date(Number(secs) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ownerRef(buf: Buffer): Obj {
  const o: Obj = {};
  for (const f of fields(buf)) {
    if (f.no === 1) o.kind = str(f);
    else if (f.no === 3) o.name = str(f);
    else if (f.no === 4) o.uid = str(f);
    else if (f.no === 5) o.apiVersion = str(f);
    else if (f.no === 6) o.controller = (f.v as bigint) !== 0n;
    else if (f.no === 7) o.blockOwnerDeletion = (f.v as bigint) !== 0n;
  }
  return o;
}

export function objectMeta(buf: Buffer): Obj {
  const md: Obj = {};
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1: md.name = str(f); break;
      case 2: md.generateName = str(f); break;
      case 3: md.namespace = str(f); break;
      case 5: md.uid = str(f); break;
      case 6: md.resourceVersion = str(f); break;
      case 7: if ((f.v as bigint) !== 0n) md.generation = Number(f.v as bigint); break;
      case 8: if (!isEmpty(f)) md.creationTimestamp = time(bytes(f)); break;
      case 11: { const [k, v] = mapEntry(bytes(f)); (md.labels ??= {})[k] = v.toString('utf8'); break; }
      case 12: { const [k, v] = mapEntry(bytes(f)); (md.annotations ??= {})[k] = v.toString('utf8'); break; }
      case 13: (md.ownerReferences ??= []).push(ownerRef(bytes(f))); break;
      case 14: (md.finalizers ??= []).push(str(f)); break;
      default: break; // selfLink, deletion*, managedFields: not needed
    }
  }
  for (const k of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion']) if (md[k] === '') delete md[k];
  return md;
}

function secret(buf: Buffer): Obj {
  const o: Obj = { metadata: {} };
  for (const f of fields(buf)) {
    if (f.no === 1) o.metadata = objectMeta(bytes(f));
    else if (f.no === 2) { const [k, v] = mapEntry(bytes(f)); (o.data ??= {})[k] = v.toString('base64'); }
    else if (f.no === 3) o.type = str(f);
    else if (f.no === 4) { const [k, v] = mapEntry(bytes(f)); (o.stringData ??= {})[k] = v.toString('utf8'); }
    else if (f.no === 5) o.immutable = (f.v as bigint) !== 0n;
  }
  return o;
}

function configMap(buf: Buffer): Obj {
  const o: Obj = { metadata: {} };
  for (const f of fields(buf)) {
    if (f.no === 1) o.metadata = objectMeta(bytes(f));
    else if (f.no === 2) { const [k, v] = mapEntry(bytes(f)); (o.data ??= {})[k] = v.toString('utf8'); }
    else if (f.no === 3) { const [k, v] = mapEntry(bytes(f)); (o.binaryData ??= {})[k] = v.toString('base64'); }
    else if (f.no === 4) o.immutable = (f.v as bigint) !== 0n;
  }
  return o;
}

function metadataOnly(buf: Buffer): Obj {
  const o: Obj = { metadata: {} };
  for (const f of fields(buf)) if (f.no === 1) o.metadata = objectMeta(bytes(f));
  return o;
}

// ---- workloads, as far as `kubectl create deployment` / `kubectl run` fill them in ----------------
// Fields not decoded here must be empty (zero/""/empty message), else the body is refused (415)
// rather than silently losing part of the object.

function isEmpty(f: Field): boolean {
  if (f.wire === 0) return (f.v as bigint) === 0n;
  if (f.wire !== 2) return false;
  const b = bytes(f);
  if (b.length === 0) return true;
  try {
    return fields(b).every(isEmpty);
  } catch {
    return false;
  }
}

function decodeWith(buf: Buffer, what: string, handlers: Record<number, (f: Field) => void>): void {
  for (const f of fields(buf)) {
    const h = handlers[f.no];
    if (h) h(f);
    else if (!isEmpty(f)) throw new Error(`protobuf: ${what} field ${f.no} not supported by the rig`);
  }
}

const int = (f: Field): number => Number(BigInt.asIntN(64, f.v as bigint));

function containerPort(buf: Buffer): Obj {
  const o: Obj = {};
  decodeWith(buf, 'ContainerPort', {
    1: (f) => str(f) && (o.name = str(f)),
    2: (f) => int(f) && (o.hostPort = int(f)),
    3: (f) => (o.containerPort = int(f)),
    4: (f) => str(f) && (o.protocol = str(f)),
  });
  return o;
}

function container(buf: Buffer): Obj {
  const o: Obj = { resources: {} };
  decodeWith(buf, 'Container', {
    1: (f) => (o.name = str(f)),
    2: (f) => (o.image = str(f)),
    3: (f) => (o.command ??= []).push(str(f)),
    4: (f) => (o.args ??= []).push(str(f)),
    5: (f) => str(f) && (o.workingDir = str(f)),
    6: (f) => (o.ports ??= []).push(containerPort(bytes(f))),
    13: (f) => str(f) && (o.terminationMessagePath = str(f)),
    14: (f) => str(f) && (o.imagePullPolicy = str(f)),
    20: (f) => str(f) && (o.terminationMessagePolicy = str(f)),
  });
  return o;
}

function podSpec(buf: Buffer): Obj {
  const o: Obj = {};
  decodeWith(buf, 'PodSpec', {
    2: (f) => (o.containers ??= []).push(container(bytes(f))),
    3: (f) => str(f) && (o.restartPolicy = str(f)),
    4: (f) => (o.terminationGracePeriodSeconds = int(f)),
    6: (f) => str(f) && (o.dnsPolicy = str(f)),
    7: (f) => { const [k, v] = mapEntry(bytes(f)); (o.nodeSelector ??= {})[k] = v.toString('utf8'); },
    8: (f) => str(f) && (o.serviceAccountName = str(f)),
    19: (f) => str(f) && (o.schedulerName = str(f)),
  });
  return o;
}

function podTemplateSpec(buf: Buffer): Obj {
  const o: Obj = {};
  decodeWith(buf, 'PodTemplateSpec', { 1: (f) => (o.metadata = objectMeta(bytes(f))), 2: (f) => (o.spec = podSpec(bytes(f))) });
  return o;
}

function labelSelector(buf: Buffer): Obj {
  const o: Obj = {};
  decodeWith(buf, 'LabelSelector', { 1: (f) => { const [k, v] = mapEntry(bytes(f)); (o.matchLabels ??= {})[k] = v.toString('utf8'); } });
  return o;
}

function deployment(buf: Buffer): Obj {
  const o: Obj = { metadata: {}, spec: {} };
  decodeWith(buf, 'Deployment', {
    1: (f) => (o.metadata = objectMeta(bytes(f))),
    2: (f) =>
      decodeWith(bytes(f), 'DeploymentSpec', {
        1: (g) => (o.spec.replicas = int(g)),
        2: (g) => (o.spec.selector = labelSelector(bytes(g))),
        3: (g) => (o.spec.template = podTemplateSpec(bytes(g))),
        4: (g) => decodeWith(bytes(g), 'DeploymentStrategy', { 1: (h) => str(h) && (o.spec.strategy = { type: str(h) }) }),
        5: (g) => (o.spec.minReadySeconds = int(g)),
        6: (g) => (o.spec.revisionHistoryLimit = int(g)),
        9: (g) => (o.spec.progressDeadlineSeconds = int(g)),
      }),
  });
  return o;
}

function pod(buf: Buffer): Obj {
  const o: Obj = { metadata: {} };
  decodeWith(buf, 'Pod', { 1: (f) => (o.metadata = objectMeta(bytes(f))), 2: (f) => (o.spec = podSpec(bytes(f))) });
  return o;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decode a `application/vnd.kubernetes.protobuf` body into the JSON shape of the object. */
export function decodeK8sProtobuf(body: Buffer): Obj {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new Error('protobuf: missing k8s magic prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1) {
      for (const t of fields(bytes(f))) {
        if (t.no === 1) apiVersion = str(t);
        if (t.no === 2) kind = str(t);
      }
    } else if (f.no === 2) raw = bytes(f);
  }
  let o: Obj;
  if (kind === 'Secret') o = secret(raw);
  else if (kind === 'ConfigMap') o = configMap(raw);
  else if (kind === 'DeleteOptions') o = {};
  else if (kind === 'Namespace') o = metadataOnly(raw);
  else if (kind === 'Deployment') o = deployment(raw);
  else if (kind === 'Pod') o = pod(raw);
  else throw new Error(`protobuf: kind ${apiVersion}/${kind} not supported by the rig`);
  return { apiVersion, kind, ...o };
}
