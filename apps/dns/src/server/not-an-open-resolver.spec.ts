/**
 * minimesh-dns is no open resolver: the acl keeps forwarding for the cluster's networks, UDP
 * answers are capped at 1232 bytes, forwarded queries leave with random IDs from random ports,
 * TCP connections are bounded, and garbage gets FORMERR or silence, never a crash.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rcode, messageResponse, reply, type DnsRequest, type Handler, type Plugin } from '@minimesh/dns-core';
import { FIXTURE_SERVICES, FIXTURE_SLICES, coreDnsConfig, ep, fixtureSnapshot, service, slice } from '@minimesh/dns-core/testing';
import { createLogger } from '@minimesh/runtime';
import { answerOf, internalRequest } from '../internal-query.js';
import { dnsMetrics } from '../metrics.js';
import { assembleChain } from '../plugin-chain.js';
import { AclError, accessControl, aclPlugin, defaultAcl, parseAcl } from '../plugins/acl-plugin.js';
import { forwardPlugin } from '../plugins/forward-plugin.js';
import { SOCKET_QUERIES, UpstreamExchange, parseUpstream } from '../plugins/upstream-exchange.js';
import { UpstreamPool } from '../plugins/upstream-pool.js';
import { query } from '../testing/index.js';
import { startListeners, type DnsListeners, type TcpLimits } from './dns-listeners.js';
import { requestMetrics } from './request-metrics.js';
import { serveMessage } from './serve-message.js';

const log = createLogger('dns', { level: 'error' });
const many = Array.from({ length: 60 }, (_, i) => ep(`10.244.0.${i + 1}`));
const snap = fixtureSnapshot({
  services: [...FIXTURE_SERVICES, service('big', 'testns', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] })],
  slices: [...FIXTURE_SLICES, slice('big', 'testns', many)],
});
const forwarded: string[] = [];
/** Stands in for forward: every name has one A record; `delayMs` makes it slow. */
let forwardDelayMs = 0;
let forwardInFlight = 0;
let forwardMaxInFlight = 0;
const forward: Plugin = {
  name: 'forward',
  setup: () => async (req) => {
    forwarded.push(req.question.name);
    forwardMaxInFlight = Math.max(forwardMaxInFlight, ++forwardInFlight);
    if (forwardDelayMs) await new Promise((r) => setTimeout(r, forwardDelayMs));
    forwardInFlight--;
    return messageResponse('forward', reply(Rcode.NOERROR, { recursionAvailable: true, answer: [{ name: req.question.name, type: 'A', ttl: 30, data: '93.184.216.34' }] }));
  },
};

interface ServerOptions {
  acl?: Plugin;
  maxUdpSize?: number;
  tcp?: TcpLimits;
  /** A real forward plugin to this upstream (host:port) instead of the stand-in. */
  upstream?: string;
  forwardFrom?: (r: DnsRequest['remote']) => boolean;
  fallthrough?: string[];
}

/** The server as app.ts assembles it (the chain's own lookups included), on 127.0.0.1. */
async function server(o: ServerOptions = {}): Promise<DnsListeners> {
  const metrics = dnsMetrics({ version: 'test', defaultMetrics: false });
  let exchange: UpstreamExchange | undefined;
  let fwd = forward;
  if (o.upstream) {
    exchange = new UpstreamExchange();
    const pool = new UpstreamPool({ upstreams: [parseUpstream(o.upstream)], policy: 'random', maxFails: 100, healthCheckMs: 1000, exchange, metrics: metrics.forward });
    fwd = forwardPlugin({ pool, exchange, maxConcurrent: 100, readTimeoutMs: 1000, deadlineMs: 2000, forceTcp: false, preferUdp: false, metrics: metrics.forward, log, allowFrom: o.forwardFrom, maxUdpSize: o.maxUdpSize ?? 1232 });
  }
  let head: Handler = async () => messageResponse('', reply(Rcode.SERVFAIL));
  const { handler } = assembleChain(
    { acl: o.acl, kubernetes: { config: coreDnsConfig({ fallthrough: o.fallthrough ?? [] }), snapshot: () => snap }, forward: fwd },
    { lookup: async (name, type, parent) => answerOf(await head(internalRequest(name, type, parent.remote))) },
  );
  head = handler;
  const rm = requestMetrics(metrics, 'dns://127.0.0.1:0');
  const l = await startListeners('127.0.0.1:0', (w, p, r) => serveMessage({ handler, metrics: rm, log, maxUdpSize: o.maxUdpSize }, w, p, r), log, o.tcp);
  return { ...l, close: async () => (await l.close(), await exchange?.close()) };
}

