// pods/portforward: the upgrade kubectl port-forward asks for, SPDY/3.1 (`portforward.k8s.io`)
// directly or tunnelled through a WebSocket (`SPDY/3.1+portforward.k8s.io`, Kubernetes 1.30+). Each
// forwarded connection is a pair of streams with the same requestID: `error` (the server writes a
// message there when the connection to the pod fails) and `data` (the bytes).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Kubelet } from './kubelet';
import { SpdySession, type SpdyStream } from './spdy';
import { WsConnection, handshake } from './websocket';

const SPDY_PROTOCOL = 'portforward.k8s.io';
const WS_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export interface ForwardStats {
  sessions: number;
  open: number;
  streams: number;
  lastTransport?: 'spdy' | 'websocket';
}

export class PortForwarder {
  stats: ForwardStats = { sessions: 0, open: 0, streams: 0 };
  private sockets = new Set<Duplex>();

  constructor(private readonly kubelet: Kubelet) {}

  /** Can this upgrade be served? Returns the reason when not (the caller answers with a Status). */
  check(req: IncomingMessage): string | undefined {
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'websocket') {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      return offered.includes(WS_PROTOCOL) ? undefined : `unable to upgrade connection: none of the offered WebSocket subprotocols (${offered.join(', ')}) is ${WS_PROTOCOL}`;
    }
    if (upgrade === 'spdy/3.1') {
      const versions = ([] as string[]).concat(req.headers['x-stream-protocol-version'] ?? []).flatMap((v) => v.split(',').map((s) => s.trim()));
      return versions.includes(SPDY_PROTOCOL) ? undefined : `unable to upgrade connection: unable to negotiate protocol: client supports ${versions.join(', ')}, server supports ${SPDY_PROTOCOL}`;
    }
    return `unable to upgrade connection: unsupported upgrade "${upgrade}"`;
  }

  /** Takes over the socket: 101, then the SPDY session, forwarding to pod `name` in `ns`. */
  serve(req: IncomingMessage, socket: Duplex, head: Buffer, ns: string, name: string): void {
    this.stats.sessions++;
    this.stats.open++;
    this.sockets.add(socket);
    (socket as Socket).setNoDelay?.(true);
    const websocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    this.stats.lastTransport = websocket ? 'websocket' : 'spdy';
    let session: SpdySession;
    if (websocket) {
      handshake(req, socket, WS_PROTOCOL);
      const ws = new WsConnection(socket);
      session = new SpdySession((b) => ws.send(b));
      ws.onBytes = (b) => session.push(b);
      ws.onClose = () => session.close();
      if (head.length) ws.push(head);
    } else {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${SPDY_PROTOCOL}\r\n\r\n`);
      session = new SpdySession((b) => {
        if (!socket.destroyed) socket.write(b);
      });
      socket.on('data', (c: Buffer) => session.push(c));
      socket.on('close', () => session.close());
      socket.on('error', () => session.close());
      if (head.length) session.push(head);
    }
    const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream; conn?: Socket }>();
    session.onClose = () => {
      this.stats.open--;
      this.sockets.delete(socket);
      for (const p of pairs.values()) p.conn?.destroy();
      pairs.clear();
      socket.destroy();
    };
    session.onStream = (s) => {
      this.stats.streams++;
      const id = s.headers.requestid ?? '';
      const pair = pairs.get(id) ?? {};
      pairs.set(id, pair);
      if (s.headers.streamtype === 'error') {
        pair.error = s;
        s.onData = () => undefined; // the client only closes its side
        return;
      }
      if (s.headers.streamtype !== 'data') {
        s.reset();
        return;
      }
      pair.data = s;
      const port = Number(s.headers.port);
      const fail = (message: string) => {
        pair.error?.write(Buffer.from(message));
        pair.error?.end();
        s.end();
        pairs.delete(id);
      };
      if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`invalid port "${s.headers.port ?? ''}"`);
      const pending: Buffer[] = [];
      let ended = false;
      s.onData = (b) => pending.push(b);
      s.onEnd = () => {
        ended = true;
      };
      void this.kubelet.dial(ns, name, port).then((conn) => {
        if ('error' in conn) return fail(`error forwarding port ${port} to pod ${name}, uid : ${conn.error}`);
        pair.conn = conn;
        for (const b of pending) conn.write(b);
        if (ended) conn.end();
        s.onData = (b) => conn.write(b);
        s.onEnd = () => conn.end();
        s.onReset = () => conn.destroy();
        let broken: Error | undefined;
        conn.on('data', (b: Buffer) => s.write(b));
        conn.on('end', () => s.end());
        conn.on('error', (e) => {
          broken = e;
        });
        conn.on('close', () => {
          if (broken) pair.error?.write(Buffer.from(`error forwarding port ${port} to pod ${name}, uid : ${broken.message}`));
          s.end();
          pair.error?.end();
          pairs.delete(id);
        });
        conn.resume(); // a connection into a real container comes paused (nothing is lost before this)
      });
    };
  }

  closeAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
