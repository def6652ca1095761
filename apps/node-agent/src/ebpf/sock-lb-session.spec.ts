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

  it('a first sync\'s chunks: after a refused one, the next is not written, even with a dump in between', async () => {
    session = new SockLbSession(FAKE, '/x/refuses');
    const frontendsOnly = (ip: string): SockLbDelta => ({ backends: [], frontends: [{ ip, port: 80, protocol: 'TCP', set: 3, count: 0, flags: 0, affinitySeconds: 0 }], frontendDeletes: [], backendDeletes: [] });
    // Sent together, as the proxier sends them: the first is refused by the helper.
    const first = session.apply(delta(1));
    const dump = session.dump();
    const second = session.apply(frontendsOnly('10.96.0.30'), { continues: true });
    await expect(first).rejects.toThrow(/Argument list too long/);
    await expect(dump).resolves.toEqual({ frontends: [], backends: [] });
    await expect(second).rejects.toThrow(/skipped after the failure of the write before it/);
    // Once the failure is known, a continuing chunk is refused here, without a word to the helper.
    await expect(session.apply(frontendsOnly('10.96.0.31'), { continues: true })).rejects.toThrow(new SockLbError('not written: the write it continues failed'));
    expect((await session.dump()).frontends).toEqual([]);
    // A new sync (not continuing) is written.
    await session.apply(frontendsOnly('10.96.0.32'));
    expect((await session.dump()).frontends.map((f) => f.ip)).toEqual(['10.96.0.32']);
  });

  it('a chunk that continues a write sent to a helper that died is not written by the next helper', async () => {
    session = new SockLbSession(FAKE, '/x/dies-on-2');
    await session.apply(delta(1));
    const dying = (session as unknown as { request(op: number, map: number, count: number, payload: Buffer): Promise<Buffer> }).request(3, 2, 0, Buffer.alloc(0));
    await expect(dying).rejects.toThrow(/exited \(3\)/);
    await expect(session.apply(delta(2), { continues: true })).rejects.toThrow(new SockLbError('not written: the write it continues failed'));
    await expect(session.dump()).resolves.toEqual({ frontends: [], backends: [] });
  });

  it('an empty delta starts no helper', async () => {
    session = new SockLbSession('/nonexistent/minimesh-sock-lb', '/x/ok');
    await session.apply({ backends: [], frontends: [], frontendDeletes: [], backendDeletes: [] });
    await expect(session.apply(delta(1))).rejects.toThrow(/could not start/);
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