/** One UDP query from `from` (a loopback address other than 127.0.0.1 stands for an outside client). */
function udpFrom(from: string, port: number, name: string, type = 'A', bytes?: Uint8Array): Promise<dnsPacket.Packet | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), resolve(undefined)), 500);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      try {
        resolve(dnsPacket.decode(m));
      } catch {
        resolve({ type: 'response', id: -1 } as dnsPacket.Packet);
      }
    });
    s.bind(0, from, () => s.send(bytes ?? dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }] }), port, '127.0.0.1'));
  });
}

interface Recorded {
  name: string;
  type: string;
  id: number;
  address: string;
  port: number;
  /** The OPT record's payload size, when the query had one. */
  udpSize?: number;
}

/**
 * A UDP upstream on 127.0.0.1 that records every query (and where it came from) and answers it:
 * one A record, or 100 for `big.example.org`, always with an OPT record of 4096 (as a cached
 * answer first asked for by an EDNS0 client has one).
 */
async function recordingUpstream(): Promise<{ address: string; port: number; queries: Recorded[]; sock: dgram.Socket; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const queries: Recorded[] = [];
  sock.on('message', (m, rinfo) => {
    const q = dnsPacket.decode(m);
    const question = q.questions![0]!;
    const opt = q.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    queries.push({ name: question.name, type: question.type, id: q.id!, address: rinfo.address, port: rinfo.port, udpSize: opt?.udpPayloadSize });
    const n = question.name === 'big.example.org' ? 100 : question.type === 'A' ? 1 : 0;
    const answers = Array.from({ length: n }, (_, i) => ({ name: question.name, type: 'A' as const, ttl: 60, data: `192.0.2.${i + 1}` }));
    const additionals = [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer];
    sock.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers, additionals }), rinfo.port, rinfo.address);
  });
  const port = sock.address().port;
  return { address: `127.0.0.1:${port}`, port, queries, sock, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

describe('acl (CoreDNS plugin/acl semantics)', () => {
  let srv: DnsListeners;
  beforeAll(async () => {
    srv = await server({ acl: aclPlugin(defaultAcl(['cluster.local'], ['127.0.0.1/32'])) });
  });
  afterAll(() => srv?.close());

  it('forwards for the cluster networks, REFUSES an outside client, and still answers it the cluster names', async () => {
    forwarded.length = 0;
    expect(await udpFrom('127.0.0.1', srv.port, 'example.org')).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ data: '93.184.216.34' })] });
    expect(await udpFrom('127.0.0.2', srv.port, 'example.org')).toMatchObject({ rcode: 'REFUSED', answers: [] });
    expect(await udpFrom('127.0.0.2', srv.port, 'svc1.testns.svc.cluster.local')).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ data: '10.0.0.1' })] });
    expect(forwarded).toEqual(['example.org.']);
  });

  it('parses CoreDNS rules: first match wins, type and net both must match; block, filter, drop', async () => {
    const policies = parseAcl('example.org { block type AAAA net 127.0.0.2; filter net 127.0.0.3; drop net 127.0.0.4; allow } . { allow }');
    expect(policies.map((p) => [p.zones, p.rules.map((r) => r.action)])).toEqual([
      [['example.org.'], ['block', 'filter', 'drop', 'allow']],
      [['.'], ['allow']],
    ]);
    const s = await server({ acl: aclPlugin(policies) });
    try {
      expect(await udpFrom('127.0.0.2', s.port, 'example.org', 'AAAA')).toMatchObject({ rcode: 'REFUSED' });
      expect(await udpFrom('127.0.0.2', s.port, 'example.org', 'A')).toMatchObject({ rcode: 'NOERROR', answers: [expect.anything()] });
      expect(await udpFrom('127.0.0.3', s.port, 'www.example.org', 'A')).toMatchObject({ rcode: 'NOERROR', answers: [] });
      expect(await udpFrom('127.0.0.4', s.port, 'example.org', 'A')).toBeUndefined();
    } finally {
      await s.close();
    }
    expect(() => parseAcl('permit net 10.0.0.0/8')).toThrow(AclError);
    expect(() => parseAcl('allow net 10.0.0.0/33')).toThrow('"10.0.0.0/33" has no valid prefix length');
    expect(() => parseAcl('allow net nowhere')).toThrow('"nowhere" is not an IP address or CIDR');
  });
});

