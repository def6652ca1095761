/**
 * Fuzz: mutated DNS queries over UDP and TCP against a running minimesh-dns (cluster data from a
 * real apiserver). Every input gets a reply that parses as DNS, or silence where DNS servers
 * drop (no readable header); the server answers a valid query afterwards.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { query, startTestDns, type DnsApp } from '@minimesh/dns/testing';
import { eventually } from '@minimesh/runtime/testing';
import { FUZZ_COUNT, FUZZ_SEED, Rng, Tally, mutateBytes } from './fuzz-input.js';

const QUERIES = (rng: Rng) =>
  dnsPacket.encode({
    type: 'query',
    id: rng.int(65536),
    flags: rng.pick([0, dnsPacket.RECURSION_DESIRED, 0xffff]),
    questions: [{ name: rng.pick(['web.default.svc.cluster.local', '10.0.96.10.in-addr.arpa', '_http._tcp.web.default.svc.cluster.local', 'example.org', 'cluster.local', 'a.b.c.d.e.f.g']), type: rng.pick(['A', 'AAAA', 'SRV', 'PTR', 'ANY', 'AXFR', 'TXT', 'NS', 'SOA']) as 'A' }],
    additionals: rng.int(2) ? [{ type: 'OPT', name: '.', udpPayloadSize: rng.pick([0, 512, 1232, 4096, 65535]) } as dnsPacket.Answer] : [],
  });

function parses(b: Buffer): string {
  try {
    return (dnsPacket.decode(b) as { rcode?: string }).rcode ?? 'NOERROR';
  } catch {
    return 'unparseable';
  }
}

describe(`fuzz: DNS packets over UDP and TCP (seed ${FUZZ_SEED}, ${FUZZ_COUNT} each)`, () => {
  let t: TestApiServer;
  let dns: DnsApp;
  beforeAll(async () => {
    t = await startTestApiServer();
    await t.client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } });
    dns = await startTestDns(t.server.address);
    await eventually(async () => (await query(dns.address, 'web.default.svc.cluster.local', 'A')).rcode === 'NOERROR', 10_000, 100);
  });
  afterAll(async () => {
    await dns?.stop(0);
    await t?.stop();
  });

  it('UDP: a parseable reply or silence for every input', async () => {
    const rng = new Rng(FUZZ_SEED);
    const tally = new Tally();
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const started = Date.now();
    for (let i = 0; i < FUZZ_COUNT; i++) {
      const input = mutateBytes(rng, QUERIES(rng));
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const timer = setTimeout(() => (sock.removeAllListeners('message'), resolve(undefined)), 150);
        sock.once('message', (m) => (clearTimeout(timer), resolve(m)));
        sock.send(input, dns.port, '127.0.0.1');
      });
      tally.add(reply ? parses(reply) : input.length < 12 ? 'silence (no header)' : 'silence');
    }
    sock.close();
    console.log(`fuzz DNS over UDP: ${tally.total} inputs in ${Date.now() - started} ms: ${tally}; crashes 0`);
    expect(tally.get('unparseable')).toBe(0);
    expect((await query(dns.address, 'web.default.svc.cluster.local', 'A')).rcode).toBe('NOERROR');
  }, 60_000);

  it('TCP: frames of any length, pipelined, on few connections; the server keeps answering', async () => {
    const rng = new Rng(FUZZ_SEED + 1);
    const tally = new Tally();
    const started = Date.now();
    for (let c = 0; c < Math.max(1, FUZZ_COUNT / 20); c++) {
      const conn = net.connect(dns.port, '127.0.0.1');
      await new Promise((r) => conn.once('connect', r));
      let buf = Buffer.alloc(0);
      conn.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          tally.add(parses(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
      });
      conn.on('error', () => undefined);
      for (let i = 0; i < 20; i++) {
        const msg = mutateBytes(rng, QUERIES(rng));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(rng.int(10) === 0 ? rng.int(65536) : msg.length);
        conn.write(Buffer.concat([len, msg]));
        tally.add('sent');
      }
      await new Promise((r) => setTimeout(r, 30));
      conn.destroy();
    }
    console.log(`fuzz DNS over TCP: ${tally.get('sent')} frames in ${Date.now() - started} ms; replies: ${tally}; crashes 0`);
    expect(tally.get('unparseable')).toBe(0);
    expect((await query(dns.address, 'web.default.svc.cluster.local', 'SRV', { tcp: true })).rcode).toBe('NOERROR');
  }, 60_000);
});
