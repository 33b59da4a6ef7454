// HTTP layer of the rig's Kubernetes API server: discovery, OpenAPI probe, CRUD/patch/apply, list,
// watch (replay, bookmarks, watch-list, 410), Table output, pod logs, and the /rig/v1 control API.
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import * as YAML from 'yaml';
import {
  ALL_VERBS, RESOURCES, HttpError, Store, apiVersionOf, clone, fieldMatcher, findRes, labelMatcher, resKey,
  type Obj, type ResDef, type Watcher,
} from './store';
import { decodeK8sProtobuf } from './proto';
import { jsonPatch, mergePatch, serverSideApply, setManagedFields, strategicMerge } from './patch';
import { Controller, defaultDeployment, defaultPodSpec } from './controller';
import { Events, toEventsV1 } from './events';
import { Kubelet, type Health, type NodeOptions } from './kubelet';
import { toTable } from './table';
import { PortForwarder } from './portforward';
import type { Duplex } from 'node:stream';

export interface ServerOptions {
  port: number;
  host?: string;
  cert: string;
  key: string;
  token?: string;
  timeScale?: number;
  /** the node: container runtime, default runtime, registries it can be attached to */
  node?: Partial<NodeOptions>;
}

interface ReqLog { time: string; method: string; path: string; status: number; contentType?: string; accept?: string; userAgent?: string }

export class ApiServer {
  store = new Store();
  events = new Events(this.store);
  kubelet: Kubelet;
  controller: Controller;
  forwarder: PortForwarder;
  private server?: https.Server;
  private sockets = new Set<Socket>();
  private faults = { slowMs: 0, slowPattern: '' as string, down: false };
  requests: ReqLog[] = [];
  private bookmarkMs = 5000;

  constructor(private opts: ServerOptions) {
    this.kubelet = new Kubelet(this.store, this.events, opts.timeScale ?? 1, opts.node);
    this.controller = new Controller(this.store, this.events, (p) => this.kubelet.podReady(p));
    this.forwarder = new PortForwarder(this.kubelet);
  }

