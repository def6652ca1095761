/**
 * Fuzz: DNS queries over UDP and TCP against a running minimesh-dns (cluster data from a real
 * apiserver): crafted malformed ones (truncated headers, bad label lengths, compression pointer
 * loops, huge counts, EDNS garbage, zero-length, short, oversized and cut TCP frames, hundreds of
 * pipelined queries) and random mutations of valid ones.
 *
 * Every input gets a reply that parses as DNS and carries the query's ID, or no reply where DNS
 * servers drop (no readable header, or a message that is itself a response); over TCP a bad
 * length prefix may close the connection. No plugin chain may throw (coredns_panics_total, the
 * server's error log), and the server answers a valid query over UDP and TCP afterwards.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { query, startTestDns, type DnsApp } from '@minimesh/dns/testing';
import { eventually } from '@minimesh/runtime/testing';
import { FUZZ_COUNT, FUZZ_SEED, Findings, Rng, Tally, announce, mutateBytes, seconds, withErrorLogs } from './fuzz-input.js';

const NAMES = ['web.default.svc.cluster.local', 'WeB.DeFault.SVC.cluster.local', '10.0.96.10.in-addr.arpa', '_http._tcp.web.default.svc.cluster.local', 'example.org', 'cluster.local', 'a.b.c.d.e.f.g', 'kubernetes.default.svc.cluster.local', 'x.default.pod.cluster.local', '.'];
/** How long to wait for a UDP answer: forwarded names fail against a dead upstream within 0.5 s. */
const UDP_WAIT_MS = 1500;

/** DNS wire pieces, for queries dns-packet would refuse to build. */
const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const header = (id: number, flags: number, qd: number, an = 0, ns = 0, ar = 0) => Buffer.concat([u16(id), u16(flags), u16(qd), u16(an), u16(ns), u16(ar)]);
const qname = (name: string) => Buffer.concat([...name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])), Buffer.from([0])]);
const question = (name: string, type = 1, cls = 1) => Buffer.concat([qname(name), u16(type), u16(cls)]);
/** An OPT record: owner, type 41, UDP size, extended rcode/version/flags, then RDATA. */
const opt = (o: { udpSize?: number; version?: number; rdata?: Buffer; owner?: Buffer; rdlength?: number } = {}) =>
  Buffer.concat([o.owner ?? Buffer.from([0]), u16(41), u16(o.udpSize ?? 1232), Buffer.from([0, o.version ?? 0, 0, 0]), u16(o.rdlength ?? o.rdata?.length ?? 0), o.rdata ?? Buffer.alloc(0)]);
const option = (code: number, data: Buffer, length = data.length) => Buffer.concat([u16(code), u16(length), data]);
const RD = 0x0100;
const WEB = 'web.default.svc.cluster.local';

