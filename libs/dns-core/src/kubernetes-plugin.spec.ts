/** The kubernetes plugin in a chain: passes on what is not its own, refuses transfers, completes ExternalName answers. */
import { describe, expect, it } from 'vitest';
import { kubernetesPlugin } from './kubernetes-plugin.js';
import { Rcode, recordText } from './message.js';
import { buildChain, messageResponse, type ChainContext, type DnsRequest, type Plugin } from './plugin.js';
import { reply } from './message.js';
import { coreDnsConfig, fixtureSnapshot } from './testing/fixtures.js';

function request(name: string, type: string): DnsRequest {
  return {
    id: 1,
    opcode: 0,
    recursionDesired: true,
    checkingDisabled: false,
    question: { name, type, class: 1 },
    proto: 'udp',
    remote: { address: '127.0.0.1', port: 5353, family: 4 },
    wire: new Uint8Array(),
    internal: false,
  };
}

const terminal: Plugin = {
  name: 'terminal',
  setup: () => async () => messageResponse('terminal', reply(Rcode.NOERROR, { recursionAvailable: true })),
};

function chain(lookup: ChainContext['lookup']) {
  const snap = fixtureSnapshot();
  return buildChain([kubernetesPlugin(coreDnsConfig(), () => snap), terminal], { lookup });
}

describe('kubernetes plugin', () => {
  it('answers its zones and hands every other name to the next plugin', async () => {
    const h = chain(async () => undefined);
    const own = await h(request('svc1.testns.svc.cluster.local.', 'A'));
    expect(own.plugin).toBe('kubernetes');
    expect(own.message?.answer.map(recordText)).toEqual(['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1']);
    expect((await h(request('example.com.', 'A'))).plugin).toBe('terminal');
  });

  it('AXFR is REFUSED without AA or records', async () => {
    const r = await chain(async () => undefined)(request('cluster.local.', 'AXFR'));
    expect(r).toMatchObject({ plugin: 'kubernetes', rcode: Rcode.REFUSED, message: { authoritative: false, answer: [], authority: [] } });
  });

  it('ExternalName: the CNAME, then what the chain resolves for the target (TC carried over)', async () => {
    const asked: string[] = [];
    const h = chain(async (name, type) => {
      asked.push(`${name} ${type}`);
      return { rcode: Rcode.NOERROR, truncated: true, answer: [{ name, type: 'A', ttl: 60, data: '192.0.2.7' }] };
    });
    const r = await h(request('external.testns.svc.cluster.local.', 'A'));
    expect(asked).toEqual(['ext.interwebs.test. A']);
    expect(r.message?.answer.map(recordText)).toEqual([
      'external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.',
      'ext.interwebs.test. 60 IN A 192.0.2.7',
    ]);
    expect(r.message?.truncated).toBe(true);
  });

  it('ExternalName whose target cannot be resolved: the CNAME alone', async () => {
    const r = await chain(async () => undefined)(request('external.testns.svc.cluster.local.', 'A'));
    expect(r.message?.answer.map(recordText)).toEqual(['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.']);
    expect(r.rcode).toBe(Rcode.NOERROR);
  });

  it('a chain without a final plugin answers SERVFAIL', async () => {
    const snap = fixtureSnapshot();
    const h = buildChain([kubernetesPlugin(coreDnsConfig(), () => snap)], { lookup: async () => undefined });
    expect((await h(request('example.com.', 'A'))).rcode).toBe(Rcode.SERVFAIL);
  });
});
