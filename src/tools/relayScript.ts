/**
 * The relay that reaches ports inside a network namespace: a script run there (with nsenter) that
 * listens on a unix socket, and the client side that asks it for a TCP connection. No imports but
 * Node's own, so the rig's kubelet shares it with preflight.
 */
import * as net from 'node:net';

/** Reads "HOST PORT\n", connects, answers "OK\n" or "ERR <code> <message>\n", then pipes both ways. */
export const RELAY_JS = `
const net = require('net');
const fs = require('fs');
const path = process.argv[process.argv.length - 1];
try { fs.unlinkSync(path); } catch {}
const server = net.createServer((client) => {
  let head = Buffer.alloc(0);
  const onData = (d) => {
    head = Buffer.concat([head, d]);
    const nl = head.indexOf(10);
    if (nl < 0) { if (head.length > 256) client.destroy(); return; }
    client.off('data', onData);
    client.pause();
    const [host, port] = head.subarray(0, nl).toString().trim().split(' ');
    const rest = head.subarray(nl + 1);
    const up = net.connect(Number(port), host);
    let connected = false;
    up.once('connect', () => {
      connected = true;
      client.write('OK\\n');
      if (rest.length) up.write(rest);
      client.pipe(up);
      up.pipe(client);
      client.resume();
    });
    up.on('error', (e) => {
      if (connected) { client.destroy(); return; }
      try { client.end('ERR ' + (e.code || 'EIO') + ' ' + e.message + '\\n'); } catch {}
    });
    client.on('error', () => up.destroy());
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  };
  client.on('data', onData);
  client.on('error', () => {});
});
server.listen(path, () => { fs.chmodSync(path, 0o600); process.stdout.write('ready\\n'); });
process.on('SIGTERM', () => process.exit(0));
`;

/** A TCP connection to host:port through the relay at `path`; rejects with the dial's code (ECONNREFUSED, ETIMEDOUT, …). */
export function connectThrough(path: string, host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    let head: Buffer = Buffer.alloc(0);
    const fail = (e: Error) => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(Object.assign(new Error(`dial tcp ${host}:${port}: i/o timeout`), { code: 'ETIMEDOUT' })), timeoutMs);
    const onClose = () => fail(Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' }));
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const nl = head.indexOf(10);
      if (nl < 0) return;
      s.off('data', onData);
      s.pause();
      const line = head.subarray(0, nl).toString();
      const rest = head.subarray(nl + 1);
      if (line === 'OK') {
        clearTimeout(timer);
        s.off('error', fail);
        s.off('close', onClose);
        if (rest.length) s.unshift(rest);
        resolve(s);
      } else {
        const m = /^ERR (\S+) (.*)$/.exec(line);
        fail(Object.assign(new Error(m?.[2] ?? line), { code: m?.[1] ?? 'EIO' }));
      }
    };
    s.on('data', onData);
    s.on('error', fail);
    s.on('close', onClose);
    s.write(`${host} ${port}\n`);
  });
}