describe('acl: CoreDNS\'s order and the default policy', () => {
  it('a policy none of whose rules match decides nothing: the next policy for the name is read', async () => {
    const s = await server({ acl: aclPlugin(parseAcl('example.org { block net 127.0.0.2 } . { block net 127.0.0.3 } . { filter net 127.0.0.4 }')) });
    try {
      expect(await udpFrom('127.0.0.2', s.port, 'example.org')).toMatchObject({ rcode: 'REFUSED' });
      expect(await udpFrom('127.0.0.3', s.port, 'www.example.org')).toMatchObject({ rcode: 'REFUSED' });
      expect(await udpFrom('127.0.0.4', s.port, 'example.org')).toMatchObject({ rcode: 'NOERROR', answers: [] });
      expect(await udpFrom('127.0.0.5', s.port, 'example.org')).toMatchObject({ rcode: 'NOERROR', answers: [expect.anything()] });
    } finally {
      await s.close();
    }
  });

  it('an allow ends the reading: later policies do not block what an earlier one allowed', async () => {
    const s = await server({ acl: aclPlugin(parseAcl('example.org { allow net 127.0.0.2 } . { block }')) });
    try {
      expect(await udpFrom('127.0.0.2', s.port, 'example.org')).toMatchObject({ rcode: 'NOERROR', answers: [expect.anything()] });
      expect(await udpFrom('127.0.0.3', s.port, 'example.org')).toMatchObject({ rcode: 'REFUSED' });
    } finally {
      await s.close();
    }
  });

  it('sources: IPv4-mapped addresses match the IPv4 networks, a zone index is ignored, no address at all is blocked', async () => {
    const handler = aclPlugin(defaultAcl(['cluster.local'], ['127.0.0.0/8', 'fe80::/10'])).setup(forward.setup(async () => messageResponse('', reply(Rcode.SERVFAIL)), { lookup: async () => undefined }), { lookup: async () => undefined });
    const ask = async (address: string, name = 'example.org.') =>
      (await handler({ id: 1, opcode: 0, recursionDesired: true, checkingDisabled: false, question: { name, type: 'A', class: 1 }, proto: 'udp', remote: { address, port: 1, family: address.includes(':') ? 6 : 4 }, wire: new Uint8Array(), internal: false })).rcode;
    expect(await ask('::ffff:127.0.0.9')).toBe(Rcode.NOERROR);
    expect(await ask('::ffff:192.0.2.1')).toBe(Rcode.REFUSED);
    expect(await ask('fe80::1%eth0')).toBe(Rcode.NOERROR);
    expect(await ask('')).toBe(Rcode.REFUSED);
    expect(await ask('', 'svc1.testns.svc.cluster.local.')).toBe(Rcode.REFUSED);
  });

  it('the server\'s own probe (loop) passes whatever the policy; its lookups for a client are that client\'s', async () => {
    const { acl } = accessControl({ acl: '', forwardFrom: ['10.0.0.0/8'], zones: ['cluster.local'] });
    const handler = acl.setup(forward.setup(async () => messageResponse('', reply(Rcode.SERVFAIL)), { lookup: async () => undefined }), { lookup: async () => undefined });
    expect((await handler(internalRequest('probe.example.org.', 'HINFO'))).rcode).toBe(Rcode.NOERROR);
    expect((await handler(internalRequest('ext.example.org.', 'A', { address: '192.0.2.1', port: 1, family: 4 }))).rcode).toBe(Rcode.REFUSED);
    expect((await handler(internalRequest('ext.example.org.', 'A', { address: '10.1.2.3', port: 1, family: 4 }))).rcode).toBe(Rcode.NOERROR);
  });

  it('parses CoreDNS\'s rule grammar strictly', () => {
    expect(parseAcl('block type * net *')[0]!.rules[0]).toEqual({ action: 'block', types: [], nets: ['*'] });
    expect(parseAcl('block type type1 aaaa TYPE65')[0]!.rules[0]!.types).toEqual(['A', 'AAAA', 'HTTPS']);
    expect(parseAcl('a.test b.test {\n allow net 10.0.0.0/8\n block\n}')).toEqual([{ zones: ['a.test.', 'b.test.'], rules: [{ action: 'allow', types: [], nets: ['10.0.0.0/8'] }, { action: 'block', types: [], nets: [] }] }]);
    expect(() => parseAcl('allow net')).toThrow('no net given'); // would otherwise allow every source
    expect(() => parseAcl('block type')).toThrow('no type given');
    expect(() => parseAcl('block type BOGUS')).toThrow('"BOGUS" is not a query type');
    expect(() => parseAcl('block net 10.0.0.0/8 net 10.1.0.0/16')).toThrow('"net" given twice');
    expect(() => parseAcl('x { allow } stray')).toThrow('outside a { } block');
  });

  it('default policy: an outside client gets cluster names, ExternalName CNAMEs without the forwarded target, and REFUSED for every name that would be forwarded', async () => {
    forwarded.length = 0;
    const decisions: string[] = [];
    const { acl } = accessControl({ acl: '', forwardFrom: ['127.0.0.1/32'], zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], onDecision: (a, z) => decisions.push(z ? `${a} ${z}` : a) });
    const s = await server({ acl });
    try {
      const inside = await udpFrom('127.0.0.1', s.port, 'external.testns.svc.cluster.local');
      expect(inside?.answers?.map((a) => a.type)).toEqual(['CNAME', 'A']);
      const outside = await udpFrom('127.0.0.2', s.port, 'external.testns.svc.cluster.local');
      expect(outside).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ type: 'CNAME', data: 'ext.interwebs.test' })] });
      expect(outside?.answers).toHaveLength(1);
      expect(await udpFrom('127.0.0.2', s.port, 'ext.interwebs.test')).toMatchObject({ rcode: 'REFUSED' });
      expect(forwarded).toEqual(['ext.interwebs.test.']);
      // What the metrics count (coredns_acl_*): the internal lookup of the target is checked too.
      expect(decisions).toEqual(['allow', 'allow', 'allow', 'block .', 'block .']);
    } finally {
      await s.close();
    }
  });

  it('default policy: a reverse name that falls through to forward is REFUSED for an outside client, answered for the cluster', async () => {
    const up = await recordingUpstream();
    const access = accessControl({ acl: '', forwardFrom: ['127.0.0.1/32'], zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'] });
    const s = await server({ acl: access.acl, forwardFrom: access.forwardFrom, upstream: up.address, fallthrough: ['in-addr.arpa', 'ip6.arpa'] });
    try {
      // A cluster address: answered from the cluster for anyone.
      expect(await udpFrom('127.0.0.2', s.port, '1.0.0.10.in-addr.arpa', 'PTR')).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ data: 'svc1.testns.svc.cluster.local' })] });
      // Any other address falls through to forward: only for the cluster's networks.
      expect(await udpFrom('127.0.0.2', s.port, '4.3.2.1.in-addr.arpa', 'PTR')).toMatchObject({ rcode: 'REFUSED' });
      expect(up.queries).toEqual([]);
      expect(await udpFrom('127.0.0.1', s.port, '4.3.2.1.in-addr.arpa', 'PTR')).toMatchObject({ rcode: 'NOERROR' });
      expect(up.queries.map((q) => q.name)).toEqual(['4.3.2.1.in-addr.arpa']);
    } finally {
      await s.close();
      await up.close();
    }
  });
});

