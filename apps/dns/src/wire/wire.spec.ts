/** The wire layer against dns-packet: queries decode, replies encode (compressed, truncated like miekg), upstream bytes scan. */
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { Rcode, reply, type ResourceRecord } from '@minimesh/dns-core';
import { decodeQuery } from './query-decoder.js';
import { encodeQuery } from './query-encoder.js';
import { encodeResponse, type EncodeOptions } from './response-encoder.js';
import { scanMessage, setTTLs, truncatedReply } from './wire-scan.js';

const H = 'service-headliness.study.svc.cluster.local.';
const base: EncodeOptions = { id: 4242, opcode: 0, recursionDesired: true, checkingDisabled: false, question: { name: H, type: 'A', class: 1 }, maxSize: 512 };
const decode = (b: Uint8Array) => dnsPacket.decode(Buffer.from(b));
const aRecords = (n: number): ResourceRecord[] => Array.from({ length: n }, (_, i) => ({ name: H, type: 'A', ttl: 30, data: `10.244.${i >> 8}.${i & 255}` }));

describe('wire - queries', () => {
  it('reads header, question and OPT', () => {
    const q = decodeQuery(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED, questions: [{ name: 'Web.Study.svc.cluster.local', type: 'SRV' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: dnsPacket.DNSSEC_OK } as dnsPacket.Answer] }));
    expect(q).toMatchObject({ id: 7, recursionDesired: true, checkingDisabled: true, question: { name: 'Web.Study.svc.cluster.local.', type: 'SRV', class: 1 }, edns: { udpSize: 1232, version: 0, dnssecOk: true } });
    expect(q.header).toMatchObject({ isResponse: false, opcode: 0, questionCount: 1, additionalCount: 1, ednsVersion: 0 });
  });

  it('the root, unknown types, escapes', () => {
    expect(decodeQuery(encodeQuery('.', 'NS')).question).toEqual({ name: '.', type: 'NS', class: 1 });
    const raw = Buffer.from(encodeQuery('x.example', 'A'));
    raw.writeUInt16BE(65280, raw.length - 4);
    expect(decodeQuery(raw).question?.type).toBe('TYPE65280');
    const dotted = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1]);
    expect(decodeQuery(dotted).question?.name).toBe('a\\.b.');
  });

  it('malformed messages throw', () => {
    expect(() => decodeQuery(new Uint8Array(5))).toThrow('shorter than a header');
    const q = encodeQuery('x.example', 'A');
    expect(() => decodeQuery(q.slice(0, q.length - 3))).toThrow();
  });
});

