/**
 * The loop plugin: only its own probe name, seen more than twice, reports a loop (CoreDNS
 * plugin/loop); a query from one of the server's forwarding sockets gets SERVFAIL and nothing
 * more, and a TCP query from a port number a forwarding socket has over UDP is no loop at all.
 */
import { describe, expect, it, vi } from 'vitest';
import { Rcode, messageResponse, reply, type DnsRequest, type Remote } from '@minimesh/dns-core';
import { loopDetector, ownForwarderCheck } from './loop-plugin.js';

const FORWARDER_PORT = 40000;
const local: Remote = { address: '127.0.0.1', port: FORWARDER_PORT, family: 4 };
const request = (proto: 'udp' | 'tcp', remote: Remote, name = 'web.example.org.', type = 'A'): DnsRequest => ({
  id: 1,
  opcode: 0,
  recursionDesired: true,
  checkingDisabled: false,
  question: { name, type, class: 1 },
  proto,
  remote,
  wire: new Uint8Array(12),
  internal: false,
});

function setup() {
  const onLoop = vi.fn();
  const next = vi.fn(async () => messageResponse('forward', reply(Rcode.NOERROR)));
  const loop = loopDetector({ server: 'dns://:53', probeName: '1.2.', onLoop, isOwnForwarder: ownForwarderCheck(() => new Set([FORWARDER_PORT]), new Set(['127.0.0.1'])) });
  const handler = loop.plugin.setup(next, { lookup: async () => undefined });
  return { onLoop, next, handler };
}

describe('loop plugin', () => {
  it('a forwarding socket is one of our UDP ports on a local address, over UDP only', () => {
    const own = ownForwarderCheck(() => new Set([FORWARDER_PORT]), new Set(['127.0.0.1']));
    expect(own(local, 'udp')).toBe(true);
    expect(own(local, 'tcp')).toBe(false);
    expect(own({ ...local, port: FORWARDER_PORT + 1 }, 'udp')).toBe(false);
    expect(own({ ...local, address: '10.244.1.5' }, 'udp')).toBe(false);
  });

  it('a TCP query from a local port that a forwarding socket has over UDP goes on down the chain', async () => {
    const { onLoop, next, handler } = setup();
    expect((await handler(request('tcp', local))).rcode).toBe(Rcode.NOERROR);
    expect(next).toHaveBeenCalledOnce();
    expect(onLoop).not.toHaveBeenCalled();
  });

  it('a UDP query from a forwarding socket gets SERVFAIL, and the server does not stop for it', async () => {
    const { onLoop, next, handler } = setup();
    expect((await handler(request('udp', local))).rcode).toBe(Rcode.SERVFAIL);
    expect(next).not.toHaveBeenCalled();
    expect(onLoop).not.toHaveBeenCalled();
  });

  it('the same port from another address is no forwarding socket of ours', async () => {
    const { next, handler } = setup();
    expect((await handler(request('udp', { ...local, address: '10.244.1.5' }))).rcode).toBe(Rcode.NOERROR);
    expect(next).toHaveBeenCalledOnce();
  });

  it('the probe name a third time is a loop', async () => {
    const { onLoop, handler } = setup();
    const probe = request('udp', { address: '127.0.0.1', port: 5353, family: 4 }, '1.2.', 'HINFO');
    expect((await handler(probe)).rcode).toBe(Rcode.NOERROR);
    expect((await handler(probe)).rcode).toBe(Rcode.NOERROR);
    expect(onLoop).not.toHaveBeenCalled();
    expect((await handler(probe)).rcode).toBe(Rcode.SERVFAIL);
    expect(onLoop).toHaveBeenCalledOnce();
  });
});