describe('UDP answers are capped', () => {
  let srv: DnsListeners;
  beforeAll(async () => {
    srv = await server();
  });
  afterAll(() => srv?.close());

  it('at 1232 bytes whatever the client advertises; TCP carries the whole answer', async () => {
    const r = await query(srv.address, 'big.testns.svc.cluster.local', 'SRV', { udpSize: 65000 });
    expect(r.flag_tc).toBe(true);
    expect(r.bytes).toBeLessThanOrEqual(1232);
    const tcp = await query(srv.address, 'big.testns.svc.cluster.local', 'SRV', { tcp: true });
    expect([tcp.flag_tc, tcp.answers!.length]).toEqual([false, 60]);
  });

  it('the OPT record advertises min(client\'s size, 1232) (CoreDNS with bufsize 1232)', async () => {
    const opt = async (udpSize: number) => (await query(srv.address, 'svc1.testns.svc.cluster.local', 'A', { udpSize })).additionals?.find((a) => a.type === 'OPT');
    expect(await opt(800)).toMatchObject({ udpPayloadSize: 800 });
    expect(await opt(4096)).toMatchObject({ udpPayloadSize: 1232 });
    expect(await opt(100)).toMatchObject({ udpPayloadSize: 512 });
  });

  it('without EDNS0 at 512 bytes', async () => {
    const r = await query(srv.address, 'big.testns.svc.cluster.local', 'A');
    expect(r.flag_tc).toBe(true);
    expect(r.bytes).toBeLessThanOrEqual(512);
  });

  it('forwarded: upstream is asked for at most 1232 bytes; its answer carries this server\'s OPT, none for a client without EDNS0, and goes out truncated when over the limit', async () => {
    const up = await recordingUpstream();
    const s = await server({ upstream: up.address });
    try {
      const small = await query(s.address, 'www.example.org', 'A', { udpSize: 4096 });
      expect(small).toMatchObject({ rcode: 'NOERROR', flag_tc: false, answers: [expect.objectContaining({ data: '192.0.2.1' })] });
      expect(small.additionals?.find((a) => a.type === 'OPT')).toMatchObject({ udpPayloadSize: 1232 });
      expect(up.queries[0]).toMatchObject({ name: 'www.example.org', udpSize: 1232 });
      const plain = await query(s.address, 'www.example.org', 'A');
      expect([plain.answers?.length, plain.additionals?.length]).toEqual([1, 0]);
      const big = await query(s.address, 'big.example.org', 'A', { udpSize: 4096 });
      expect(big.flag_tc).toBe(true);
      expect(big.bytes).toBeLessThanOrEqual(1232);
      expect(big.additionals?.find((a) => a.type === 'OPT')).toMatchObject({ udpPayloadSize: 1232 });
    } finally {
      await s.close();
      await up.close();
    }
  });

  it('up to the configured size when raised', async () => {
    const s = await server({ maxUdpSize: 8192 });
    try {
      const r = await query(s.address, 'big.testns.svc.cluster.local', 'SRV', { udpSize: 65000 });
      expect(r.flag_tc).toBe(false);
      expect(r.bytes).toBeGreaterThan(1232);
    } finally {
      await s.close();
    }
  });
});