describe('wire - replies', () => {
  it('round-trips every record type through dns-packet, with the flags and the OPT', () => {
    const rrs: ResourceRecord[] = [
      { name: H, type: 'A', ttl: 30, data: '10.244.1.7' },
      { name: H, type: 'AAAA', ttl: 30, data: '2001:db8::7' },
      { name: H, type: 'CNAME', ttl: 30, data: 'x.example.' },
      { name: '7.1.244.10.in-addr.arpa.', type: 'PTR', ttl: 30, data: H },
      { name: 'cluster.local.', type: 'NS', ttl: 30, data: 'kube-dns.kube-system.svc.cluster.local.' },
      { name: H, type: 'SRV', ttl: 30, data: { priority: 0, weight: 33, port: 80, target: `10-244-1-7.${H}` } },
      { name: 'dns-version.cluster.local.', type: 'TXT', ttl: 28800, data: ['1.1.0'] },
      { name: 'x.example.', type: 'MX', ttl: 30, data: { preference: 10, exchange: 'mail.x.example.' } },
    ];
    const soa: ResourceRecord = { name: 'cluster.local.', type: 'SOA', ttl: 30, data: { mname: 'ns.dns.cluster.local.', rname: 'hostmaster.cluster.local.', serial: 1499347823, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } };
    const bytes = encodeResponse(reply(Rcode.NOERROR, { authoritative: true, answer: rrs, authority: [soa] }), { ...base, maxSize: 4096, edns: { udpSize: 1232, dnssecOk: true } });
    const p = decode(bytes);
    expect(p).toMatchObject({ id: 4242, type: 'response', flag_aa: true, flag_rd: true, flag_ra: false, flag_tc: false, rcode: 'NOERROR' });
    expect(p.answers?.map((a) => [a.type, (a as { data: unknown }).data])).toEqual([
      ['A', '10.244.1.7'],
      ['AAAA', '2001:db8::7'],
      ['CNAME', 'x.example'],
      ['PTR', H.slice(0, -1)],
      ['NS', 'kube-dns.kube-system.svc.cluster.local'],
      ['SRV', { priority: 0, weight: 33, port: 80, target: `10-244-1-7.${H.slice(0, -1)}` }],
      ['TXT', [Buffer.from('1.1.0')]],
      ['MX', { preference: 10, exchange: 'mail.x.example' }],
    ]);
    expect(p.authorities?.[0]).toMatchObject({ type: 'SOA', ttl: 30, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1499347823, minimum: 30 } });
    expect(p.additionals?.[0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232, flag_do: true });
  });

  it('compresses: an A record for the question name costs 16 bytes', () => {
    const one = encodeResponse(reply(0, { answer: aRecords(1) }), base).length;
    const two = encodeResponse(reply(0, { answer: aRecords(2) }), base).length;
    expect(two - one).toBe(16);
  });

  it('keeps the letter case of every name (case-sensitive compression)', () => {
    const q = { name: 'SVC.Study.svc.cluster.local.', type: 'A', class: 1 };
    const rrs: ResourceRecord[] = [
      { name: q.name, type: 'CNAME', ttl: 5, data: 'svc.study.svc.cluster.local.' },
      { name: 'svc.study.svc.cluster.local.', type: 'A', ttl: 5, data: '10.0.0.1' },
    ];
    const p = decode(encodeResponse(reply(0, { answer: rrs }), { ...base, question: q }));
    expect(p.questions?.[0]?.name).toBe('SVC.Study.svc.cluster.local');
    expect(p.answers?.map((a) => a.name)).toEqual(['SVC.Study.svc.cluster.local', 'svc.study.svc.cluster.local']);
  });

  it('truncates to 512 without EDNS, to the client size with it, not over TCP; TC set when a record was dropped', () => {
    const msg = reply(0, { authoritative: true, answer: aRecords(100) });
    const udp = decode(encodeResponse(msg, base));
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers?.length).toBe(Math.floor((512 - 12 - (H.length + 1) - 4) / 16));
    const edns = encodeResponse(msg, { ...base, maxSize: 1232, edns: { udpSize: 1232, dnssecOk: false } });
    expect(edns.length).toBeLessThanOrEqual(1232);
    expect(decode(edns)).toMatchObject({ flag_tc: true, additionals: [{ type: 'OPT' }] });
    const tcp = decode(encodeResponse(msg, { ...base, maxSize: 65535 }));
    expect([tcp.flag_tc, tcp.answers?.length]).toEqual([false, 100]);
  });

  it('dropping only additional records sets TC too', () => {
    const extra = aRecords(40).map((r, i) => ({ ...r, name: `host-${i}.${H}` }));
    const p = decode(encodeResponse(reply(0, { answer: aRecords(1), additional: extra }), base));
    expect(p.flag_tc).toBe(true);
    expect(p.answers).toHaveLength(1);
  });

  it('BADVERS goes in the OPT record\'s extended RCODE', () => {
    const b = encodeResponse(reply(Rcode.BADVERS), { ...base, edns: { udpSize: 512, dnssecOk: false } });
    expect(b[3]! & 0xf).toBe(0);
    expect(scanMessage(b).rcode).toBe(Rcode.BADVERS);
  });

  it('a header-only reply without question', () => {
    const b = encodeResponse(reply(Rcode.FORMERR), { ...base, question: undefined });
    expect(b.length).toBe(12);
    expect(decode(b)).toMatchObject({ id: 4242, rcode: 'FORMERR', questions: [] });
  });
});

describe('wire - upstream messages', () => {
  const upstream = Buffer.from(
    dnsPacket.encode({
      type: 'response',
      id: 9,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: [{ name: 'www.example.org', type: 'A' }],
      answers: [
        { name: 'www.example.org', type: 'CNAME', ttl: 300, data: 'web.example.org' },
        { name: 'web.example.org', type: 'A', ttl: 60, data: '192.0.2.1' },
      ],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer],
    }),
  );

  it('scans rcode, counts, TTL offsets (OPT left out) and the smallest TTL', () => {
    const s = scanMessage(upstream);
    expect(s).toMatchObject({ isResponse: true, rcode: 0, truncated: false, answerCount: 2, minTTL: 60 });
    expect(s.ttlOffsets).toHaveLength(2);
    const copy = Uint8Array.from(upstream);
    setTTLs(copy, s.ttlOffsets, 17);
    expect(decode(copy).answers?.map((a) => (a as { ttl: number }).ttl)).toEqual([17, 17]);
    const tc = decode(truncatedReply(copy, s.questionEnd));
    expect(tc).toMatchObject({ flag_tc: true, answers: [], questions: [{ name: 'www.example.org' }] });
  });
});
