/**
 * For tests: minimesh-dns in-process on loopback with free ports, a small DNS client (dns-packet,
 * UDP or TCP), and a fake upstream server on loopback (tests never reach a real resolver).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { createLogger } from '@minimesh/runtime';
import { parseFlags } from '@minimesh/runtime';
import { startDnsApp, type DnsApp } from './dns-app.js';
import { DNS_FLAGS, type DnsOptions } from './options.js';

/** Nothing listens there: forwarding fails fast and stays on this machine. */
export const DEAD_UPSTREAM = '127.0.0.1:1';

export function testOptions(apiAddress: string, overrides: Partial<DnsOptions> = {}): DnsOptions {
  return {
    ...parseFlags(DNS_FLAGS, [], {}).values,
    server: apiAddress,
    listen: '127.0.0.1:0',
    'health-listen': '127.0.0.1:0',
    'ready-listen': '127.0.0.1:0',
    'metrics-listen': '127.0.0.1:0',
    upstreams: DEAD_UPSTREAM,
    'forward-timeout': 0.5,
    'loop-detect': false,
    'register-service': false,
    'local-ips': '127.0.0.1',
    lameduck: 0,
    ...overrides,
  };
}

export async function startTestDns(apiAddress: string, overrides: Partial<DnsOptions> = {}, onLoop?: (m: string) => void): Promise<DnsApp> {
  const level = (process.env.MINIMESH_LOG_LEVEL as 'debug' | undefined) ?? 'error';
  return startDnsApp(testOptions(apiAddress, overrides), { log: createLogger('dns', { level }), onLoop });
}

export interface QueryOptions {
  tcp?: boolean;
  /** Adds an OPT record with this payload size. */
  udpSize?: number;
  id?: number;
  timeoutMs?: number;
}

/** A decoded reply (dns-packet returns the RCODE as text, which its types leave out) and its size. */
export type Reply = dnsPacket.DecodedPacket & { rcode: string; bytes: number };

export function decodeReply(b: Uint8Array): Reply {
  return Object.assign(dnsPacket.decode(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), { bytes: b.length }) as Reply;
}

/** Sends one query to `address` (host:port) and decodes the reply. */
export function query(address: string, name: string, type: string, o: QueryOptions = {}): Promise<Reply> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  const packet = dnsPacket.encode({
    type: 'query',
    id: o.id ?? Math.floor(Math.random() * 0x10000),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as dnsPacket.RecordType }],
    additionals: o.udpSize ? [{ type: 'OPT', name: '.', udpPayloadSize: o.udpSize } as dnsPacket.Answer] : [],
  });
  const timeoutMs = o.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    if (o.tcp) {
      const sock = net.connect({ host, port });
      const timer = setTimeout(() => (sock.destroy(), reject(new Error(`no TCP reply for ${name} ${type}`))), timeoutMs);
      let buf = Buffer.alloc(0);
      sock.on('connect', () => sock.write(dnsPacket.streamEncode(dnsPacket.decode(packet))));
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          clearTimeout(timer);
          sock.destroy();
          resolve(decodeReply(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        }
      });
      sock.on('error', (e) => (clearTimeout(timer), reject(e)));
      return;
    }
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => (sock.close(), reject(new Error(`no UDP reply for ${name} ${type}`))), timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(decodeReply(msg));
    });
    sock.send(packet, port, host);
  });
}

/** `name ttl IN TYPE data` for the answers of a reply, like dig +noall +answer. */
export function answers(r: dnsPacket.Packet, section: 'answers' | 'authorities' | 'additionals' = 'answers'): string[] {
  return (r[section] ?? [])
    .filter((a) => a.type !== 'OPT')
    .map((a) => {
      const x = a as { name: string; ttl?: number; type: string; data: unknown };
      const d = x.data as Record<string, unknown> | string | Buffer[];
      const data =
        x.type === 'SRV'
          ? `${(d as { priority: number }).priority} ${(d as { weight: number }).weight} ${(d as { port: number }).port} ${(d as { target: string }).target}`
          : x.type === 'SOA'
            ? `${(d as { mname: string }).mname} ${(d as { rname: string }).rname}`
            : x.type === 'TXT'
              ? (d as Buffer[]).map((b) => b.toString()).join(' ')
              : String(d);
      return `${x.name} ${x.ttl} ${x.type} ${data}`;
    });
}

export interface FakeUpstream {
  address: string;
  port: number;
  /** Queries received, `name TYPE`, in order. */
  received: string[];
  /** A records it knows: name (no trailing dot, lower-case) → addresses. */
  records: Map<string, string[]>;
  /** When set, queries are relayed there instead of answered (to build loops). */
  relayTo?: string;
  close(): Promise<void>;
}

/** A UDP+TCP DNS server on 127.0.0.1 answering A from `records` (TTL 60) and NXDOMAIN (SOA TTL 10) otherwise. */
export async function startFakeUpstream(records: Record<string, string[]> = {}): Promise<FakeUpstream> {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const up: FakeUpstream = {
    address: `127.0.0.1:${port}`,
    port,
    received: [],
    records: new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v])),
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
  const answer = (msg: Buffer): Buffer => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    up.received.push(`${question?.name} ${question?.type}`);
    const found = question ? up.records.get(question.name.toLowerCase()) : undefined;
    const base = { type: 'response' as const, id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions };
    if (found && question?.type === 'A') {
      return dnsPacket.encode({ ...base, answers: found.map((data) => ({ name: question.name, type: 'A' as const, ttl: 60, data })) });
    }
    const soa = { name: 'example', type: 'SOA' as const, ttl: 10, data: { mname: 'ns.example', rname: 'hostmaster.example', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 10 } };
    return dnsPacket.encode({ ...base, flags: base.flags | (found ? 0 : 3), authorities: [soa] });
  };
  udp.on('message', (msg, rinfo) => {
    if (up.relayTo) {
      const [h, p] = [up.relayTo.slice(0, up.relayTo.lastIndexOf(':')), Number(up.relayTo.slice(up.relayTo.lastIndexOf(':') + 1))];
      const relay = dgram.createSocket('udp4');
      let open = true;
      const done = () => {
        if (open) relay.close();
        open = false;
      };
      relay.on('message', (back) => {
        done();
        udp.send(back, rinfo.port, rinfo.address);
      });
      relay.send(msg, p, h);
      setTimeout(done, 3000).unref();
      up.received.push('relayed');
      return;
    }
    udp.send(answer(msg), rinfo.port, rinfo.address);
  });
  const tcp = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        c.end(Buffer.concat([len, out]));
      }
    });
    c.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  return up;
}
