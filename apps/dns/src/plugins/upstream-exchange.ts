/**
 * Sends a query to an upstream server and waits for its reply: over UDP from one shared socket
 * per address family (replies matched on id, source and question), or over TCP with one
 * connection per query (length-prefixed, RFC 1035 §4.2.2).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { canonicalIP } from '@minimesh/dns-core';
import { HEADER_SIZE } from '../wire/query-decoder.js';
import { skipName } from '../wire/wire-names.js';
import { setId } from '../wire/wire-scan.js';

export interface Upstream {
  host: string;
  port: number;
  family: 4 | 6;
  /** `host:port` (`[v6]:port`), the `to` label of the forward metrics. */
  label: string;
}

export class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** `10.0.0.1`, `10.0.0.1:5353`, `::1`, `[::1]:5353`, optionally prefixed `dns://`. */
export function parseUpstream(text: string): Upstream {
  const raw = text.trim().replace(/^dns:\/\//, '');
  let host = raw;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else if (raw.split(':').length === 2) {
    [host, port] = [raw.split(':')[0]!, Number(raw.split(':')[1])];
  }
  const ip = canonicalIP(host);
  if (!ip) throw new UpstreamError(`"${text}" is not an IP address (with an optional port)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UpstreamError(`"${text}" has no valid port`);
  const family = ip.includes(':') ? 6 : 4;
  return { host: ip, port, family, label: family === 6 ? `[${ip}]:${port}` : `${ip}:${port}` };
}

interface Pending {
  upstream: Upstream;
  question: Uint8Array;
  resolve: (wire: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

function sameQuestion(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (lower(a[i]!) !== lower(b[i]!)) return false;
  return true;
}

function questionOf(wire: Uint8Array): Uint8Array {
  return wire.subarray(HEADER_SIZE, skipName(wire, HEADER_SIZE) + 4);
}

export class UpstreamExchange {
  private readonly sockets = new Map<4 | 6, Promise<dgram.Socket>>();
  private readonly ports = new Set<number>();
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  /** Local ports of the UDP sockets queries leave from (a query arriving from one of them has looped). */
  ownPorts(): ReadonlySet<number> {
    return this.ports;
  }

  private socket(family: 4 | 6): Promise<dgram.Socket> {
    let s = this.sockets.get(family);
    if (!s) {
      s = new Promise((resolve, reject) => {
        const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
        sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
        sock.on('error', () => {});
        sock.once('error', reject);
        sock.bind(0, () => {
          this.ports.add(sock.address().port);
          sock.unref();
          resolve(sock);
        });
      });
      this.sockets.set(family, s);
    }
    return s;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < HEADER_SIZE) return;
    const p = this.pending.get(msg.readUInt16BE(0));
    if (!p || rinfo.port !== p.upstream.port || canonicalIP(rinfo.address) !== p.upstream.host) return;
    try {
      if (!sameQuestion(questionOf(msg), p.question)) return;
    } catch {
      return;
    }
    this.pending.delete(msg.readUInt16BE(0));
    clearTimeout(p.timer);
    p.resolve(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
  }

  async udp(upstream: Upstream, query: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) throw new UpstreamError('exchange closed');
    const sock = await this.socket(upstream.family);
    if (this.pending.size >= 0xf000) throw new UpstreamError('too many queries in flight');
    let id: number;
    do id = Math.floor(Math.random() * 0x10000);
    while (this.pending.has(id));
    const out = query.slice();
    setId(out, id);
    const question = questionOf(out);
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new UpstreamError(`timeout after ${timeoutMs} ms waiting for ${upstream.label}`));
      }, timeoutMs);
      this.pending.set(id, { upstream, question, resolve, reject, timer });
      sock.send(out, upstream.port, upstream.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  tcp(upstream: Upstream, query: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: upstream.host, port: upstream.port });
      let buf = Buffer.alloc(0);
      let done = false;
      const finish = (err: Error | undefined, wire?: Uint8Array) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(wire!);
      };
      const timer = setTimeout(() => finish(new UpstreamError(`timeout after ${timeoutMs} ms waiting for ${upstream.label} (tcp)`)), timeoutMs);
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 2) return;
        const n = buf.readUInt16BE(0);
        if (buf.length >= 2 + n) finish(undefined, Uint8Array.from(buf.subarray(2, 2 + n)));
      });
      sock.on('error', (e) => finish(e));
      sock.on('close', () => finish(new UpstreamError(`${upstream.label} closed the connection`)));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new UpstreamError('exchange closed'));
    }
    this.pending.clear();
    for (const s of this.sockets.values()) {
      const sock = await s.catch(() => undefined);
      sock?.close();
    }
    this.sockets.clear();
  }
}