/** Crafted malformed queries, each with a name for the report. */
function craftedQueries(): Array<[string, Buffer]> {
  const q = (_id: number) => question(WEB);
  const long63 = 'a'.repeat(63);
  return [
    ['empty datagram', Buffer.alloc(0)],
    ['1 byte', Buffer.from([0x12])],
    ['11-byte header', header(1, RD, 1).subarray(0, 11)],
    ['header only, qdcount 1', header(2, RD, 1)],
    ['qdcount 0', Buffer.concat([header(3, RD, 0), q(3)])],
    ['qdcount 2, one question', Buffer.concat([header(4, RD, 2), q(4)])],
    ['qdcount 65535', Buffer.concat([header(5, RD, 0xffff), q(5)])],
    ['ancount 65535', Buffer.concat([header(6, RD, 1, 0xffff), q(6)])],
    ['nscount 65535', Buffer.concat([header(7, RD, 1, 0, 0xffff), q(7)])],
    ['arcount 65535', Buffer.concat([header(8, RD, 1, 0, 0, 0xffff), q(8)])],
    ['label length 64', Buffer.concat([header(9, RD, 1), Buffer.from([64]), Buffer.from('a'.repeat(64)), Buffer.from([0]), u16(1), u16(1)])],
    ['label runs past the end', Buffer.concat([header(10, RD, 1), Buffer.from([50]), Buffer.from('abc')])],
    ['name without its terminating zero', Buffer.concat([header(11, RD, 1), Buffer.from([3]), Buffer.from('web')])],
    ['no qtype and qclass', Buffer.concat([header(12, RD, 1), qname(WEB)])],
    ['half a qtype', Buffer.concat([header(13, RD, 1), qname(WEB), Buffer.from([0])])],
    ['compression pointer to itself', Buffer.concat([header(14, RD, 1), Buffer.from([0xc0, 12]), u16(1), u16(1)])],
    ['two compression pointers in a loop', Buffer.concat([header(15, RD, 1), Buffer.from([0xc0, 14, 0xc0, 12]), u16(1), u16(1)])],
    ['label then a pointer back to it (loop)', Buffer.concat([header(16, RD, 1), Buffer.from([1, 0x61, 0xc0, 12]), u16(1), u16(1)])],
    ['compression pointer past the end', Buffer.concat([header(17, RD, 1), Buffer.from([0xff, 0xff]), u16(1), u16(1)])],
    ['compression pointer into the header', Buffer.concat([header(18, RD, 1), Buffer.from([0xc0, 0]), u16(1), u16(1)])],
    ['compression pointer chain of 200', Buffer.concat([header(19, RD, 1), ...Array.from({ length: 200 }, (_, i) => Buffer.from([0xc0, 12 + 2 * (i + 1)])), Buffer.from([0]), u16(1), u16(1)])],
    ['reserved label type 0x40', Buffer.concat([header(20, RD, 1), Buffer.from([0x41, 0x61, 0]), u16(1), u16(1)])],
    ['reserved label type 0x80', Buffer.concat([header(21, RD, 1), Buffer.from([0x81, 0x61, 0]), u16(1), u16(1)])],
    ['name of 5 × 63-byte labels (over 255)', Buffer.concat([header(22, RD, 1), question(Array.from({ length: 5 }, () => long63).join('.'))])],
    ['128 one-byte labels', Buffer.concat([header(23, RD, 1), question(Array.from({ length: 128 }, () => 'a').join('.'))])],
    ['binary label bytes (NUL, dot, 0xff)', Buffer.concat([header(24, RD, 1), Buffer.from([3, 0, 0x2e, 0xff]), qname('default.svc.cluster.local'), u16(1), u16(1)])],
    ['trailing garbage after the question', Buffer.concat([header(25, RD, 1), q(25), Buffer.from('garbage after the question')])],
    ['QR set (a response)', Buffer.concat([header(26, 0x8000 | RD, 1), q(26)])],
    ['opcode 15', Buffer.concat([header(27, (15 << 11) | RD, 1), q(27)])],
    ['opcode NOTIFY', Buffer.concat([header(28, 4 << 11, 1), q(28)])],
    ['opcode UPDATE', Buffer.concat([header(29, 5 << 11, 1), q(29)])],
    ['every flag bit but QR', Buffer.concat([header(30, 0x7fff, 1), q(30)])],
    ['qtype 0, qclass 0', Buffer.concat([header(31, RD, 1), question(WEB, 0, 0)])],
    ['qtype AXFR', Buffer.concat([header(32, RD, 1), question(WEB, 252)])],
    ['qtype IXFR', Buffer.concat([header(33, RD, 1), question(WEB, 251)])],
    ['qtype ANY', Buffer.concat([header(34, RD, 1), question(WEB, 255)])],
    ['qtype 65535', Buffer.concat([header(35, RD, 1), question(WEB, 65535)])],
    ['qclass CH, version.bind TXT', Buffer.concat([header(36, RD, 1), question('version.bind', 16, 3)])],
    ['qclass ANY', Buffer.concat([header(37, RD, 1), question(WEB, 1, 255)])],
    ['root name', Buffer.concat([header(38, RD, 1), question('.', 2)])],
    ['EDNS: option length past its RDATA', Buffer.concat([header(39, RD, 1, 0, 0, 1), q(39), opt({ rdata: option(10, Buffer.alloc(8), 200) })])],
    ['EDNS: RDATA length past the end', Buffer.concat([header(40, RD, 1, 0, 0, 1), q(40), opt({ rdlength: 5000 })])],
    ['EDNS: two OPT records', Buffer.concat([header(41, RD, 1, 0, 0, 2), q(41), opt(), opt()])],
    ['EDNS: version 1', Buffer.concat([header(42, RD, 1, 0, 0, 1), q(42), opt({ version: 1 })])],
    ['EDNS: version 255', Buffer.concat([header(43, RD, 1, 0, 0, 1), q(43), opt({ version: 255 })])],
    ['EDNS: OPT owner not the root', Buffer.concat([header(44, RD, 1, 0, 0, 1), q(44), opt({ owner: qname('evil.example') })])],
    ['EDNS: UDP size 0', Buffer.concat([header(45, RD, 1, 0, 0, 1), q(45), opt({ udpSize: 0 })])],
    ['EDNS: UDP size 65535', Buffer.concat([header(46, RD, 1, 0, 0, 1), q(46), opt({ udpSize: 65535 })])],
    ['EDNS: 100 unknown options', Buffer.concat([header(47, RD, 1, 0, 0, 1), q(47), opt({ rdata: Buffer.concat(Array.from({ length: 100 }, (_, i) => option(65000 + (i % 500), Buffer.from([i & 0xff])))) })])],
    ['EDNS: client subnet with family 99', Buffer.concat([header(48, RD, 1, 0, 0, 1), q(48), opt({ rdata: option(8, Buffer.from([0, 99, 200, 0, 1, 2, 3, 4])) })])],
    ['EDNS: client subnet, prefix 200 of IPv4', Buffer.concat([header(49, RD, 1, 0, 0, 1), q(49), opt({ rdata: option(8, Buffer.from([0, 1, 200, 0, 10, 0, 0, 1])) })])],
    ['EDNS: cookie of 3 bytes', Buffer.concat([header(50, RD, 1, 0, 0, 1), q(50), opt({ rdata: option(10, Buffer.from([1, 2, 3])) })])],
    ['EDNS: cookie of 40 bytes', Buffer.concat([header(51, RD, 1, 0, 0, 1), q(51), opt({ rdata: option(10, Buffer.alloc(40, 7)) })])],
    ['EDNS: padding of 3000 bytes', Buffer.concat([header(52, RD, 1, 0, 0, 1), q(52), opt({ rdata: option(12, Buffer.alloc(3000)) })])],
    ['EDNS: OPT in the answer section', Buffer.concat([header(53, RD, 1, 1, 0, 0), q(53), opt()])],
    ['an answer record in a query', Buffer.concat([header(54, RD, 1, 1), q(54), qname(WEB), u16(1), u16(1), Buffer.from([0, 0, 0, 60]), u16(4), Buffer.from([1, 2, 3, 4])])],
    ['TSIG-looking additional record', Buffer.concat([header(55, RD, 1, 0, 0, 1), q(55), qname('key.'), u16(250), u16(255), Buffer.from([0, 0, 0, 0]), u16(3), Buffer.from([1, 2, 3])])],
    ['4096 bytes: a query then zeros', Buffer.concat([header(56, RD, 1), q(56), Buffer.alloc(4096 - 12 - q(56).length)])],
    ['4097 bytes: a query then zeros', Buffer.concat([header(57, RD, 1), q(57), Buffer.alloc(4097 - 12 - q(57).length)])],
    ['65000 bytes: a query then zeros', Buffer.concat([header(58, RD, 1), q(58), Buffer.alloc(65000 - 12 - q(58).length)])],
  ];
}

