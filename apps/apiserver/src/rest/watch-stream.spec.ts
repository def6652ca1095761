import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { WatchHub, WatchOutput, WatchRequest } from '../watch/watch-hub.js';
import { streamWatch, type WatchStreamOptions } from './watch-stream.js';

/** A response whose client is behind (every write is refused) and that can be closed. */
function slowResponse() {
  const res = new EventEmitter() as EventEmitter & { destroyed: boolean; writableEnded: boolean; lines: string[] };
  Object.assign(res, {
    destroyed: false,
    writableEnded: false,
    lines: [] as string[],
    writeHead: () => res,
    flushHeaders: () => undefined,
    write: (line: string) => (res.lines.push(line), false),
    end: () => ((res.writableEnded = true), res),
    destroy: () => ((res.destroyed = true), res.emit('close'), res),
  });
  return res;
}

/** A hub that hands out `events`, a batch of one per tick, whatever the signal says (as a buffered watcher may). */
function hubOf(events: WatchOutput[]): WatchHub {
  return {
    async *watchBatches() {
      for (const ev of events) {
        await new Promise((r) => setTimeout(r, 5));
        yield [ev];
      }
    },
  } as unknown as WatchHub;
}

const request = { kind: 'Service' } as WatchRequest;
const added = (n: number): WatchOutput => ({ type: 'ADDED', revision: n, object: { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${n}`, namespace: 'default', resourceVersion: String(n) } } });
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => 'returned'), new Promise((r) => setTimeout(() => r('still waiting'), ms))]);

describe('streamWatch', () => {
  it('returns when the client left while it waited for the client to catch up', async () => {
    const res = slowResponse();
    const req = new EventEmitter();
    const done = streamWatch(hubOf([added(1), added(2)]), request, { timeoutMs: 0, apiVersion: 'v1' }, req as IncomingMessage, res as unknown as ServerResponse);
    await new Promise((r) => setTimeout(r, 20));
    res.emit('close');
    expect(await within(done, 500)).toBe('returned');
  });

  it('returns when the client had left before the next event (no stall timeout to wake it)', async () => {
    const res = slowResponse();
    const req = new EventEmitter();
    // The client is gone before the first event is written.
    setImmediate(() => req.emit('close'));
    const done = streamWatch(hubOf([added(1), added(2), added(3)]), request, { timeoutMs: 0, apiVersion: 'v1' }, req as IncomingMessage, res as unknown as ServerResponse);
    expect(await within(done, 500)).toBe('returned');
    expect(res.lines).toEqual([]);
    expect(res.writableEnded).toBe(true);
  });

  it('cuts off a client that stays behind past the stall timeout, and returns', async () => {
    const res = slowResponse();
    let stalls = 0;
    const done = streamWatch(hubOf([added(1), added(2)]), request, { timeoutMs: 0, apiVersion: 'v1', stallTimeoutMs: 50, onStall: () => stalls++ }, new EventEmitter() as IncomingMessage, res as unknown as ServerResponse);
    expect(await within(done, 1_000)).toBe('returned');
    expect([stalls, res.destroyed, res.lines.length]).toEqual([1, true, 1]);
  });

  it('returns at timeoutSeconds while the client is behind', async () => {
    const res = slowResponse();
    const done = streamWatch(hubOf([added(1), added(2)]), request, { timeoutMs: 60, apiVersion: 'v1' }, new EventEmitter() as IncomingMessage, res as unknown as ServerResponse);
    expect(await within(done, 1_000)).toBe('returned');
    expect(res.lines.length).toBe(1);
  });

  it('writes the events that were ready together in one write, a JSON line each, bookmarks with the kind only', async () => {
    const res = slowResponse();
    Object.assign(res, { write: (lines: string) => (res.lines.push(lines), true) }); // a client that keeps up
    const batch: WatchOutput[] = [added(1), { type: 'BOOKMARK', revision: 2 }, { ...added(3), type: 'DELETED' }];
    const hub = {
      async *watchBatches() {
        yield batch;
      },
    } as unknown as WatchHub;
    await streamWatch(hub, request, { timeoutMs: 0, apiVersion: 'v1' }, new EventEmitter() as IncomingMessage, res as unknown as ServerResponse);
    expect(res.lines.length).toBe(1);
    expect(res.lines[0]!.split('\n').slice(0, -1).map((l) => JSON.parse(l))).toEqual([
      { type: 'ADDED', object: added(1).object },
      { type: 'BOOKMARK', object: { kind: 'Service', apiVersion: 'v1', metadata: { resourceVersion: '2' } } },
      { type: 'DELETED', object: added(3).object },
    ]);
  });

  it('splits what was ready together into writes of at most 256 Ki characters, a longer line alone', async () => {
    const res = slowResponse();
    Object.assign(res, { write: (lines: string) => (res.lines.push(lines), true) });
    const big = (n: number, kib: number): WatchOutput => {
      const ev = added(n);
      ev.object!.metadata.annotations = { blob: 'b'.repeat(kib * 1024) };
      return ev;
    };
    const hub = {
      async *watchBatches() {
        yield [big(1, 100), big(2, 100), big(3, 100), big(4, 300), big(5, 10)];
      },
    } as unknown as WatchHub;
    await streamWatch(hub, request, { timeoutMs: 0, apiVersion: 'v1' }, new EventEmitter() as IncomingMessage, res as unknown as ServerResponse);
    expect(res.lines.map((l) => l.split('\n').length - 1)).toEqual([2, 1, 1, 1]);
    expect(res.lines.slice(0, 2).every((l) => l.length <= 256 * 1024)).toBe(true);
  });

  it('writes the events it had ready before the one that failed, then the ERROR event', async () => {
    const res = slowResponse();
    Object.assign(res, { write: (lines: string) => (res.lines.push(lines), true) });
    const table = { include: 'None', now: () => 0 } as unknown as WatchStreamOptions['table'];
    const broken = { ...added(2), object: { kind: 'Service' } } as unknown as WatchOutput; // no metadata: the Table cannot be made
    const hub = {
      async *watchBatches() {
        yield [added(1), broken];
      },
    } as unknown as WatchHub;
    await streamWatch(hub, request, { timeoutMs: 0, apiVersion: 'v1', table }, new EventEmitter() as IncomingMessage, res as unknown as ServerResponse);
    const events = res.lines.join('').split('\n').slice(0, -1).map((l) => JSON.parse(l) as { type: string });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ERROR']);
  });
});
