// Just enough of a WebSocket server (RFC 6455) to carry a byte stream in binary messages, as the
// API server does when kubectl tunnels port-forward's SPDY through WebSockets.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export function handshake(req: IncomingMessage, socket: Duplex, protocol: string): boolean {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string') return false;
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  return true;
}

/** Binary messages in, a byte stream out (and back). Pings are answered; a close frame is echoed. */
export class WsConnection {
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  onBytes: (b: Buffer) => void = () => undefined;
  onClose: () => void = () => undefined;

  constructor(private readonly socket: Duplex) {
    socket.on('data', (c: Buffer) => this.push(c));
    socket.on('close', () => this.gone());
    socket.on('error', () => this.gone());
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length < 2) return;
      const op = this.buf[0]! & 0x0f;
      const masked = (this.buf[1]! & 0x80) !== 0;
      let len = this.buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= this.buf[maskOff + (i % 4)]!;
      this.buf = this.buf.subarray(off + len);
      if (op === 0x2 || op === 0x0 || op === 0x1) this.onBytes(payload);
      else if (op === 0x9) this.frame(0xa, payload);
      else if (op === 0x8) {
        this.frame(0x8, payload.subarray(0, 2));
        this.socket.end();
        this.gone();
        return;
      }
    }
  }

  send(b: Buffer): void {
    this.frame(0x2, b);
  }

  private frame(op: number, payload: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    let head: Buffer;
    if (payload.length < 126) head = Buffer.from([0x80 | op, payload.length]);
    else if (payload.length < 65536) {
      head = Buffer.alloc(4);
      head[0] = 0x80 | op;
      head[1] = 126;
      head.writeUInt16BE(payload.length, 2);
    } else {
      head = Buffer.alloc(10);
      head[0] = 0x80 | op;
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }

  close(): void {
    this.frame(0x8, Buffer.from([0x03, 0xe8]));
    this.socket.end();
    this.gone();
  }
}
