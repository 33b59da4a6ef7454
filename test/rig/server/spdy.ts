// The server side of a SPDY/3.1 session, as far as kubectl port-forward uses it: SYN_STREAM from
// the client (zlib-compressed header blocks with the SPDY/3 dictionary), SYN_REPLY, DATA with FIN,
// RST_STREAM, PING, GOAWAY. Flow control (WINDOW_UPDATE) and SETTINGS are read and ignored; no
// server-initiated streams.
import { inflateSync, constants as zc } from 'node:zlib';

/** The SPDY/3 header-compression dictionary (SPDY Protocol Draft 3, section 2.6.10.1). */
const DICT_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive',
  'origin',
];
const DICT_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICT_WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(DICT_TAIL, 'latin1'),
]);

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

const TYPE = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
const FLAG_FIN = 0x01;
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, STREAM_ALREADY_CLOSED: 9 } as const;

export type Headers = Record<string, string>;

export class SpdyStream {
  /** The peer sent FIN (or reset the stream). */
  remoteEnded = false;
  /** This side sent FIN (or reset the stream). */
  localEnded = false;
  onData: (b: Buffer) => void = () => undefined;
  onEnd: () => void = () => undefined;
  onReset: (status: number) => void = () => undefined;
  constructor(readonly id: number, readonly headers: Headers, private readonly session: SpdySession) {}

  write(data: Buffer): void {
    if (this.localEnded) return;
    for (let off = 0; off < data.length || (off === 0 && data.length === 0); off += 0xffffff) {
      this.session.sendData(this.id, data.subarray(off, off + 0xffffff), false);
      if (data.length === 0) break;
    }
  }

  end(): void {
    if (this.localEnded) return;
    this.localEnded = true;
    this.session.sendData(this.id, Buffer.alloc(0), true);
    this.session.maybeForget(this);
  }

  reset(status: number = RST.CANCEL): void {
    if (this.localEnded && this.remoteEnded) return;
    this.localEnded = true;
    this.remoteEnded = true;
    this.session.sendRst(this.id, status);
    this.session.maybeForget(this);
  }
}

/**
 * One SPDY/3.1 session over any byte transport: `push` what arrives, `write` is called with what to
 * send. `onStream` sees every stream the client opens, after the SYN_REPLY went out.
 */
export class SpdySession {
  private buf: Buffer = Buffer.alloc(0);
  private inflateInput: Buffer[] = [];
  private inflatedSoFar = 0;
  private deflateStarted = false;
  private streams = new Map<number, SpdyStream>();
  private closed = false;
  onStream: (s: SpdyStream) => void = () => undefined;
  onClose: () => void = () => undefined;

