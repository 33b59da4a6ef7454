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
      case 7: md.generation = Number(f.v as bigint); break;
      case 8: md.creationTimestamp = time(bytes(f)); break;
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
  else throw new Error(`protobuf: kind ${apiVersion}/${kind} not supported by the rig`);
  return { apiVersion, kind, ...o };
}
