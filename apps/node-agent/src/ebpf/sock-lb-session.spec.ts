import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { SockLbDelta } from '@minimesh/proxy-core';
import { SockLbError, SockLbSession } from './sock-lb-session.js';

const FAKE = fileURLToPath(new URL('../testing/fake-sock-lb.mjs', import.meta.url));
const delta = (n: number): SockLbDelta => ({
  backends: Array.from({ length: n }, (_, i) => ({ set: 1, slot: i, ip: `10.244.1.${i + 1}`, port: 80 })),
  frontends: [{ ip: '10.96.0.20', port: 80, protocol: 'TCP', set: 1, count: n, flags: 0, affinitySeconds: 0 }],
  frontendDeletes: [],
  backendDeletes: [],
});

describe('SockLbSession (against a stand-in helper speaking its protocol)', () => {
  let session: SockLbSession | undefined;
  afterEach(() => session?.close());

  it('writes deltas in order and reads the maps back', async () => {
    session = new SockLbSession(FAKE, '/x/ok');
    await session.apply(delta(3));
    await session.apply({ backends: [], frontends: [{ ip: '10.96.0.20', port: 80, protocol: 'TCP', set: 1, count: 2, flags: 0, affinitySeconds: 0 }], frontendDeletes: [], backendDeletes: [{ set: 1, slot: 2 }] });
    const maps = await session.dump();
    expect(maps.frontends).toEqual([{ ip: '10.96.0.20', port: 80, protocol: 'TCP', set: 1, count: 2, flags: 0, affinitySeconds: 0 }]);
    expect(maps.backends.map((b) => `${b.slot}:${b.ip}`).sort()).toEqual(['0:10.244.1.1', '1:10.244.1.2']);
  });

  it('refuses pinned maps of another layout, saying what to do', async () => {
    session = new SockLbSession(FAKE, '/x/wrong');
    await expect(session.apply(delta(1))).rejects.toThrow(/are not the layout this agent writes .*run the agent with --cleanup once/);
  });

  it('a refused write fails with the helper\'s words, the rest of its delta is not written; the session goes on', async () => {
    session = new SockLbSession(FAKE, '/x/refuses');
    await expect(session.apply(delta(1))).rejects.toThrow(new SockLbError("the socket load balancer's maps: update: Argument list too long"));
    // The frontend pointing at the refused slots was sent with the backends, and skipped.
    await expect(session.dump()).resolves.toEqual({ frontends: [], backends: [] });
    await session.apply({ ...delta(0), frontends: [{ ip: '10.96.0.21', port: 53, protocol: 'UDP', set: 2, count: 0, flags: 0, affinitySeconds: 0 }] });
    expect((await session.dump()).frontends).toHaveLength(1);
  });

  it('a helper that dies fails what waits; the next request starts a new one and gets its own replies', async () => {
    session = new SockLbSession(FAKE, '/x/dies-on-2');
    await session.apply(delta(2));
    const dying = (session as unknown as { request(op: number, map: number, count: number, payload: Buffer): Promise<Buffer> }).request(3, 2, 0, Buffer.alloc(0));
    await expect(dying).rejects.toThrow(/minimesh-sock-lb serve exited \(3\)/);
    // A fresh helper: empty maps, and replies that belong to this request.
    await expect(session.dump()).resolves.toEqual({ frontends: [], backends: [] });
    await session.apply(delta(1));
    expect((await session.dump()).backends).toHaveLength(1);
  });
});
