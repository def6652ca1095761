/**
 * The forward plugin through the server, to an upstream on loopback: a query whose question name
 * is compressed goes upstream re-packed (as CoreDNS's forward sends it), so the upstream reads the
 * name the server read and its reply matches the question asked.
 */
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainServer, recordingUpstream, udpFrom } from '../testing/index.js';
import type { DnsListeners } from '../server/dns-listeners.js';

const name = (s: string) => [...s.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0];

describe('forward: compressed question names', () => {
  let up: Awaited<ReturnType<typeof recordingUpstream>>;
  let srv: DnsListeners;
  beforeAll(async () => {
    up = await recordingUpstream();
    srv = await chainServer({ upstream: up.address });
  });
  afterAll(async () => {
    await srv?.close();
    await up?.close();
  });

  it('a name pointing past the question: forwarded written out, answered at once, the OPT record and its options kept', async () => {
    // The name is a pointer to offset 33: the data of an EDNS option (local use, 65001) in the OPT record.
    const target = name('www.example.org');
    const opt = [0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 4 + target.length, 0xfd, 0xe9, 0, target.length, ...target];
    const q = Uint8Array.from([0, 77, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0xc0, 33, 0, 1, 0, 1, ...opt]);
    const started = Date.now();
    const r = await udpFrom('127.0.0.1', srv.port, '', 'A', q);
    expect(Date.now() - started).toBeLessThan(500);
    expect(r).toMatchObject({ id: 77, rcode: 'NOERROR', questions: [{ name: 'www.example.org', type: 'A' }], answers: [expect.objectContaining({ data: '192.0.2.1' })] });
    expect(up.queries.at(-1)).toMatchObject({ name: 'www.example.org', type: 'A', udpSize: 1232 });
    const sent = up.raw.at(-1)!;
    expect(sent.subarray(12, 12 + target.length)).toEqual(Buffer.from(target));
    const upOpt = (dnsPacket.decode(sent).additionals ?? []).find((a) => a.type === 'OPT') as unknown as { flags: number; options: Array<{ code: number; data: Buffer }> };
    expect(upOpt.flags & dnsPacket.DNSSEC_OK).toBeTruthy();
    expect(upOpt.options).toEqual([expect.objectContaining({ code: 65001, data: Buffer.from(target) })]);
  });

  it('a name pointing into the id: the upstream is asked for the name the server read, not the random id\'s', async () => {
    const n1 = name('one.example.org');
    const n2 = name('two.example.org');
    const viaId = (at: number) => Uint8Array.from([0xc0, at, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 1, 0, 1, ...n1, ...n2]);
    const r1 = await udpFrom('127.0.0.1', srv.port, '', 'A', viaId(18 + n1.length));
    expect(r1).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ name: 'two.example.org' })] });
    expect(up.queries.at(-1)?.name).toBe('two.example.org');
    const r2 = await udpFrom('127.0.0.1', srv.port, '', 'A', viaId(18));
    expect(r2).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ name: 'one.example.org' })] });
    expect(up.queries.at(-1)?.name).toBe('one.example.org');
  });

  it('an uncompressed query goes upstream as it came', async () => {
    const q = dnsPacket.encode({ type: 'query', id: 5, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'plain.example.org', type: 'A' }] });
    const r = await udpFrom('127.0.0.1', srv.port, '', 'A', q);
    expect(r).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ name: 'plain.example.org' })] });
  });
});