/** A valid query, the input of the random mutations. */
function validQuery(rng: Rng): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: rng.int(65536),
    flags: rng.pick([0, dnsPacket.RECURSION_DESIRED, dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED]),
    questions: [{ name: rng.pick(NAMES), type: rng.pick(['A', 'AAAA', 'SRV', 'PTR', 'ANY', 'AXFR', 'TXT', 'NS', 'SOA', 'CNAME']) as 'A' }],
    additionals: rng.int(2) ? [{ type: 'OPT', name: '.', udpPayloadSize: rng.pick([0, 512, 1232, 4096, 65535]), flags: rng.int(2) ? dnsPacket.DNSSEC_OK : 0, options: rng.int(3) ? [] : [{ code: rng.pick([8, 10, 12, 65001]), data: Buffer.alloc(rng.int(20)) }] } as dnsPacket.Answer] : [],
  });
}

/** The rcode of a reply that parses (with the OPT record's upper bits: BADVERS is 16), or undefined. */
function rcodeOf(b: Buffer): string | undefined {
  try {
    const p = dnsPacket.decode(b) as { rcode?: string; additionals?: Array<{ type: string; extendedRcode?: number }> };
    const ext = p.additionals?.find((a) => a.type === 'OPT')?.extendedRcode ?? 0;
    if (ext) return ((ext << 4) | (b[3]! & 0x0f)) === 16 ? 'BADVERS' : `RCODE${(ext << 4) | (b[3]! & 0x0f)}`;
    return p.rcode ?? 'NOERROR';
  } catch {
    return undefined;
  }
}

