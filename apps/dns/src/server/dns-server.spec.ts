/**
 * The server shell on loopback, without an apiserver: the kubernetes plugin over a fixture
 * snapshot behind real UDP and TCP sockets. Flags, EDNS0, truncation and TCP, rejected queries.
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
import { answers, decodeReply, query } from '../testing/index.js';
import { startListeners, type DnsListeners } from './dns-listeners.js';
import { requestMetrics } from './request-metrics.js';
import { serveMessage } from './serve-message.js';

const many = Array.from({ length: 60 }, (_, i) => ep(`10.244.${i >> 8}.${(i & 255) + 1}`));
const snap = fixtureSnapshot({
  services: [...FIXTURE_SERVICES, service('big', 'testns', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] })],
  slices: [...FIXTURE_SLICES, slice('big', 'testns', many)],
});
const upstream: Plugin = { name: 'forward', setup: () => async () => messageResponse('forward', reply(Rcode.NXDOMAIN, { recursionAvailable: true })) };
const metrics = dnsMetrics({ version: 'test', defaultMetrics: false });

let srv: DnsListeners;
let addr: string;

function raw(bytes: Uint8Array): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), resolve(undefined)), 300);
    s.on('message', (m) => (clearTimeout(t), s.close(), resolve(m)));
    s.send(bytes, srv.port, '127.0.0.1');
  });
}

beforeAll(async () => {
  const { handler } = assembleChain({ kubernetes: { config: coreDnsConfig(), snapshot: () => snap }, forward: upstream }, { lookup: async () => undefined });
  const rm = requestMetrics(metrics, 'dns://127.0.0.1:0');
  srv = await startListeners('127.0.0.1:0', (w, p, r) => serveMessage({ handler, metrics: rm, log: createLogger('dns', { level: 'error' }) }, w, p, r), createLogger('dns', { level: 'error' }));
  addr = srv.address;
});
afterAll(() => srv?.close());

describe('dns server - answers over the wire', () => {
  it('UDP: AA, RD echoed, no RA, the id and letter case kept', async () => {
    const r = await query(addr, 'SVC1.testns.svc.Cluster.Local', 'A', { id: 777 });
    expect(r).toMatchObject({ id: 777, rcode: 'NOERROR', flag_aa: true, flag_rd: true, flag_ra: false, flag_tc: false });
    expect(answers(r)).toEqual(['SVC1.testns.svc.Cluster.Local 5 A 10.0.0.1']);
  });

  it('TCP answers the same', async () => {
    const r = await query(addr, 'svc1.testns.svc.cluster.local', 'SRV', { tcp: true });
    expect(answers(r)).toEqual(['svc1.testns.svc.cluster.local 5 SRV 0 100 80 svc1.testns.svc.cluster.local']);
    expect(answers(r, 'additionals')).toEqual(['svc1.testns.svc.cluster.local 5 A 10.0.0.1']);
  });

  it('TCP: several queries in one write, each answered on the same connection', async () => {
    const msgs = [1, 2, 3].map((id) => dnsPacket.streamEncode({ type: 'query', id, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }] }));
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
        if (got.length === 3) (c.destroy(), resolve(got));
      });
      c.on('error', reject);
    });
    expect(ids.sort()).toEqual([1, 2, 3]);
  });

  it('NXDOMAIN with the SOA; names outside the zones go to the next plugin', async () => {
    const nx = await query(addr, 'nope.testns.svc.cluster.local', 'A');
    expect(nx).toMatchObject({ rcode: 'NXDOMAIN', flag_aa: true, answers: [] });
    expect(answers(nx, 'authorities')).toEqual(['cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local']);
    expect(await query(addr, 'example.org', 'A')).toMatchObject({ rcode: 'NXDOMAIN', flag_aa: false, flag_ra: true });
  });

  it('a name whose last labels only look like the zone (an escaped dot: `a\\.cluster.local`) goes to the next plugin', async () => {
    // labels "a.cluster" and "local"
    const q = Buffer.from([0, 44, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, ...Buffer.from('a.cluster'), 5, ...Buffer.from('local'), 0, 0, 1, 0, 1]);
    expect(decodeReply((await raw(q))!)).toMatchObject({ id: 44, rcode: 'NXDOMAIN', flag_aa: false, flag_ra: true, authorities: [] });
  });

  it('AXFR is REFUSED', async () => {
    expect(await query(addr, 'cluster.local', 'AXFR', { tcp: true })).toMatchObject({ rcode: 'REFUSED', flag_aa: false });
  });
});

describe('dns server - sizes', () => {
  const BIG = 'big.testns.svc.cluster.local';
  it('without EDNS the answer is cut to 512 bytes with TC; the OPT size raises the limit; TCP carries it all', async () => {
    const small = await query(addr, BIG, 'A');
    expect(small.flag_tc).toBe(true);
    expect(small.bytes).toBeLessThanOrEqual(512);
    expect(small.answers!.length).toBeGreaterThan(20);
    expect(small.answers!.length).toBeLessThan(60);
    const edns = await query(addr, BIG, 'A', { udpSize: 4096 });
    expect([edns.flag_tc, edns.answers!.length]).toEqual([false, 60]);
    // The OPT record says what this server sends at most (1232), not what the client asked for.
    expect(edns.additionals?.[0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232 });
    const tcp = await query(addr, BIG, 'A', { tcp: true });
    expect([tcp.flag_tc, tcp.answers!.length]).toEqual([false, 60]);
  });

  it('an OPT size below 512 counts as 512', async () => {
    const r = await query(addr, BIG, 'A', { udpSize: 100 });
    expect(r.flag_tc).toBe(true);
    expect(r.bytes).toBeGreaterThan(400);
    expect(r.bytes).toBeLessThanOrEqual(512);
  });

  it('SRV for many endpoints over UDP: truncated, answer records kept before additional ones', async () => {
    const r = await query(addr, BIG, 'SRV', { udpSize: 1232 });
    expect(r.flag_tc).toBe(true);
    expect(r.bytes).toBeLessThanOrEqual(1232);
    expect(r.answers!.every((a) => a.type === 'SRV')).toBe(true);
  });
});

describe('dns server - queries it does not take', () => {
  const q = () => Buffer.from(dnsPacket.encode({ type: 'query', id: 99, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }] }));

  it('garbage after a readable header: FORMERR; shorter than a header: nothing', async () => {
    const bad = Buffer.concat([q().subarray(0, 12), Buffer.from([63, 1, 2])]);
    expect(decodeReply((await raw(bad))!)).toMatchObject({ id: 99, rcode: 'FORMERR', flag_qr: true });
    expect(await raw(Buffer.from([1, 2, 3]))).toBeUndefined();
  });

  it('UPDATE and other opcodes: NOTIMP; two questions: FORMERR; a response: dropped', async () => {
    const upd = q();
    upd[2] = 5 << 3;
    expect(decodeReply((await raw(upd))!).rcode).toBe('NOTIMP');
    const two = Buffer.from(dnsPacket.encode({ type: 'query', id: 5, questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] }));
    expect(decodeReply((await raw(two))!).rcode).toBe('FORMERR');
    const resp = q();
    resp[2] = 0x80;
    expect(await raw(resp)).toBeUndefined();
  });

  it('the header is judged before the body: a response is dropped and UPDATE is NOTIMP even when the rest does not read', async () => {
    const bad = (flags: number) => Buffer.concat([q().subarray(0, 2), Buffer.from([flags, 0]), q().subarray(4, 12), Buffer.from([50, 1, 2])]);
    expect(await raw(bad(0x80))).toBeUndefined();
    expect(decodeReply((await raw(bad(5 << 3)))!)).toMatchObject({ id: 99, rcode: 'NOTIMP', opcode: 'UPDATE', questions: [] });
    const long = Buffer.concat([q().subarray(0, 2), Buffer.from([0x80, 0]), q().subarray(4), Buffer.alloc(5000)]);
    expect(await raw(long)).toBeUndefined();
    // NOTIFY: miekg takes it, but this chain has nothing to do with one (see serve-message.ts)
    const notify = q();
    notify[2] = 4 << 3;
    expect(decodeReply((await raw(notify))!).rcode).toBe('NOTIMP');
  });

  it('EDNS version 1: BADVERS in the extended RCODE', async () => {
    const b = Buffer.from(dnsPacket.encode({ type: 'query', id: 6, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] }));
    b[b.length - 5] = 1; // OPT TTL: version byte
    const r = decodeReply((await raw(b))!);
    expect(r.rcode).toBe('NOERROR'); // the low 4 bits are 0
    expect(r.additionals?.[0]).toMatchObject({ type: 'OPT', extendedRcode: 1 });
  });
});

describe('dns server - metrics', () => {
  it('counts requests and responses under CoreDNS names and labels', async () => {
    await query(addr, 'svc1.testns.svc.cluster.local', 'A');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/coredns_dns_requests_total\{server="dns:\/\/127\.0\.0\.1:0",zone="\.",view="",proto="udp",family="1",type="A"\} \d+/);
    expect(text).toMatch(/coredns_dns_requests_total\{server="dns:\/\/127\.0\.0\.1:0",zone="\.",view="",proto="tcp",family="1",type="AXFR"\} 1/);
    expect(text).toMatch(/coredns_dns_responses_total\{server="[^"]+",zone="\.",view="",rcode="NXDOMAIN",plugin="kubernetes"\} \d+/);
    expect(text).toMatch(/coredns_dns_responses_total\{server="[^"]+",zone="\.",view="",rcode="NXDOMAIN",plugin="forward"\} \d+/);
    expect(text).toMatch(/coredns_dns_request_duration_seconds_bucket\{le="0\.00025",server="[^"]+",zone="\.",view="",type="A"\}/);
    expect(text).toMatch(/coredns_dns_requests_total\{server="[^"]+",zone="dropped",view="",proto="udp",family="1",type="other"\} \d+/);
  });
});