  listen(): Promise<void> {
    const server = https.createServer({ cert: this.opts.cert, key: this.opts.key }, (req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => resolve());
    });
  }

  /** stop listening and cut every connection (watches included); state stays */
  async close(): Promise<void> {
    for (const w of [...this.store.watchers]) w.close();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      for (const sock of this.sockets) sock.destroy();
    });
  }

  async restart(downSeconds: number): Promise<void> {
    this.faults.down = true;
    await this.close();
    await new Promise((r) => setTimeout(r, downSeconds * 1000));
    await this.listen();
    this.faults.down = false;
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://rig');
    const entry: ReqLog = { time: new Date().toISOString(), method: req.method ?? 'GET', path: url.pathname + url.search, status: 0 };
    if (req.headers['content-type']) entry.contentType = req.headers['content-type'];
    if (req.headers.accept) entry.accept = req.headers.accept;
    if (req.headers['user-agent']) entry.userAgent = req.headers['user-agent'];
    if (!url.pathname.startsWith('/rig/')) {
      this.requests.push(entry);
      if (this.requests.length > 5000) this.requests.shift();
    }
    const origWriteHead = res.writeHead.bind(res);
    res.writeHead = ((code: number, ...rest: unknown[]) => {
      entry.status = code;
      return (origWriteHead as (...a: unknown[]) => ServerResponse)(code, ...rest);
    }) as typeof res.writeHead;
    try {
      const body = await readBody(req);
      if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) {
        throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      }
      if (url.pathname.startsWith('/rig/v1/')) return await this.control(url, req, body, res);
      if (this.faults.slowMs > 0 && (!this.faults.slowPattern || new RegExp(this.faults.slowPattern).test(url.pathname + url.search))) {
        await new Promise((r) => setTimeout(r, this.faults.slowMs));
      }
      await this.route(url, req, body, res);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) return sendStatus(res, e);
      console.error('apiserver:', e);
      sendStatus(res, new HttpError(500, 'InternalError', String((e as Error).message ?? e)));
    }
  }

  /** Upgrades: only pods/NAME/portforward (SPDY or WebSocket); anything else gets a Status. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://rig');
    const entry: ReqLog = { time: new Date().toISOString(), method: req.method ?? 'GET', path: url.pathname + url.search, status: 101 };
    if (req.headers['user-agent']) entry.userAgent = req.headers['user-agent'];
    this.requests.push(entry);
    socket.on('error', () => undefined);
    const refuse = (e: HttpError) => {
      entry.status = e.code;
      const body = JSON.stringify(statusObj(e));
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) return refuse(new HttpError(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward\/?$/.exec(url.pathname);
    if (!m) return refuse(new HttpError(404, 'NotFound', 'the server could not find the requested resource'));
    const [ns, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    const pod = this.store.get('core/pods', ns, name);
    if (!pod) return refuse(new HttpError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
    if (pod.status?.phase !== 'Running') return refuse(new HttpError(400, 'BadRequest', `pod ${name} does not have a host assigned`));
    const why = this.forwarder.check(req);
    if (why) return refuse(new HttpError(400, 'BadRequest', why));
    this.forwarder.serve(req, socket, head, ns, name);
  }

  private async route(url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (p === '/readyz' || p === '/healthz' || p === '/livez') return sendText(res, 200, 'ok');
    if (p === '/version') {
      return sendJson(res, 200, {
        major: '1', minor: '33', emulationMajor: '1', emulationMinor: '33', minCompatibilityMajor: '1', minCompatibilityMinor: '32',
        gitVersion: 'v1.33.0-rig', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
        buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.24.0', compiler: 'gc', platform: 'linux/amd64',
      });
    }
    if (p === '/api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.opts.port}` }] });
    if (p === '/apis') return sendJson(res, 200, this.groupList());
    if (p === '/openapi/v3') return sendJson(res, 200, this.openapiRoot());
    if (p.startsWith('/openapi/v3/')) return sendJson(res, 200, this.openapiGv(p.slice('/openapi/v3/'.length)));
    if (p === '/openapi/v2') throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');

    const parts = p.split('/').filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api') {
      group = '';
      version = parts[1] ?? '';
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      group = parts[1] ?? '';
      version = parts[2] ?? '';
      rest = parts.slice(3);
    } else throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (rest.length === 0) {
      const list = this.resourceList(group, version);
      if (!list) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, list);
    }
    let watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    if (rest[0] === 'watch') {
      watch = true;
      rest = rest.slice(1);
    }
    let ns: string | undefined;
    let resource: string;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      resource = rest[2]!;
      name = rest[3];
      sub = rest[4];
    } else {
      resource = rest[0]!;
      name = rest[1];
      sub = rest[2];
    }
    const def = findRes(group, version, resource);
    if (!def) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (!def.namespaced && ns) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const nsv = def.namespaced ? ns ?? '' : '';

    if (!name) {
      if (method === 'GET' && watch) return this.watch(def, nsv, url, req, res);
      if (method === 'GET') return this.list(def, nsv, url, req, res);
      if (method === 'POST') {
        if (!def.namespaced || nsv) return this.create(def, nsv, url, req, body, res);
      }
      if (method === 'DELETE') {
        const items = this.filtered(def, nsv, url);
        for (const o of items) this.store.delete(resKey(def), o.metadata.namespace ?? '', o.metadata.name);
        return sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.store.rv) }, items });
      }
      throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    if (sub === 'log' && def.resource === 'pods' && method === 'GET') return this.podLog(nsv, name, url, res);
    if (sub === 'portforward') throw new HttpError(400, 'BadRequest', 'Upgrade request required');
    if (sub === 'scale' && (def.resource === 'deployments' || def.resource === 'replicasets')) return this.scale(def, nsv, name, url, req, body, res);
    if (sub && !(def.subresources ?? []).includes(sub)) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const key = resKey(def);
    switch (method) {
      case 'GET': {
        const o = this.store.get(key, nsv, name);
        if (!o) throw notFound(def, name);
        return this.sendObj(def, req, res, 200, o, url);
      }
      case 'PUT': {
        const obj = parseBody(req, body);
        obj.metadata ??= {};
        if (obj.metadata.name && obj.metadata.name !== name) throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
        obj.metadata.name = name;
        if (def.namespaced) obj.metadata.namespace = nsv;
        const cur = this.store.get(key, nsv, name);
        if (!cur) throw notFound(def, name);
        let next = obj;
        if (sub === 'status') {
          next = clone(cur);
          next.status = obj.status;
        } else if (cur.status && !obj.status && def.resource !== 'secrets' && def.resource !== 'configmaps') next.status = cur.status;
        this.prepare(def, next);
        next.metadata.managedFields = cur.metadata.managedFields;
        setManagedFields(next, url.searchParams.get('fieldManager') ?? managerOf(req), 'Update');
        return this.sendObj(def, req, res, 200, this.store.update(key, next, { checkRv: true }), url);
      }
      case 'PATCH':
        return this.patch(def, nsv, name, url, req, body, res, sub);
      case 'DELETE': {
        let grace: number | undefined;
        if (url.searchParams.has('gracePeriodSeconds')) grace = Number(url.searchParams.get('gracePeriodSeconds'));
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        if (body.length && ct !== 'application/vnd.kubernetes.protobuf') {
          try {
            const opts = JSON.parse(body.toString('utf8'));
            if (typeof opts.gracePeriodSeconds === 'number') grace = opts.gracePeriodSeconds;
          } catch {
            /* ignore undecodable DeleteOptions */
          }
        }
        if (key === 'core/pods' && grace !== 0) {
          if (!this.store.get(key, nsv, name)) throw notFound(def, name);
          const terminating = this.kubelet.gracefulDelete(nsv, name, grace);
          if (terminating) return this.sendObj(def, req, res, 200, terminating, url);
        }
        const o = this.store.delete(key, nsv, name);
        return this.sendObj(def, req, res, 200, o, url);
      }
      default:
        throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  // ---- discovery & openapi ----------------------------------------------------------------------

  private groups(): { group: string; version: string }[] {
    const seen = new Map<string, string>();
    for (const r of RESOURCES) if (r.group) seen.set(r.group, r.version);
    return [...seen].map(([group, version]) => ({ group, version }));
  }

  private groupList(): Obj {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.groups().map(({ group, version }) => ({
        name: group,
        versions: [{ groupVersion: `${group}/${version}`, version }],
        preferredVersion: { groupVersion: `${group}/${version}`, version },
      })),
    };
  }

  private resourceList(group: string, version: string): Obj | undefined {
    const defs = RESOURCES.filter((r) => r.group === group && r.version === version);
    if (!defs.length) return undefined;
    const resources: Obj[] = [];
    for (const d of defs) {
      resources.push({
        name: d.resource,
        singularName: d.singular,
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: ALL_VERBS,
        ...(d.shortNames && d.group !== 'events.k8s.io' ? { shortNames: d.shortNames } : {}),
        ...(d.categories ? { categories: d.categories } : {}),
        storageVersionHash: Buffer.from(d.resource).toString('base64').slice(0, 11),
      });
      for (const s of d.subresources ?? []) {
        resources.push({ name: `${d.resource}/${s}`, singularName: '', namespaced: d.namespaced, kind: s === 'log' ? 'Pod' : s === 'portforward' ? 'PodPortForwardOptions' : d.kind, verbs: s === 'log' ? ['get'] : s === 'portforward' ? ['create', 'get'] : ['get', 'patch', 'update'] });
      }
      if (d.resource === 'deployments' || d.resource === 'replicasets') {
        resources.push({ name: `${d.resource}/scale`, singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  private openapiRoot(): Obj {
    const paths: Obj = { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=RIG0' } };
    for (const { group, version } of this.groups()) paths[`apis/${group}/${version}`] = { serverRelativeURL: `/openapi/v3/apis/${group}/${version}?hash=RIG0` };
    return { paths };
  }

  /** Just enough OpenAPI v3 for clients to see that PATCH supports `fieldValidation` (no schemas). */
  private openapiGv(gvPath: string): Obj {
    const m = gvPath.match(/^(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
    if (!m) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const group = m[1] ? '' : m[2]!;
    const version = m[1] ?? m[3]!;
    const paths: Obj = {};
    const params = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((n) => ({ name: n, in: 'query', schema: { type: n === 'force' ? 'boolean' : 'string' } }));
    for (const d of RESOURCES.filter((r) => r.group === group && r.version === version)) {
      const base = `/${group ? `apis/${group}` : 'api'}/${version}/${d.namespaced ? 'namespaces/{namespace}/' : ''}${d.resource}`;
      const gvk = { group, version, kind: d.kind };
      const op = (verb: string) => ({ operationId: `${verb}${d.kind}`, 'x-kubernetes-action': verb, 'x-kubernetes-group-version-kind': gvk, parameters: params, responses: { '200': { description: 'OK' } } });
      paths[base] = { post: op('post'), get: op('list') };
      paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete'), parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }] };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes (rig)', version: 'v1.33.0' }, paths, components: { schemas: {} } };
  }

  // ---- CRUD -------------------------------------------------------------------------------------

  private prepare(def: ResDef, obj: Obj): void {
    if (def.resource === 'deployments') defaultDeployment(obj);
    if (def.resource === 'pods') defaultPodSpec((obj.spec ??= {}));
    if (def.resource === 'secrets') {
      obj.type ??= 'Opaque';
      if (obj.stringData) {
        obj.data ??= {};
        for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
        delete obj.stringData;
      }
    }
    if (def.resource === 'events') {
      obj.count ??= 1;
    }
  }

  private create(def: ResDef, ns: string, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (def.viewOf) throw new HttpError(405, 'MethodNotAllowed', 'the rig serves events.k8s.io/v1 read-only');
    const obj = parseBody(req, body);
    obj.metadata ??= {};
    if (def.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = ns;
    }
    delete obj.metadata.resourceVersion;
    delete obj.metadata.uid;
    this.prepare(def, obj);
    setManagedFields({ ...obj, apiVersion: apiVersionOf(def) }, url.searchParams.get('fieldManager') ?? managerOf(req), 'Update');
    if (url.searchParams.get('dryRun') === 'All') return this.sendObj(def, req, res, 201, obj, url);
    const created = this.store.create(resKey(def), obj);
    this.sendObj(def, req, res, 201, created, url);
  }

  private patch(def: ResDef, ns: string, name: string, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse, sub?: string): void {
    const key = resKey(def);
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const manager = url.searchParams.get('fieldManager') ?? managerOf(req);
    const cur = this.store.get(key, ns, name);
    const text = body.toString('utf8');
    if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+cbor') {
      const applied = (YAML.parse(text) ?? {}) as Obj;
      applied.metadata ??= {};
      if (applied.metadata.name && applied.metadata.name !== name) throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
      if (!cur) {
        const obj = clone(applied);
        obj.metadata.name = name;
        if (def.namespaced) obj.metadata.namespace = ns;
        this.prepare(def, obj);
        obj.apiVersion = apiVersionOf(def);
        setManagedFields(obj, manager, 'Apply');
        if (url.searchParams.get('dryRun') === 'All') return this.sendObj(def, req, res, 201, obj, url);
        return this.sendObj(def, req, res, 201, this.store.create(key, obj), url);
      }
      const next = serverSideApply(cur, applied, manager);
      this.prepare(def, next);
      if (url.searchParams.get('dryRun') === 'All') return this.sendObj(def, req, res, 200, next, url);
      return this.sendObj(def, req, res, 200, this.store.update(key, next), url);
    }
    if (!cur) throw notFound(def, name);
    let next: Obj;
    const patchBody = ct === 'application/json-patch+json' ? JSON.parse(text) : JSON.parse(text || '{}');
    if (ct === 'application/json-patch+json') next = jsonPatch(cur, patchBody);
    else if (ct === 'application/merge-patch+json') next = mergePatch(cur, patchBody) as Obj;
    else if (ct === 'application/strategic-merge-patch+json') next = strategicMerge(cur, patchBody) as Obj;
    else throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    if (sub === 'status') {
      const s = clone(cur);
      s.status = next.status;
      next = s;
    }
    next.metadata.name = name;
    if (def.namespaced) next.metadata.namespace = ns;
    this.prepare(def, next);
    setManagedFields(next, manager, 'Update');
    if (url.searchParams.get('dryRun') === 'All') return this.sendObj(def, req, res, 200, next, url);
    this.sendObj(def, req, res, 200, this.store.update(key, next, { checkRv: true }), url);
  }

  private filtered(def: ResDef, ns: string, url: URL): Obj[] {
    const lm = labelMatcher(url.searchParams.get('labelSelector'));
    const fm = fieldMatcher(url.searchParams.get('fieldSelector'));
    return this.store.list(resKey(def), ns).filter((o) => lm(o.metadata.labels) && fm(this.view(def, o)));
  }

  private view(def: ResDef, o: Obj): Obj {
    return def.viewOf ? toEventsV1(o) : o;
  }

  private list(def: ResDef, ns: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
    const items = this.filtered(def, ns, url).map((o) => this.view(def, o));
    const rv = String(this.store.rv);
    if (wantsTable(req)) return sendJson(res, 200, toTable(def, items, rv, url.searchParams.get('includeObject') ?? 'Metadata'));
    sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: rv }, items });
  }

  private sendObj(def: ResDef, req: IncomingMessage, res: ServerResponse, code: number, o: Obj, url: URL): void {
    const v = this.view(def, o);
    if (wantsTable(req)) return sendJson(res, code, toTable(def, [v], v.metadata.resourceVersion, url.searchParams.get('includeObject') ?? 'Metadata'));
    sendJson(res, code, v);
  }

  // ---- watch ------------------------------------------------------------------------------------

  private watch(def: ResDef, ns: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
    const key = resKey(def);
    const lm = labelMatcher(url.searchParams.get('labelSelector'));
    const fm = fieldMatcher(url.searchParams.get('fieldSelector'));
    const filter = (o: Obj) => lm(o.metadata.labels) && fm(this.view(def, o));
    const rvParam = url.searchParams.get('resourceVersion') ?? '';
    const sendInitial = url.searchParams.get('sendInitialEvents') === 'true';
    const bookmarks = url.searchParams.get('allowWatchBookmarks') === 'true';
    const table = wantsTable(req);
    const includeObject = url.searchParams.get('includeObject') ?? 'Metadata';
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 1800);

    // validate the starting point before answering 200
    let replay: { type: string; obj: Obj }[] = [];
    if (sendInitial || rvParam === '' || rvParam === '0') {
      replay = this.store.list(key, ns).filter(filter).map((obj) => ({ type: 'ADDED', obj: clone(obj) }));
    } else {
      const rv = Number(rvParam);
      if (!Number.isFinite(rv)) throw new HttpError(400, 'BadRequest', `invalid resource version: ${rvParam}`);
      if (rv < this.store.compactedRv) {
        // like the real API server: 200, then one ERROR event carrying a 410 Status
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
        res.end(JSON.stringify({ type: 'ERROR', object: statusObj(new HttpError(410, 'Expired', `too old resource version: ${rv} (${this.store.compactedRv})`)) }) + '\n');
        return;
      }
      replay = this.store.since(key, ns || undefined, rv).filter((e) => filter(e.obj)).map((e) => ({ type: e.type, obj: e.obj }));
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const write = (type: string, obj: Obj) => {
      let o = this.view(def, obj);
      if (table && type !== 'BOOKMARK' && type !== 'ERROR') o = toTable(def, [o], o.metadata.resourceVersion, includeObject);
      res.write(JSON.stringify({ type, object: o }) + '\n');
    };
    const bookmark = (initialEnd: boolean) =>
      res.write(
        JSON.stringify({
          type: 'BOOKMARK',
          object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.store.rv), ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) } },
        }) + '\n',
      );
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const w: Watcher = {
      key,
      ns: ns || undefined,
      filter,
      send: (type, obj) => !closed && write(type, obj),
      close: (gone) => {
        if (closed) return;
        closed = true;
        timers.forEach(clearTimeout);
        this.store.watchers.delete(w);
        if (gone) res.write(JSON.stringify({ type: 'ERROR', object: statusObj(new HttpError(410, 'Expired', 'The resourceVersion for the provided watch is too old.')) }) + '\n');
        res.end();
      },
    };
    for (const e of replay) write(e.type, e.obj);
    if (sendInitial) bookmark(true);
    this.store.watchers.add(w);
    if (bookmarks) {
      const tick = () => {
        if (closed) return;
        bookmark(false);
        timers.push(setTimeout(tick, this.bookmarkMs));
      };
      timers.push(setTimeout(tick, this.bookmarkMs));
    }
    timers.push(setTimeout(() => w.close(), timeout * 1000));
    req.on('close', () => w.close());
    res.on('close', () => w.close());
  }

  // ---- scale subresource -------------------------------------------------------------------------

  private scale(def: ResDef, ns: string, name: string, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const key = resKey(def);
    const cur = this.store.get(key, ns, name);
    if (!cur) throw notFound(def, name);
    const toScale = (o: Obj): Obj => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace: ns, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
      spec: { replicas: o.spec.replicas ?? 1 },
      status: { replicas: o.status?.replicas ?? 0, selector: Object.entries(o.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
    });
    const method = req.method ?? 'GET';
    if (method === 'GET') return sendJson(res, 200, toScale(cur));
    let next: Obj;
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (method === 'PUT') next = parseBody(req, body);
    else if (method === 'PATCH') {
      const patch = JSON.parse(body.toString('utf8') || '{}');
      next = ct === 'application/json-patch+json' ? jsonPatch(toScale(cur), patch) : (mergePatch(toScale(cur), patch) as Obj);
    } else throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const upd = clone(cur);
    upd.spec.replicas = Number(next.spec?.replicas ?? upd.spec.replicas);
    setManagedFields(upd, url.searchParams.get('fieldManager') ?? managerOf(req), 'Update');
    sendJson(res, 200, toScale(this.store.update(key, upd)));
  }

  // ---- logs -------------------------------------------------------------------------------------

  private podLog(ns: string, name: string, url: URL, res: ServerResponse): void {
    const pod = this.store.get('core/pods', ns, name);
    if (!pod) throw notFound(findRes('', 'v1', 'pods')!, name);
    const cname = url.searchParams.get('container') ?? undefined;
    const containers: Obj[] = pod.spec.containers ?? [];
    if (!cname && containers.length > 1) {
      throw new HttpError(400, 'BadRequest', `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
    }
    const cn = cname ?? containers[0]?.name;
    if (!containers.some((c) => c.name === cn)) throw new HttpError(400, 'BadRequest', `container ${cn} is not valid for pod ${name}`);
    const c = this.kubelet.container(ns, name, cn);
    const previous = url.searchParams.get('previous') === 'true';
    const ts = url.searchParams.get('timestamps') === 'true';
    const tail = url.searchParams.has('tailLines') ? Number(url.searchParams.get('tailLines')) : undefined;
    if (!c || (!previous && !c.state.running && !c.prevLogs && c.logs.length === 0)) {
      const waiting = c?.state.waiting;
      const why = waiting?.reason === 'ErrImagePull' || waiting?.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting?.reason === 'CreateContainerError' || waiting?.reason === 'CreateContainerConfigError' ? waiting.reason : 'ContainerCreating';
      throw new HttpError(400, 'BadRequest', `container "${cn}" in pod "${name}" is waiting to start: ${why}`);
    }
    let lines = previous ? c.prevLogs : c.logs;
    if (previous && !lines) throw new HttpError(400, 'BadRequest', `previous terminated container "${cn}" in pod "${name}" not found`);
    if (!previous && !c.state.running && c.state.waiting) lines = c.prevLogs ?? c.logs;
    lines = lines ?? [];
    const sinceSeconds = url.searchParams.get('sinceSeconds');
    const sinceTime = url.searchParams.get('sinceTime');
    const since = sinceSeconds ? Date.now() - Number(sinceSeconds) * 1000 : sinceTime ? Date.parse(sinceTime) : undefined;
    if (since !== undefined && Number.isFinite(since)) lines = lines.filter((l) => Date.parse(l.ts) >= since);
    if (tail !== undefined && tail >= 0) lines = lines.slice(Math.max(0, lines.length - tail));
    const fmt = (l: { ts: string; line: string }) => (ts ? `${l.ts} ${l.line}\n` : `${l.line}\n`);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.write(lines.map(fmt).join(''));
    if (url.searchParams.get('follow') === 'true' && !previous && c.state.running) {
      const listener = (line: string | null, t: string) => {
        if (line === null) {
          c.listeners.delete(listener);
          res.end();
        } else res.write(fmt({ ts: t, line }));
      };
      c.listeners.add(listener);
      res.on('close', () => c.listeners.delete(listener));
      return;
    }
    res.end();
  }

  // ---- control API ------------------------------------------------------------------------------

  private async control(url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const p = url.pathname.slice('/rig/v1/'.length).replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    const b: Obj = body.length ? JSON.parse(body.toString('utf8')) : {};
    switch (`${method} ${p}`) {
      case 'GET state':
        return sendJson(res, 200, { resourceVersion: this.store.rv, compactedResourceVersion: this.store.compactedRv, watches: this.store.watchers.size, timeScale: this.kubelet.timeScale, health: Object.fromEntries(this.kubelet.health), slowMs: this.faults.slowMs, portForward: this.forwarder.stats });
      case 'POST health': {
        const ns = b.namespace ?? 'default';
        if (!b.deployment && !b.pod) throw new HttpError(400, 'BadRequest', 'health needs "deployment" or "pod"');
        const h: Health = b.health ?? { mode: 'healthy' };
        this.kubelet.setHealth(ns, { deployment: b.deployment, pod: b.pod }, h);
        return sendJson(res, 200, { ok: true });
      }
      case 'POST config':
        if (typeof b.timeScale === 'number' && b.timeScale > 0) this.kubelet.timeScale = b.timeScale;
        if (typeof b.bookmarkSeconds === 'number') this.bookmarkMs = b.bookmarkSeconds * 1000;
        return sendJson(res, 200, { timeScale: this.kubelet.timeScale, bookmarkSeconds: this.bookmarkMs / 1000 });
      case 'POST logs': {
        const ok = this.kubelet.appendLog(b.namespace ?? 'default', b.pod, b.container, b.lines ?? []);
        if (!ok) throw new HttpError(404, 'NotFound', `pod ${b.pod} not found`);
        return sendJson(res, 200, { ok: true });
      }
      case 'POST faults/restart': {
        const down = Number(b.downSeconds ?? 1);
        sendJson(res, 200, { ok: true, downSeconds: down });
        setTimeout(() => void this.restart(down), 50);
        return;
      }
      case 'POST faults/drop-watches': {
        const n = this.store.watchers.size;
        for (const w of [...this.store.watchers]) w.close(Boolean(b.gone));
        return sendJson(res, 200, { dropped: n });
      }
      case 'POST faults/expire':
        this.store.expire();
        return sendJson(res, 200, { compactedResourceVersion: this.store.compactedRv });
      case 'POST faults/slow':
        this.faults.slowMs = Number(b.ms ?? 0);
        this.faults.slowPattern = String(b.pathPattern ?? '');
        return sendJson(res, 200, { slowMs: this.faults.slowMs, pathPattern: this.faults.slowPattern });
      case 'GET requests':
        return sendJson(res, 200, this.requests);
      case 'DELETE requests':
        this.requests = [];
        return sendJson(res, 200, { ok: true });
      case 'GET node':
        return sendJson(res, 200, this.kubelet.nodeInfo());
      case 'POST node/registries': {
        // az aks update --attach-acr / --detach-acr: the node's own pull credentials for a registry
        const server = String(b.server ?? '');
        if (b.attached === false) this.kubelet.detachRegistry(server);
        else if (!this.kubelet.attachRegistry(server)) throw new HttpError(404, 'NotFound', `the rig knows no registry ${server}: known ${this.kubelet.nodeInfo().registries.join(', ') || 'none'}`);
        return sendJson(res, 200, { attached: this.kubelet.nodeInfo().attached });
      }
      case 'POST reset':
        this.store.reset();
        this.kubelet.health.clear();
        this.kubelet.attached.clear();
        this.faults.slowMs = 0;
        this.requests = [];
        return sendJson(res, 200, { ok: true });
      default:
        throw new HttpError(404, 'NotFound', `no rig control endpoint ${method} /rig/v1/${p}`);
    }
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(req: IncomingMessage, body: Buffer): Obj {
  const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
  try {
    if (ct === 'application/vnd.kubernetes.protobuf') return decodeK8sProtobuf(body);
    if (ct === 'application/yaml') return YAML.parse(body.toString('utf8')) as Obj;
    return JSON.parse(body.toString('utf8')) as Obj;
  } catch (e) {
    if (/not supported by the rig/.test(String((e as Error).message))) throw new HttpError(415, 'UnsupportedMediaType', String((e as Error).message));
    throw new HttpError(400, 'BadRequest', `the body of the request could not be decoded (${ct}): ${(e as Error).message}`);
  }
}

function managerOf(req: IncomingMessage): string {
  return String(req.headers['user-agent'] ?? 'unknown').split('/')[0] || 'unknown';
}

function wantsTable(req: IncomingMessage): boolean {
  const a = String(req.headers.accept ?? '');
  // first acceptable media type decides
  const first = a.split(',')[0] ?? '';
  return /as=Table/.test(first);
}

function notFound(def: ResDef, name: string): HttpError {
  return new HttpError(404, 'NotFound', `${def.resource}${def.group ? '.' + def.group : ''} "${name}" not found`, { name, group: def.group, kind: def.resource });
}

function statusObj(e: HttpError): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, ...(e.details ? { details: e.details } : {}), code: e.code };
}

function sendStatus(res: ServerResponse, e: HttpError): void {
  sendJson(res, e.code, statusObj(e));
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const s = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s), 'Cache-Control': 'no-cache, private' });
  res.end(s);
}

function sendText(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
