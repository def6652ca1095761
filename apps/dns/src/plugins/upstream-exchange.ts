/**
 * Sends a query to an upstream server and waits for its reply: over UDP, or over TCP with one
 * connection per query (length-prefixed, RFC 1035 §4.2.2).
 *
 * UDP resists off-path spoofing (RFC 5452): every query gets a cryptographically random ID and
 * leaves from one of a pool of sockets on kernel-chosen random ports, picked at random; a socket
 * is replaced by a fresh one (a new random port) after SOCKET_QUERIES queries or SOCKET_LIFETIME_MS.
 * A reply counts only from the upstream's address and port, with the ID and the question asked,
 * on the socket the query left from; any other datagram is ignored and the query keeps waiting.
 *
 * CoreDNS's forward reuses its sockets as well (plugin/pkg/proxy keeps persistent connections in
 * buckets for udp, tcp and tcp-tls, expired after 10 s); here the reuse is bounded by count and
 * age so that the source port keeps changing, and IDs never come from the client or a counter.
 */
import { randomInt } from 'node:crypto';
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

/** Sockets per address family, and how long each serves before a fresh one (a new port) replaces it. */
export const SOCKET_POOL_SIZE = 8;
export const SOCKET_QUERIES = 1000;
export const SOCKET_LIFETIME_MS = 30_000;

/** One forwarding socket and the queries waiting on it. */
class ForwardSocket {
  readonly pending = new Map<number, Pending>();
  used = 0;
  readonly born = Date.now();
  port = 0;
  retired = false;

  constructor(readonly sock: dgram.Socket) {}

  get expired(): boolean {
    return this.used >= SOCKET_QUERIES || Date.now() - this.born >= SOCKET_LIFETIME_MS;
  }
}

export class UpstreamExchange {
  private readonly pools = new Map<4 | 6, Array<Promise<ForwardSocket>>>();
  private readonly live = new Set<ForwardSocket>();
  private readonly ports = new Set<number>();
  private closed = false;

  /** Local ports of the UDP sockets queries leave from (a query arriving from one of them has looped). */
  ownPorts(): ReadonlySet<number> {
    return this.ports;
  }

  /** Queries waiting for a reply, over every socket. */
  get inFlight(): number {
    let n = 0;
    for (const f of this.live) n += f.pending.size;
    return n;
  }

  private open(family: 4 | 6): Promise<ForwardSocket> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      const f = new ForwardSocket(sock);
      sock.on('message', (msg, rinfo) => this.onMessage(f, msg, rinfo));
      sock.on('error', () => {});
      sock.once('error', reject);
      // exclusive: under --workers (node:cluster) a port-0 socket would otherwise be one socket
      // shared by all workers, each reading the others' replies.
      sock.bind({ port: 0, exclusive: true }, () => {
        f.port = sock.address().port;
        sock.unref();
        this.live.add(f);
        this.ports.add(f.port);
        resolve(f);
      });
    });
  }

  /** A random socket of the family's pool; a worn-out one is replaced first (and closed once its queries are done). */
  private async socket(family: 4 | 6): Promise<ForwardSocket> {
    let pool = this.pools.get(family);
    if (!pool) this.pools.set(family, (pool = []));
    const i = randomInt(SOCKET_POOL_SIZE);
    const current = pool[i] as Promise<ForwardSocket> | undefined;
    const f = current ? await current : undefined;
    if (f && !f.expired) return f;
    // Replace it, once: a concurrent caller may have done so while this one waited.
    if (pool[i] === current) {
      if (f) this.retire(f);
      pool[i] = this.open(family);
    }
    return pool[i]!;
  }

  private retire(f: ForwardSocket): void {
    f.retired = true;
    if (f.pending.size === 0) this.discard(f);
  }

  private discard(f: ForwardSocket): void {
    this.live.delete(f);
    this.ports.delete(f.port);
    f.sock.close();
  }

  private onMessage(f: ForwardSocket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < HEADER_SIZE) return;
    const id = msg.readUInt16BE(0);
    const p = f.pending.get(id);
    if (!p || rinfo.port !== p.upstream.port || canonicalIP(rinfo.address) !== p.upstream.host) return;
    try {
      if (!sameQuestion(questionOf(msg), p.question)) return;
    } catch {
      return;
    }
    this.settle(f, id);
    p.resolve(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
  }

  private settle(f: ForwardSocket, id: number): void {
    const p = f.pending.get(id);
    if (p) clearTimeout(p.timer);
    f.pending.delete(id);
    if (f.retired && f.pending.size === 0) this.discard(f);
  }

  async udp(upstream: Upstream, query: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) throw new UpstreamError('exchange closed');
    const f = await this.socket(upstream.family);
    if (f.pending.size >= 0xf000) throw new UpstreamError('too many queries in flight');
    f.used++;
    let id: number;
    do id = randomInt(0x10000);
    while (f.pending.has(id));
    const out = new Uint8Array(query);
    setId(out, id);
    const question = questionOf(out);
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(f, id);
        reject(new UpstreamError(`timeout after ${timeoutMs} ms waiting for ${upstream.label}`));
      }, timeoutMs);
      f.pending.set(id, { upstream, question, resolve, reject, timer });
      f.sock.send(out, upstream.port, upstream.host, (err) => {
        if (!err) return;
        this.settle(f, id);
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
    for (const f of this.live) {
      for (const p of f.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new UpstreamError('exchange closed'));
      }
      f.pending.clear();
      f.sock.close();
    }
    this.live.clear();
    this.ports.clear();
    this.pools.clear();
  }
}
