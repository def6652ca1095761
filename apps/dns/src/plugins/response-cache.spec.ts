import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { scanMessage } from '../wire/wire-scan.js';
import { ResponseCache, classify, type ResponseCacheOptions } from './response-cache.js';
import { UpstreamPool } from './upstream-pool.js';
import { parseUpstream, type UpstreamExchange } from './upstream-exchange.js';
import { dnsMetrics } from '../metrics.js';

const opts: ResponseCacheOptions = { successCapacity: 2, denialCapacity: 2, successMaxTTL: 30, denialMaxTTL: 30, minTTL: 5, servfailTTL: 5 };
const soa = { name: 'example', type: 'SOA' as const, ttl: 10, data: { mname: 'ns', rname: 'h', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 10 } };
const msg = (o: { rcode?: number; answers?: dnsPacket.Answer[]; authorities?: dnsPacket.Answer[]; tc?: boolean }) =>
  Buffer.from(
    dnsPacket.encode({
      type: 'response',
      id: 1,
      flags: (o.rcode ?? 0) | (o.tc ? dnsPacket.TRUNCATED_RESPONSE : 0),
      questions: [{ name: 'x.example', type: 'A' }],
      answers: o.answers ?? [],
      authorities: o.authorities ?? [],
    }),
  );
const a = (ttl: number): dnsPacket.Answer => ({ name: 'x.example', type: 'A', ttl, data: '192.0.2.1' });

describe('response cache', () => {
  it.each([
    ['an answer: success, its smallest TTL', msg({ answers: [a(300), a(20)] }), { kind: 'success', ttl: 20 }],
    ['a long TTL is capped', msg({ answers: [a(3600)] }), { kind: 'success', ttl: 30 }],
    ['a short TTL is raised to the floor', msg({ answers: [a(1)] }), { kind: 'success', ttl: 5 }],
    ['NXDOMAIN: denial, the SOA TTL', msg({ rcode: 3, authorities: [soa] }), { kind: 'denial', ttl: 10 }],
    ['NODATA: denial', msg({ authorities: [soa] }), { kind: 'denial', ttl: 10 }],
    ['no records at all: the fail-safe 5 s', msg({}), { kind: 'denial', ttl: 5 }],
    ['SERVFAIL: denial for servfailTTL', msg({ rcode: 2 }), { kind: 'denial', ttl: 5 }],
    ['a delegation: not cached', msg({ authorities: [{ name: 'example', type: 'NS', ttl: 10, data: 'ns.example' }] }), undefined],
    ['truncated: not cached', msg({ answers: [a(60)], tc: true }), undefined],
    ['REFUSED: not cached', msg({ rcode: 5 }), undefined],
  ])('%s', (_what, wire, want) => {
    expect(classify(scanMessage(wire), opts)).toEqual(want);
  });

  it('serves copies with the remaining TTL and forgets expired entries', () => {
    let now = 1_000_000;
    const c = new ResponseCache({ ...opts, now: () => now });
    const wire = msg({ answers: [a(20)] });
    expect(c.put('k', wire, scanMessage(wire))).toBe('success');
    now += 7_500;
    const hit = c.get('k')!;
    expect(dnsPacket.decode(Buffer.from(hit.wire)).answers?.[0]).toMatchObject({ ttl: 13 });
    expect(hit.until).toBe(1_000_000 + 8_000); // when 13 becomes 12
    now += 13_000;
    expect(c.get('k')).toBeUndefined();
    expect(c.size('success')).toBe(0);
  });

  it('keeps a copy of an upstream Buffer and serves a copy each time (Buffer\'s slice() is a view)', () => {
    const c = new ResponseCache(opts);
    const wire = msg({ answers: [a(20)] });
    c.put('k', wire, scanMessage(wire));
    wire[0] = 0xff; // the socket's buffer, reused
    const first = c.get('k')!.wire;
    first[1] = 0x77; // an id set for one client
    const second = c.get('k')!.wire;
    expect([second[0], second[1]]).toEqual([0, 1]);
    expect([first[0], first[1]]).toEqual([0, 0x77]);
  });

  it('evicts the oldest entry at capacity', () => {
    const evicted: string[] = [];
    const c = new ResponseCache(opts, (k) => evicted.push(k));
    const wire = msg({ answers: [a(20)] });
    for (const k of ['a', 'b', 'c']) c.put(k, wire, scanMessage(wire));
    expect([c.get('a'), c.get('b') !== undefined, c.get('c') !== undefined, evicted]).toEqual([undefined, true, true, ['success']]);
  });
});

describe('upstream pool', () => {
  const ups = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'].map(parseUpstream);
  const pool = (policy: 'sequential' | 'round_robin') =>
    new UpstreamPool({ upstreams: ups, policy, maxFails: 2, healthCheckMs: 60_000, exchange: {} as UpstreamExchange, metrics: dnsMetrics({ version: 't', defaultMetrics: false }).forward });

  it('sequential keeps the order; round_robin rotates; an upstream that failed twice is skipped', () => {
    const s = pool('sequential');
    expect(s.order().map((u) => u.port)).toEqual([1, 2, 3]);
    s.failed(ups[0]!);
    expect(s.order().map((u) => u.port)).toEqual([1, 2, 3]);
    s.failed(ups[0]!);
    expect(s.order().map((u) => u.port)).toEqual([2, 3]);
    s.stop();
    const r = pool('round_robin');
    expect([r.order()[0]!.port, r.order()[0]!.port, r.order()[0]!.port]).toEqual([1, 2, 3]);
  });

  it('every upstream down: one of them is tried anyway', () => {
    const s = pool('sequential');
    for (const u of ups) s.failed(u), s.failed(u);
    expect(s.order()).toHaveLength(1);
    s.stop();
  });
});