/** Judges one reply (or its absence) to one query: a label, and a finding when it breaks the rules. */
function judge(input: Buffer, reply: Buffer | undefined): { label: string; finding?: string } {
  if (!reply) {
    if (input.length < 12) return { label: 'no reply (no header)' };
    if (input[2]! & 0x80) return { label: 'no reply (a response, dropped)' };
    return { label: 'no reply', finding: 'no reply to a query with a readable header' };
  }
  const rcode = rcodeOf(reply);
  if (rcode === undefined) return { label: 'unparseable reply', finding: 'a reply that does not parse as DNS' };
  if (input.length >= 2 && reply.readUInt16BE(0) !== input.readUInt16BE(0)) return { label: rcode, finding: `a reply with another ID (${reply.readUInt16BE(0)} for ${input.readUInt16BE(0)})` };
  if (!(reply[2]! & 0x80)) return { label: rcode, finding: 'a reply without the QR bit' };
  return { label: rcode };
}

/** One UDP exchange on a socket of its own (replies cannot be mistaken for another query's). */
function udpExchange(port: number, msg: Buffer, waitMs = UDP_WAIT_MS): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (reply?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), waitMs);
    sock.once('message', (m) => done(m));
    sock.once('error', () => done(undefined)); // e.g. a datagram too big to send
    sock.send(msg, port, '127.0.0.1');
  });
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

interface TcpResult {
  replies: Buffer[];
  closedByServer: boolean;
}

/**
 * Writes `chunks` on one TCP connection (each a write of its own), then waits until `expect`
 * replies came, the server closed, or nothing came for `idleMs`.
 */
async function tcpSession(port: number, chunks: Buffer[], expect: number, idleMs = 400, gapMs = 0): Promise<TcpResult> {
  const conn = net.connect(port, '127.0.0.1');
  const replies: Buffer[] = [];
  let buf = Buffer.alloc(0);
  let closedByServer = false;
  let lastActivity = performance.now();
  conn.on('data', (d: Buffer) => {
    lastActivity = performance.now();
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      buf = buf.subarray(2 + buf.readUInt16BE(0));
    }
  });
  conn.on('error', () => undefined);
  const closed = new Promise<void>((r) => conn.once('close', () => ((closedByServer = true), r())));
  await new Promise<void>((r, j) => (conn.once('connect', () => r()), conn.once('error', j)));
  for (const c of chunks) {
    if (conn.destroyed) break;
    conn.write(c);
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  lastActivity = performance.now();
  while (replies.length < expect && !closedByServer && performance.now() - lastActivity < idleMs) {
    await Promise.race([closed, new Promise((r) => setTimeout(r, 20))]);
  }
  const byServer = closedByServer;
  conn.destroy();
  return { replies, closedByServer: byServer };
}
const frame = (m: Buffer, length = m.length) => Buffer.concat([u16(length), m]);