  constructor(private readonly write: (b: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const len = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + len) return;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      try {
        this.frame(frame);
      } catch (e) {
        console.error('spdy: protocol error:', (e as Error).message);
        this.goAway(1);
        return;
      }
    }
  }

  private frame(f: Buffer): void {
    const control = (f[0]! & 0x80) !== 0;
    const flags = f[4]!;
    const body = f.subarray(8);
    if (!control) {
      const id = f.readUInt32BE(0) & 0x7fffffff;
      const s = this.streams.get(id);
      if (!s) return; // data for a stream already gone: dropped
      if (body.length) s.onData(Buffer.from(body));
      if (flags & FLAG_FIN) {
        s.remoteEnded = true;
        s.onEnd();
        this.maybeForget(s);
      }
      return;
    }
    const version = f.readUInt16BE(0) & 0x7fff;
    const type = f.readUInt16BE(2);
    if (version !== 3) throw new Error(`SPDY version ${version}`);
    switch (type) {
      case TYPE.SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = this.headerBlock(body.subarray(10));
        const s = new SpdyStream(id, headers, this);
        this.streams.set(id, s);
        if (flags & FLAG_FIN) s.remoteEnded = true;
        this.control(TYPE.SYN_REPLY, 0, Buffer.concat([u32(id), this.compress({})]));
        this.onStream(s);
        if (s.remoteEnded) s.onEnd();
        return;
      }
      case TYPE.RST_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        if (s) {
          s.remoteEnded = true;
          s.localEnded = true;
          this.streams.delete(id);
          s.onReset(body.readUInt32BE(4));
        }
        return;
      }
      case TYPE.PING:
        this.control(TYPE.PING, 0, body.subarray(0, 4));
        return;
      case TYPE.GOAWAY:
        this.close();
        return;
      case TYPE.HEADERS:
        this.headerBlock(body.subarray(4)); // keeps the decompressor in step
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE: nothing to do here
    }
  }

  /** Decompresses one header block: the client's zlib stream runs across all its frames. */
  private headerBlock(compressed: Buffer): Headers {
    this.inflateInput.push(compressed);
    const all = inflateSync(Buffer.concat(this.inflateInput), { dictionary: SPDY_DICTIONARY, finishFlush: zc.Z_SYNC_FLUSH });
    const b = all.subarray(this.inflatedSoFar);
    this.inflatedSoFar = all.length;
    const n = b.readUInt32BE(0);
    const out: Headers = {};
    let off = 4;
    for (let i = 0; i < n; i++) {
      const nl = b.readUInt32BE(off);
      const name = b.subarray(off + 4, off + 4 + nl).toString('latin1');
      off += 4 + nl;
      const vl = b.readUInt32BE(off);
      out[name.toLowerCase()] = b.subarray(off + 4, off + 4 + vl).toString('latin1');
      off += 4 + vl;
    }
    return out;
  }

  /** A header block for the server's own zlib stream, written as stored (uncompressed) deflate blocks. */
  private compress(h: Headers): Buffer {
    const parts: Buffer[] = [u32(Object.keys(h).length)];
    for (const [k, v] of Object.entries(h)) parts.push(u32(k.length), Buffer.from(k, 'latin1'), u32(v.length), Buffer.from(v, 'latin1'));
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.deflateStarted) {
      this.deflateStarted = true;
      // zlib header: deflate, 32 KiB window, FDICT set, check bits; then the dictionary's Adler-32
      const cmf = 0x78;
      let flg = 0x20;
      flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
      out.push(Buffer.from([cmf, flg]), u32(adler32(SPDY_DICTIONARY)));
    }
    const len = Buffer.alloc(5);
    len[0] = 0; // BFINAL 0, BTYPE 00 (stored), padded to the byte
    len.writeUInt16LE(raw.length, 1);
    len.writeUInt16LE(~raw.length & 0xffff, 3);
    // then an empty stored block, as a sync flush ends: a reader hands out what it has on seeing it
    out.push(len, raw, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(out);
  }

  private control(type: number, flags: number, body: Buffer): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8000 | 3, 0);
    h.writeUInt16BE(type, 2);
    h[4] = flags;
    h.writeUIntBE(body.length, 5, 3);
    this.write(Buffer.concat([h, body]));
  }

  sendData(id: number, data: Buffer, fin: boolean): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id & 0x7fffffff, 0);
    h[4] = fin ? FLAG_FIN : 0;
    h.writeUIntBE(data.length, 5, 3);
    this.write(Buffer.concat([h, data]));
  }

  sendRst(id: number, status: number): void {
    this.control(TYPE.RST_STREAM, 0, Buffer.concat([u32(id), u32(status)]));
  }

  maybeForget(s: SpdyStream): void {
    if (s.localEnded && s.remoteEnded) this.streams.delete(s.id);
  }

  goAway(status = 0): void {
    this.control(TYPE.GOAWAY, 0, Buffer.concat([u32(0), u32(status)]));
    this.close();
  }

  /** The transport is gone: every open stream is reset. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) {
      s.remoteEnded = true;
      s.localEnded = true;
      s.onReset(RST.CANCEL);
    }
    this.streams.clear();
    this.onClose();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