describe('TCP limits and garbage', () => {
  let srv: DnsListeners;
  beforeAll(async () => {
    srv = await server({ tcp: { maxConnections: 2, maxPipelined: 4, idleTimeoutMs: 300 } });
  });
  afterAll(() => srv?.close());

  const openConn = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect(srv.port, '127.0.0.1', () => resolve(c));
      c.on('error', reject);
    });
  const closed = (c: net.Socket) => new Promise<void>((resolve) => (c.destroyed ? resolve() : c.once('close', () => resolve())));

  it('closes connections beyond the limit, idle ones, and one that sends a zero-length frame', async () => {
    const [a, b] = [await openConn(), await openConn()];
    const c = await openConn();
    await closed(c); // the third is over the limit
    await Promise.all([closed(a), closed(b)]); // idle for 300 ms
    const z = await openConn();
    z.write(Buffer.from([0, 0]));
    await closed(z);
    expect((await query(srv.address, 'svc1.testns.svc.cluster.local', 'A', { tcp: true })).rcode).toBe('NOERROR');
  });

  it('answers many pipelined queries on one connection, a few at a time', async () => {
    const msgs = Array.from({ length: 40 }, (_, id) => dnsPacket.streamEncode({ type: 'query', id, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }] }));
    const ids = await new Promise<number[]>((resolve, reject) => {
      const c = net.connect(srv.port, '127.0.0.1', () => c.write(Buffer.concat(msgs)));
      let buf = Buffer.alloc(0);
      const got: number[] = [];
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          got.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))).id!);
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (got.length === 40) (c.destroy(), resolve(got));
      });
      c.on('error', reject);
    });
    expect(ids.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  /** Frames answered on one connection, as ids; resolves once `n` arrived. */
  const readAnswers = (c: net.Socket, n: number) =>
    new Promise<dnsPacket.Packet[]>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const got: dnsPacket.Packet[] = [];
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          got.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (got.length >= n) resolve(got);
      });
      c.on('error', reject);
      c.on('close', () => resolve(got));
    });

  it('queries sent in one burst are served at most max-tcp-queries at a time, all of them in the end', async () => {
    const s = await server({ tcp: { maxConnections: 10, maxPipelined: 3, idleTimeoutMs: 2000 } });
    forwardDelayMs = 20;
    forwardMaxInFlight = 0;
    try {
      const msgs = Array.from({ length: 30 }, (_, id) => dnsPacket.streamEncode({ type: 'query', id, questions: [{ name: `n${id}.example.org`, type: 'A' }] }));
      const c = net.connect(s.port, '127.0.0.1', () => c.write(Buffer.concat(msgs))); // one segment: all 30 arrive at once
      const got = await readAnswers(c, 30);
      c.destroy();
      expect(got.map((p) => p.id).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(forwardMaxInFlight).toBe(3);
    } finally {
      forwardDelayMs = 0;
      await s.close();
    }
  });

  it('a message trickling in a byte at a time is cut off after the read timeout, however busy the connection looks', async () => {
    const s = await server({ tcp: { maxConnections: 10, maxPipelined: 10, idleTimeoutMs: 10_000, readTimeoutMs: 300 } });
    try {
      const frame = dnsPacket.streamEncode({ type: 'query', id: 1, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }] });
      const c = await new Promise<net.Socket>((resolve) => {
        const x = net.connect(s.port, '127.0.0.1', () => resolve(x));
      });
      c.on('error', () => {});
      const started = Date.now();
      let i = 0;
      const drip = setInterval(() => !c.destroyed && i < frame.length - 1 && c.write(frame.subarray(i, ++i)), 50);
      await closed(c);
      clearInterval(drip);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(i).toBeLessThan(frame.length - 1);
    } finally {
      await s.close();
    }
  });

  it('a length prefix over the largest query closes the connection at once, before the message is read', async () => {
    const s = await server({ tcp: { maxConnections: 10, maxPipelined: 10, idleTimeoutMs: 10_000, readTimeoutMs: 10_000 } });
    try {
      const c = await new Promise<net.Socket>((resolve) => {
        const x = net.connect(s.port, '127.0.0.1', () => resolve(x));
      });
      const started = Date.now();
      c.write(Buffer.from([0x20, 0x00, 1, 2, 3])); // 8192 bytes announced
      await closed(c);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await s.close();
    }
  });

  it('garbage over TCP gets FORMERR or nothing; a client that half-closes still gets its answers', async () => {
    const c = await openConn();
    const answers = readAnswers(c, 2);
    const good = dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }] });
    c.end(Buffer.concat([Buffer.from([0, 12]), Buffer.alloc(12, 0xff), good]));
    const got = await answers;
    expect(got.find((p) => p.id === 7)).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ data: '10.0.0.1' })] });
    expect(got.filter((p) => p.id !== 7).every((p) => (p as { rcode?: string }).rcode === 'FORMERR' || (p as { rcode?: string }).rcode === 'NOTIMP')).toBe(true);
  });

  it('garbage over UDP gets FORMERR or nothing, and the server answers the next query', async () => {
    const good = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }] });
    // empty, short of a header, a header of ones, a cut question, a name pointing at itself, a
    // query padded past the largest taken (5000 bytes)
    const oversized = Buffer.concat([good, Buffer.alloc(5000 - good.length)]);
    const inputs = [Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(12, 0xff), good.subarray(0, 20), Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), oversized];
    for (const bytes of inputs) {
      const r = await udpFrom('127.0.0.1', srv.port, '', 'A', bytes);
      if (r) expect(['FORMERR', 'NOTIMP', 'REFUSED', undefined]).toContain((r as { rcode?: string }).rcode);
    }
    expect(await udpFrom('127.0.0.1', srv.port, '', 'A', oversized)).toMatchObject({ id: 9, rcode: 'FORMERR' });
    expect((await query(srv.address, 'svc1.testns.svc.cluster.local', 'A')).rcode).toBe('NOERROR');
  });
});