describe(`fuzz: DNS packets over UDP and TCP (seed ${FUZZ_SEED}, ${FUZZ_COUNT} each)`, () => {
  let t: TestApiServer;
  let dns: DnsApp;
  const figures: string[] = [];
  const panics = async () => (await dns.metrics.panics.get()).values.reduce((n, v) => n + v.value, 0);

  beforeAll(async () => {
    announce('DNS', `${FUZZ_COUNT} mutated queries over UDP and as many TCP frames, after the crafted ones`);
    t = await startTestApiServer();
    await t.client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }] } });
    dns = await startTestDns(t.server.address);
    await eventually(async () => (await query(dns.address, WEB, 'A')).rcode === 'NOERROR', 10_000, 100);
  });
  afterAll(async () => {
    for (const f of figures) console.log(f);
    await dns?.stop(0);
    await t?.stop();
  });

  async function stillAnswers(): Promise<void> {
    expect((await query(dns.address, WEB, 'A')).rcode, 'a valid query over UDP').toBe('NOERROR');
    expect((await query(dns.address, WEB, 'SRV', { tcp: true })).rcode, 'a valid query over TCP').toBe('NOERROR');
    expect(await panics(), 'coredns_panics_total').toBe(0);
  }

  it('UDP: crafted malformed queries, then mutated valid ones: a reply that parses (with the query ID) or a drop where DNS drops', async () => {
    const started = performance.now();
    const crafted = new Tally();
    const tally = new Tally();
    const findings = new Findings();
    const craftedLines: string[] = [];
    const { errorLogs } = await withErrorLogs(async () => {
      await pool(craftedQueries(), 8, async ([name, input]) => {
        const reply = await udpExchange(dns.port, input);
        const { label, finding } = judge(input, reply);
        crafted.add(label);
        craftedLines.push(`${name}: ${label}`);
        if (finding) findings.add(`UDP ${finding}`, `crafted "${name}", hex ${input.subarray(0, 300).toString('hex')}`);
      });
      const rng = new Rng(FUZZ_SEED);
      const inputs = Array.from({ length: FUZZ_COUNT }, () => Buffer.from(mutateBytes(rng, validQuery(rng))));
      await pool(inputs, 16, async (input) => {
        const { label, finding } = judge(input, await udpExchange(dns.port, input));
        tally.add(label);
        if (finding) findings.add(`UDP ${finding}`, `hex ${input.toString('hex')}`);
      });
    });
    figures.push(`fuzz DNS over UDP: ${craftedLines.length} crafted + ${tally.total} mutated queries in ${seconds(started)}; crafted: ${crafted}; mutated: ${tally}; findings ${findings.count}; panics ${await panics()}; error logs ${errorLogs.length}`);
    figures.push(`  crafted, one by one: ${craftedLines.sort().join('; ')}`);
    for (const f of findings.list()) figures.push(`  finding: ${f}`);
    for (const l of errorLogs.slice(0, 3)) figures.push(`  error log: ${l.slice(0, 400)}`);
    await stillAnswers();
    expect(findings.list()).toEqual([]);
    expect(errorLogs).toEqual([]);
  }, 60_000);

  it('TCP: zero-length, short, oversized and cut frames, 500 pipelined queries, a query a byte at a time, mutated frames; the server keeps answering', async () => {
    const started = performance.now();
    const findings = new Findings();
    const outcomes: string[] = [];
    const valid = (id: number) => Buffer.concat([header(id, RD, 1), question(WEB)]);
    const tally = new Tally();
    const { errorLogs } = await withErrorLogs(async () => {
      // Crafted framing: what each does, and that a valid query on the same connection afterwards is answered or the connection closed.
      const cases: Array<[string, Buffer[], number]> = [
        ['zero-length frame, then a query', [frame(Buffer.alloc(0)), frame(valid(1))], 1],
        ['frame of 1 byte, then a query', [frame(Buffer.from([7])), frame(valid(2))], 1],
        ['frame of 11 bytes, then a query', [frame(valid(3).subarray(0, 11)), frame(valid(4))], 1],
        ['length 65535 with 65535 bytes (a query, then zeros)', [frame(Buffer.concat([valid(5), Buffer.alloc(65535 - valid(5).length)]))], 1],
        ['length 4097 (over the query limit)', [frame(Buffer.concat([valid(6), Buffer.alloc(4097 - valid(6).length)]))], 1],
        ['length says 300, 20 bytes come, then nothing', [Buffer.concat([u16(300), valid(7).subarray(0, 20)])], 1],
        ['length says 10 for a 47-byte query', [frame(valid(8), 10)], 2],
        ['only half a length prefix', [Buffer.from([0])], 1],
        ['every crafted UDP query as frames on one connection', craftedQueries().filter(([, b]) => b.length > 0 && b.length <= 4096).map(([, b]) => frame(b)), 1000],
      ];
      for (const [name, chunks, expectN] of cases) {
        const r = await tcpSession(dns.port, chunks, expectN);
        const codes = r.replies.map((b) => rcodeOf(b) ?? 'UNPARSEABLE');
        outcomes.push(`${name}: ${codes.length ? codes.join(' ') : 'no reply'}${r.closedByServer ? ', closed by the server' : ''}`);
        if (codes.includes('UNPARSEABLE')) findings.add(`TCP ${name}: a reply that does not parse`, chunks.map((c) => c.subarray(0, 200).toString('hex')).join(' | '));
      }
      // 500 pipelined queries in one write: 500 answers with their IDs (reading pauses at the pipelining limit, nothing is lost).
      const ids = Array.from({ length: 500 }, (_, i) => 1000 + i);
      const pipelined = await tcpSession(dns.port, [Buffer.concat(ids.map((id) => frame(valid(id))))], ids.length, 3000);
      const answered = new Set(pipelined.replies.map((b) => b.readUInt16BE(0)));
      outcomes.push(`500 pipelined queries in one write: ${answered.size} answered${pipelined.closedByServer ? ', closed by the server' : ''}`);
      if (answered.size !== ids.length) findings.add('TCP 500 pipelined queries: not all answered', `${answered.size} of 500 answered`);
      // A query a byte at a time (within the read timeout).
      const slow = await tcpSession(dns.port, [...frame(valid(9))].map((b) => Buffer.from([b])), 1, 1000, 5);
      outcomes.push(`a query a byte at a time: ${slow.replies.map((b) => rcodeOf(b)).join(' ') || 'no reply'}`);
      if (slow.replies.length !== 1) findings.add('TCP a query a byte at a time: not answered', frame(valid(9)).toString('hex'));
      // 50 connections at once, one query each.
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => tcpSession(dns.port, [frame(valid(2000 + i))], 1, 2000)));
      const manyAnswered = many.filter((r) => r.replies.length === 1).length;
      outcomes.push(`50 connections at once: ${manyAnswered} answered`);
      if (manyAnswered !== 50) findings.add('TCP 50 connections at once: not all answered', `${manyAnswered} of 50`);

      // Mutated frames, 20 per connection; now and then a wrong length prefix (it ends or desyncs
      // the connection, so rarely: the frames after it would go unread).
      const rng = new Rng(FUZZ_SEED + 1);
      const sessions = Array.from({ length: Math.max(1, Math.ceil(FUZZ_COUNT / 20)) }, () =>
        Array.from({ length: 20 }, () => {
          const m = Buffer.from(mutateBytes(rng, validQuery(rng)));
          return frame(m, rng.int(60) === 0 ? rng.pick([0, 1, 11, m.length + 1, 4097, 65535, rng.int(65536)]) : m.length);
        }),
      );
      await pool(sessions, 4, async (frames) => {
        const r = await tcpSession(dns.port, frames, frames.length, 300);
        tally.add('frames sent', frames.length);
        tally.add('replies', r.replies.length);
        if (r.closedByServer) tally.add('connections closed by the server');
        const sentIds = new Set(frames.filter((f) => f.length >= 4).map((f) => f.readUInt16BE(2)));
        for (const b of r.replies) {
          tally.add(rcodeOf(b) ?? 'unparseable');
          if (rcodeOf(b) === undefined) findings.add('TCP mutated frames: a reply that does not parse', frames.map((f) => f.toString('hex')).join(' '));
          else if (!sentIds.has(b.readUInt16BE(0))) findings.add('TCP mutated frames: a reply with an ID no query had', frames.map((f) => f.toString('hex')).join(' '));
        }
      });
    });
    figures.push(`fuzz DNS over TCP in ${seconds(started)}: ${outcomes.join('; ')}`);
    figures.push(`  mutated frames: ${tally}; findings ${findings.count}; panics ${await panics()}; error logs ${errorLogs.length}`);
    for (const f of findings.list()) figures.push(`  finding: ${f}`);
    for (const l of errorLogs.slice(0, 3)) figures.push(`  error log: ${l.slice(0, 400)}`);
    await stillAnswers();
    expect(findings.list()).toEqual([]);
    expect(errorLogs).toEqual([]);
  }, 60_000);
});
