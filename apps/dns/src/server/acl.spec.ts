/**
 * The acl (CoreDNS plugin/acl) over real sockets: forwarding only for the cluster's networks,
 * CoreDNS's reading order, its rule grammar, and the default policy for an outside client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rcode, messageResponse, reply } from '@minimesh/dns-core';
import { AclError, accessControl, aclClientClass, aclPlugin, defaultAcl, parseAcl } from '../plugins/acl-plugin.js';
import { internalRequest } from '../internal-query.js';
import { chainServer, query, recordingUpstream, standIn, standInForward, udpFrom } from '../testing/index.js';
import type { DnsListeners } from './dns-listeners.js';

describe('acl (CoreDNS plugin/acl semantics)', () => {
  let srv: DnsListeners;
  beforeAll(async () => {
    srv = await chainServer({ acl: aclPlugin(defaultAcl(['cluster.local'], ['127.0.0.1/32'])) });
  });
  afterAll(() => srv?.close());

  it('forwards for the cluster networks, REFUSES an outside client, and still answers it the cluster names', async () => {
    standIn.forwarded.length = 0;
    expect(await udpFrom('127.0.0.1', srv.port, 'example.org')).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ data: '93.184.216.34' })] });
    expect(await udpFrom('127.0.0.2', srv.port, 'example.org')).toMatchObject({ rcode: 'REFUSED', answers: [] });
    expect(await udpFrom('127.0.0.2', srv.port, 'svc1.testns.svc.cluster.local')).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ data: '10.0.0.1' })] });
    expect(standIn.forwarded).toEqual(['example.org.']);
  });

  it('parses CoreDNS rules: first match wins, type and net both must match; block, filter, drop', async () => {
    const policies = parseAcl('example.org { block type AAAA net 127.0.0.2; filter net 127.0.0.3; drop net 127.0.0.4; allow } . { allow }');
    expect(policies.map((p) => [p.zones, p.rules.map((r) => r.action)])).toEqual([
      [['example.org.'], ['block', 'filter', 'drop', 'allow']],
      [['.'], ['allow']],
    ]);
    const s = await chainServer({ acl: aclPlugin(policies) });
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
    const s = await chainServer({ acl: aclPlugin(parseAcl('example.org { block net 127.0.0.2 } . { block net 127.0.0.3 } . { filter net 127.0.0.4 }')) });
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
    const s = await chainServer({ acl: aclPlugin(parseAcl('example.org { allow net 127.0.0.2 } . { block }')) });
    try {
      expect(await udpFrom('127.0.0.2', s.port, 'example.org')).toMatchObject({ rcode: 'NOERROR', answers: [expect.anything()] });
      expect(await udpFrom('127.0.0.3', s.port, 'example.org')).toMatchObject({ rcode: 'REFUSED' });
    } finally {
      await s.close();
    }
  });

  it('sources: IPv4-mapped addresses match the IPv4 networks, a zone index is ignored, no address at all is blocked', async () => {
    const handler = aclPlugin(defaultAcl(['cluster.local'], ['127.0.0.0/8', 'fe80::/10'])).setup(standInForward.setup(async () => messageResponse('', reply(Rcode.SERVFAIL)), { lookup: async () => undefined }), { lookup: async () => undefined });
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
    const handler = acl.setup(standInForward.setup(async () => messageResponse('', reply(Rcode.SERVFAIL)), { lookup: async () => undefined }), { lookup: async () => undefined });
    expect((await handler(internalRequest('probe.example.org.', 'HINFO'))).rcode).toBe(Rcode.NOERROR);
    expect((await handler(internalRequest('ext.example.org.', 'A', { address: '192.0.2.1', port: 1, family: 4 }))).rcode).toBe(Rcode.REFUSED);
    expect((await handler(internalRequest('ext.example.org.', 'A', { address: '10.1.2.3', port: 1, family: 4 }))).rcode).toBe(Rcode.NOERROR);
  });

  it('a pre-encoded cluster answer goes only to clients the rules treat alike', async () => {
    const policies = parseAcl('cluster.local { block net 127.0.0.3; allow }');
    const classOf = aclClientClass(policies);
    expect([classOf({ address: '127.0.0.2', port: 1, family: 4 }), classOf({ address: '127.0.0.4', port: 1, family: 4 }), classOf({ address: '127.0.0.3', port: 1, family: 4 })]).toEqual(['0', '0', '1']);
    expect(aclClientClass(defaultAcl(['cluster.local'], []))({ address: '127.0.0.3', port: 1, family: 4 })).toBe('');
    const byDefault = aclClientClass(defaultAcl(['cluster.local'], ['10.0.0.0/8']));
    expect([byDefault({ address: '10.1.2.3', port: 1, family: 4 }), byDefault({ address: '192.0.2.1', port: 1, family: 4 })]).toEqual(['1', '0']);
    const s = await chainServer({ acl: aclPlugin(policies), clientClass: classOf });
    try {
      for (const from of ['127.0.0.2', '127.0.0.4', '127.0.0.3', '127.0.0.2', '127.0.0.3']) {
        const r = (await udpFrom(from, s.port, 'svc1.testns.svc.cluster.local')) as { rcode?: string } | undefined;
        expect([from, r?.rcode]).toEqual([from, from === '127.0.0.3' ? 'REFUSED' : 'NOERROR']);
      }
    } finally {
      await s.close();
    }
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
    standIn.forwarded.length = 0;
    const decisions: string[] = [];
    const { acl } = accessControl({ acl: '', forwardFrom: ['127.0.0.1/32'], zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], onDecision: (a, z) => decisions.push(z ? `${a} ${z}` : a) });
    const s = await chainServer({ acl });
    try {
      const inside = await udpFrom('127.0.0.1', s.port, 'external.testns.svc.cluster.local');
      expect(inside?.answers?.map((a) => a.type)).toEqual(['CNAME', 'A']);
      const outside = await udpFrom('127.0.0.2', s.port, 'external.testns.svc.cluster.local');
      expect(outside).toMatchObject({ rcode: 'NOERROR', answers: [expect.objectContaining({ type: 'CNAME', data: 'ext.interwebs.test' })] });
      expect(outside?.answers).toHaveLength(1);
      expect(await udpFrom('127.0.0.2', s.port, 'ext.interwebs.test')).toMatchObject({ rcode: 'REFUSED' });
      expect(standIn.forwarded).toEqual(['ext.interwebs.test.']);
      // What the metrics count (coredns_acl_*): the internal lookup of the target is checked too.
      expect(decisions).toEqual(['allow', 'allow', 'allow', 'block .', 'block .']);
    } finally {
      await s.close();
    }
  });

  it('default policy: a reverse name that falls through to forward is REFUSED for an outside client, answered for the cluster', async () => {
    const up = await recordingUpstream();
    const access = accessControl({ acl: '', forwardFrom: ['127.0.0.1/32'], zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'] });
    const s = await chainServer({ acl: access.acl, forwardFrom: access.forwardFrom, upstream: up.address, fallthrough: ['in-addr.arpa', 'ip6.arpa'] });
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
