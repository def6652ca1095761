/**
 * Names outside the cluster: forwarded to a fake upstream on loopback, cached (positive and
 * negative, TTL-bounded), over TCP when asked over TCP, SERVFAIL when no upstream answers, loops
 * found. Plus the probes: /health, /ready (SERVFAIL and 503 before the caches synced), lame duck.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { eventually, freePort } from '@minimesh/runtime/testing';
import { answers, query, startFakeUpstream, startTestDns, type FakeUpstream , type DnsApp } from '@minimesh/dns/testing';

let t: TestApiServer;
let up: FakeUpstream;
let dns: DnsApp;

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
};

beforeAll(async () => {
  t = await startTestApiServer();
  const big = Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`);
  up = await startFakeUpstream({ 'www.example.org': ['192.0.2.10', '192.0.2.11'], 'cached.example.org': ['192.0.2.12'], 'big.example.org': big });
  dns = await startTestDns(t.server.address, { upstreams: up.address });
  await dns.source.waitForSync();
});

afterAll(async () => {
  await dns?.stop(0);
  await up?.close();
  await t?.stop();
});

describe('forwarding', () => {
  it('forwards names outside the zones and returns the upstream\'s answer as it is', async () => {
    const r = await query(dns.address, 'www.example.org', 'A', { id: 4321 });
    expect(r).toMatchObject({ id: 4321, rcode: 'NOERROR', flag_ra: true, flag_aa: false });
    expect(answers(r)).toEqual(['www.example.org 60 A 192.0.2.10', 'www.example.org 60 A 192.0.2.11']);
    expect(up.received).toContain('www.example.org A');
  });

  it('caches the answer: the upstream is asked once, the TTL counts down, the question keeps the client\'s case', async () => {
    const before = up.received.length;
    await query(dns.address, 'cached.example.org', 'A');
    await new Promise((r) => setTimeout(r, 1100));
    const again = await query(dns.address, 'CACHED.example.ORG', 'A');
    expect(up.received.length).toBe(before + 1);
    expect(again.questions?.[0]?.name).toBe('CACHED.example.ORG');
    // Owner names are the upstream's bytes: pointers to the question (what real servers send) take its case.
    expect(answers(again)).toEqual(['cached.example.org 29 A 192.0.2.12']);
    const m = await dns.metrics.registry.metrics();
    expect(m).toMatch(/coredns_cache_hits_total\{server="[^"]+",type="success",zones="\.",view=""\} [1-9]/);
    expect(m).toMatch(/coredns_cache_entries\{server="[^"]+",type="success",zones="\.",view=""\} [1-9]/);
  });

  it('a cached answer given again pre-encoded still counts down, and counts as a cache hit and a request', async () => {
    up.records.set('again.example.org', ['192.0.2.13']);
    const count = async (re: RegExp) => Number(re.exec(await dns.metrics.registry.metrics())?.[1] ?? 0);
    const hits = () => count(/coredns_cache_hits_total\{server="[^"]+",type="success",zones="\.",view=""\} (\d+)/);
    const requests = () => count(/coredns_dns_requests_total\{server="[^"]+",zone="\.",view="",proto="udp",family="1",type="A"\} (\d+)/);
    await query(dns.address, 'again.example.org', 'A'); // forwarded, cached
    const [hits0, requests0] = [await hits(), await requests()];
    const ttls = async () => (await query(dns.address, 'again.example.org', 'A')).answers?.map((a) => (a as { ttl?: number }).ttl);
    expect([await ttls(), await ttls(), await ttls()]).toEqual([[30], [30], [30]]); // the cache's (at most 30 s), then pre-encoded
    expect([(await hits()) - hits0, (await requests()) - requests0]).toEqual([3, 3]);
    await new Promise((r) => setTimeout(r, 1100));
    expect([await ttls(), await ttls()]).toEqual([[29], [29]]);
  });

  it('caches NXDOMAIN for the SOA\'s TTL (clamped to [5, 30])', async () => {
    const before = up.received.length;
    expect((await query(dns.address, 'missing.example.org', 'A')).rcode).toBe('NXDOMAIN');
    const again = await query(dns.address, 'missing.example.org', 'A');
    expect(again.rcode).toBe('NXDOMAIN');
    expect(answers(again, 'authorities')[0]).toMatch(/^example 10 SOA /);
    expect(up.received.length).toBe(before + 1);
    const m = await dns.metrics.registry.metrics();
    expect(m).toMatch(/coredns_cache_hits_total\{server="[^"]+",type="denial",zones="\.",view=""\} [1-9]/);
  });

  it('an upstream answer larger than the client can take: TC and the question alone; TCP gets it all', async () => {
    const udp = await query(dns.address, 'big.example.org', 'A');
    expect([udp.flag_tc, udp.answers?.length, udp.questions?.[0]?.name]).toEqual([true, 0, 'big.example.org']);
    // 60 uncompressed A records weigh ~1.9 KB: over UDP never more than 1232 bytes, whatever the client says.
    const asked4096 = await query(dns.address, 'big.example.org', 'A', { udpSize: 4096 });
    expect([asked4096.flag_tc, asked4096.bytes <= 1232]).toEqual([true, true]);
    expect((await query(dns.address, 'big.example.org', 'A', { tcp: true })).answers).toHaveLength(60);
  });

  it('a TCP query is forwarded over TCP', async () => {
    const r = await query(dns.address, 'tcp-only.example.org', 'A', { tcp: true });
    expect(r.rcode).toBe('NXDOMAIN');
    expect(up.received).toContain('tcp-only.example.org A');
  });

  it('forward metrics carry the upstream and the rcode', async () => {
    const m = await dns.metrics.registry.metrics();
    expect(m).toContain(`coredns_forward_requests_total{to="${up.address}"}`);
    expect(m).toContain(`coredns_forward_responses_total{rcode="NXDOMAIN",to="${up.address}"}`);
    expect(m).toMatch(new RegExp(`coredns_forward_request_duration_seconds_count\\{to="${up.address.replace(/\./g, '\\.')}",rcode="NOERROR"\\} [1-9]`));
    expect(m).toMatch(/coredns_plugin_enabled\{server="dns:\/\/127\.0\.0\.1:\d+",zone="\.",view="",name="forward"\} 1/);
  });

  it('reverse names the cluster does not know fall through to the upstream', async () => {
    const before = up.received.length;
    expect((await query(dns.address, '1.2.0.192.in-addr.arpa', 'PTR')).rcode).toBe('NXDOMAIN');
    expect(up.received.slice(before)).toEqual(['1.2.0.192.in-addr.arpa PTR']);
  });
});

describe('forwarding - failures and loops', () => {
  it('SERVFAIL when no upstream answers', async () => {
    const lone = await startTestDns(t.server.address, { 'forward-timeout': 0.2, 'cache-size': 0 });
    try {
      expect((await query(lone.address, 'www.example.org', 'A')).rcode).toBe('SERVFAIL');
    } finally {
      await lone.stop(0);
    }
  });

  it('an upstream that is this server: the query coming back from our own socket is a loop', async () => {
    const port = await freePort();
    const loops: string[] = [];
    const self = await startTestDns(t.server.address, { listen: `127.0.0.1:${port}`, upstreams: `127.0.0.1:${port}`, 'loop-detect': true }, (m) => loops.push(m));
    try {
      await eventually(() => loops.length > 0, 5000);
      expect(loops[0]).toMatch(/^Loop \(127\.0\.0\.1:\d+ -> dns:\/\/127\.0\.0\.1:\d+\) detected for zone "\."/);
    } finally {
      await self.stop(0);
    }
  });

  it('an upstream that forwards back to us: the HINFO probe is seen a third time', async () => {
    const relay = await startFakeUpstream();
    const loops: string[] = [];
    const port = await freePort();
    relay.relayTo = `127.0.0.1:${port}`;
    const looped = await startTestDns(t.server.address, { listen: `127.0.0.1:${port}`, upstreams: relay.address, 'loop-detect': true, 'cache-size': 0 }, (m) => loops.push(m));
    try {
      await eventually(() => loops.length > 0, 5000);
      expect(loops[0]).toContain(`Query: "HINFO ${looped.loop!.probeName}"`);
    } finally {
      await looped.stop(0);
      await relay.close();
    }
  });

  it('no loop: the probe reaches the upstream once and nothing is reported', async () => {
    const loops: string[] = [];
    const fine = await startTestDns(t.server.address, { upstreams: up.address, 'loop-detect': true }, (m) => loops.push(m));
    try {
      await eventually(() => up.received.some((r) => r === `${fine.loop!.probeName.slice(0, -1)} HINFO`), 3000);
      await new Promise((r) => setTimeout(r, 300));
      expect(loops).toEqual([]);
    } finally {
      await fine.stop(0);
    }
  });
});

describe('probes and lifecycle', () => {
  it('/health OK, /ready OK once synced, /metrics with CoreDNS names', async () => {
    expect(await get(`http://${dns.probes.health}/health`)).toEqual({ status: 200, body: 'OK' });
    expect(await get(`http://${dns.probes.ready}/ready`)).toEqual({ status: 200, body: 'OK' });
    const m = await get(`http://${dns.probes.metrics}/metrics`);
    expect(m.body).toContain('coredns_dns_requests_total');
    expect(m.body).toContain('coredns_build_info{version="0.1.0"');
  });

  it('before the caches synced: cluster name errors are SERVFAIL and /ready is 503', async () => {
    const nowhere = await freePort();
    const early = await startTestDns(`127.0.0.1:${nowhere}`);
    try {
      const r = await query(early.address, 'svc.study.svc.cluster.local', 'A');
      expect(r).toMatchObject({ rcode: 'SERVFAIL', flag_aa: true });
      expect(r.authorities?.[0]?.type).toBe('SOA');
      expect(await get(`http://${early.probes.ready}/ready`)).toEqual({ status: 503, body: 'kubernetes' });
      expect((await get(`http://${early.probes.health}/health`)).status).toBe(200);
    } finally {
      await early.stop(0);
    }
  });

  it('lame duck: still answering and /health OK, /ready 503, then closed', async () => {
    const duck = await startTestDns(t.server.address);
    await duck.source.waitForSync();
    const stopped = duck.stop(0.6);
    await new Promise((r) => setTimeout(r, 100));
    expect((await get(`http://${duck.probes.ready}/ready`)).status).toBe(503);
    expect((await get(`http://${duck.probes.health}/health`)).status).toBe(200);
    expect((await query(duck.address, 'dns-version.cluster.local', 'TXT')).rcode).toBe('NOERROR');
    await stopped;
    await expect(query(duck.address, 'dns-version.cluster.local', 'TXT', { timeoutMs: 300 })).rejects.toThrow('no UDP reply');
  });
});
