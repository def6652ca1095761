/**
 * minimesh-dns is no open resolver beyond the acl: UDP answers are capped at 1232 bytes,
 * forwarded queries leave with random IDs from random ports, TCP connections are bounded, and
 * garbage gets FORMERR or silence, never a crash.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_QUERIES, UpstreamExchange, parseUpstream } from '../plugins/upstream-exchange.js';
import { chainServer, query, recordingUpstream, standIn, udpFrom } from '../testing/index.js';
import type { DnsListeners } from './dns-listeners.js';

describe('UDP answers are capped', () => {
  let srv: DnsListeners;
  beforeAll(async () => {
    srv = await chainServer();
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
    const s = await chainServer({ upstream: up.address });
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
    const s = await chainServer({ maxUdpSize: 8192 });
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
    srv = await chainServer({ tcp: { maxConnections: 2, maxPipelined: 4, idleTimeoutMs: 300 } });
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
    const s = await chainServer({ tcp: { maxConnections: 10, maxPipelined: 3, idleTimeoutMs: 2000 } });
    standIn.delayMs = 20;
    standIn.maxInFlight = 0;
    try {
      const msgs = Array.from({ length: 30 }, (_, id) => dnsPacket.streamEncode({ type: 'query', id, questions: [{ name: `n${id}.example.org`, type: 'A' }] }));
      const c = net.connect(s.port, '127.0.0.1', () => c.write(Buffer.concat(msgs))); // one segment: all 30 arrive at once
      const got = await readAnswers(c, 30);
      c.destroy();
      expect(got.map((p) => p.id).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(standIn.maxInFlight).toBe(3);
    } finally {
      standIn.delayMs = 0;
      await s.close();
    }
  });

  it('a message trickling in a byte at a time is cut off after the read timeout, however busy the connection looks', async () => {
    const s = await chainServer({ tcp: { maxConnections: 10, maxPipelined: 10, idleTimeoutMs: 10_000, readTimeoutMs: 300 } });
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
    const s = await chainServer({ tcp: { maxConnections: 10, maxPipelined: 10, idleTimeoutMs: 10_000, readTimeoutMs: 10_000 } });
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
    const s = await chainServer({ upstream: up.address });
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