describe('forwarding resists spoofing', () => {
  it('sends each query with a random ID from one of several random ports, and takes replies only from the upstream', async () => {
    const seen: Array<{ id: number; port: number }> = [];
    const up = dgram.createSocket('udp4');
    await new Promise<void>((r) => up.bind(0, '127.0.0.1', () => r()));
    up.on('message', (m, rinfo) => {
      const q = dnsPacket.decode(m);
      seen.push({ id: q.id!, port: rinfo.port });
      up.send(dnsPacket.encode({ type: 'response', id: q.id, questions: q.questions, answers: [] }), rinfo.port, rinfo.address);
    });
    const exchange = new UpstreamExchange();
    const upstream = parseUpstream(`127.0.0.1:${up.address().port}`);
    try {
      const q = (i: number) => dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: `n${i}.example.org`, type: 'A' }] });
      for (let i = 0; i < 64; i++) await exchange.udp(upstream, q(i), 1000);
      expect(new Set(seen.map((s) => s.id)).size).toBeGreaterThan(60); // not the client's id 1, not a counter
      expect(seen.map((s) => s.id).every((id, i, all) => i === 0 || id !== all[i - 1]! + 1)).toBe(true);
      expect(new Set(seen.map((s) => s.port)).size).toBeGreaterThan(2);
      expect(SOCKET_QUERIES).toBeGreaterThan(0);
      // A reply from another port (an off-path attacker guessing) is ignored: the query times out.
      const liar = dgram.createSocket('udp4');
      await new Promise<void>((r) => liar.bind(0, '127.0.0.1', () => r()));
      up.removeAllListeners('message');
      up.on('message', (m, rinfo) => {
        const d = dnsPacket.decode(m);
        liar.send(dnsPacket.encode({ type: 'response', id: d.id, questions: d.questions, answers: [{ name: 'x', type: 'A', data: '6.6.6.6' }] }), rinfo.port, rinfo.address);
      });
      await expect(exchange.udp(upstream, q(99), 300)).rejects.toThrow('timeout');
      liar.close();
    } finally {
      await exchange.close();
      up.close();
    }
  });

  it('ignores a reply from another address, with another ID or for another question, and takes the right one', async () => {
    const up = await recordingUpstream();
    up.sock.removeAllListeners('message');
    // Another address with the upstream's port: an off-path attacker spoofing the upstream badly.
    const liar = dgram.createSocket('udp4');
    await new Promise<void>((r) => liar.bind(up.port, '127.0.0.2', () => r()));
    const exchange = new UpstreamExchange();
    const upstream = parseUpstream(up.address);
    const reply = (id: number, name: string, data: string) => dnsPacket.encode({ type: 'response', id, questions: [{ name, type: 'A' }], answers: [{ name, type: 'A', ttl: 5, data }] });
    up.sock.on('message', (m, rinfo) => {
      const q = dnsPacket.decode(m);
      liar.send(reply(q.id!, 'www.example.org', '6.6.6.1'), rinfo.port, rinfo.address);
      up.sock.send(reply((q.id! + 1) & 0xffff, 'www.example.org', '6.6.6.2'), rinfo.port, rinfo.address);
      up.sock.send(reply(q.id!, 'evil.example.org', '6.6.6.3'), rinfo.port, rinfo.address);
      setTimeout(() => up.sock.send(reply(q.id!, 'WWW.example.org', '192.0.2.7'), rinfo.port, rinfo.address), 30);
    });
    try {
      const q = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'www.example.org', type: 'A' }] });
      const got = dnsPacket.decode(Buffer.from(await exchange.udp(upstream, q, 1000)));
      expect(got.answers).toEqual([expect.objectContaining({ data: '192.0.2.7' })]);
    } finally {
      await exchange.close();
      liar.close();
      await up.close();
    }
  });

  it('through the server: the same client query forwarded twice leaves with two random IDs, not the client\'s', async () => {
    const up = await recordingUpstream();
    const s = await server({ upstream: up.address });
    try {
      for (const name of ['a.example.org', 'b.example.org', 'c.example.org', 'd.example.org']) expect((await query(s.address, name, 'A', { id: 4242 })).id).toBe(4242);
      expect(up.queries.map((q) => q.id)).not.toContain(4242);
      expect(new Set(up.queries.map((q) => q.id)).size).toBe(4);
      expect(up.queries.every((q) => q.address === '127.0.0.1' && q.port !== s.port)).toBe(true);
    } finally {
      await s.close();
      await up.close();
    }
  });
});
