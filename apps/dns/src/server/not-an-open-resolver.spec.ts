/**
 * minimesh-dns is no open resolver: the acl keeps forwarding for the cluster's networks, UDP
 * answers are capped at 1232 bytes, forwarded queries leave with random IDs from random ports,
 * TCP connections are bounded, and garbage gets FORMERR or silence, never a crash.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rcode, messageResponse, reply, type Plugin } from '@minimesh/dns-core';
import { FIXTURE_SERVICES, FIXTURE_SLICES, coreDnsConfig, ep, fixtureSnapshot, service, slice } from '@minimesh/dns-core/testing';
import { createLogger } from '@minimesh/runtime';
import { dnsMetrics } from '../metrics.js';
import { assembleChain } from '../plugin-chain.js';
import { AclError, aclPlugin, defaultAcl, parseAcl } from '../plugins/acl-plugin.js';
import { SOCKET_QUERIES, UpstreamExchange, parseUpstream } from '../plugins/upstream-exchange.js';
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
const forward: Plugin = {
  name: 'forward',
  setup: () => async (req) => {
    forwarded.push(req.question.name);
    return messageResponse('forward', reply(Rcode.NOERROR, { recursionAvailable: true, answer: [{ name: req.question.name, type: 'A', ttl: 30, data: '93.184.216.34' }] }));
  },
};

async function server(o: { acl?: Plugin; maxUdpSize?: number; tcp?: TcpLimits } = {}): Promise<DnsListeners> {
  const { handler } = assembleChain({ acl: o.acl, kubernetes: { config: coreDnsConfig(), snapshot: () => snap }, forward }, { lookup: async () => undefined });
  const rm = requestMetrics(dnsMetrics({ version: 'test', defaultMetrics: false }), 'dns://127.0.0.1:0');
  return startListeners('127.0.0.1:0', (w, p, r) => serveMessage({ handler, metrics: rm, log, maxUdpSize: o.maxUdpSize }, w, p, r), log, o.tcp);
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

  it('garbage over UDP gets FORMERR or nothing, and the server answers the next query', async () => {
    const good = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }] });
    const inputs = [Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(12, 0xff), good.subarray(0, 20), Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])])];
    for (const bytes of inputs) {
      const r = await udpFrom('127.0.0.1', srv.port, '', 'A', bytes);
      if (r) expect(['FORMERR', 'NOTIMP', 'REFUSED', undefined]).toContain((r as { rcode?: string }).rcode);
    }
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
});
