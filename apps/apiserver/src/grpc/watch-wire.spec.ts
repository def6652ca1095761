import { describe, expect, it } from 'vitest';
import { pb } from '@minimesh/proto';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import type { StoredEvent } from '../store/store.js';
import { sharedOutput, type WatchOutput } from '../watch/watch-hub.js';
import { encodeWatchBatches, encodeWatchEvent, watchEventToWire } from './watch-wire.js';

const service = (name: string, rv: number, note = '') =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', resourceVersion: String(rv), annotations: { note } }, spec: { ports: [{ port: 80 }] } }) as const;

const event = (name: string, rv: number, note = ''): pb.WatchEvent => ({
  type: pb.EventType.MODIFIED,
  object: objectToWire(service(name, rv, note) as never),
  resourceVersion: String(rv),
  previousResourceVersion: String(rv - 1),
});

const bookmark = (rv: number): pb.WatchEvent => ({ type: pb.EventType.BOOKMARK, object: undefined, resourceVersion: String(rv), previousResourceVersion: '' });

/** A store event, and the output the hub hands every watcher that sees it as it is. */
const stored = (name: string, rv: number, note = ''): StoredEvent => ({ revision: rv, type: 'MODIFIED', kind: 'Service', namespace: 'default', name, object: service(name, rv, note) as never, kindPrevious: rv - 1 });

describe('watchEventToWire', () => {
  it('makes the wire form of a shared output once for every watcher, and anew each time for one watcher\'s', () => {
    const shared = sharedOutput(stored('a', 5));
    const first = watchEventToWire(shared);
    expect(watchEventToWire(sharedOutput(stored('a', 5)))).not.toBe(first); // another event
    expect(watchEventToWire(shared)).toBe(first);
    expect(first).toMatchObject({ type: pb.EventType.MODIFIED, resourceVersion: '5', previousResourceVersion: '4' });
    // A watcher with a selector the object just came to match sees it ADDED: its own output.
    const own: WatchOutput = { ...shared, type: 'ADDED' };
    const added = watchEventToWire(own);
    expect(added.type).toBe(pb.EventType.ADDED);
    expect(watchEventToWire(own)).not.toBe(added);
    expect(watchEventToWire({ type: 'BOOKMARK', revision: 9 })).toEqual(bookmark(9));
  });
});

describe('encodeWatchBatches', () => {
  it('encodes the events as WatchEventBatch messages that decode to them, in order', () => {
    const events = [event('a', 2), bookmark(3), event('b', 4, 'x'.repeat(300))]; // the last one's length takes two varint bytes
    const [message, ...rest] = [...encodeWatchBatches(events)];
    expect(rest).toEqual([]);
    expect(pb.WatchEventBatch.decode(message!)).toEqual({ events });
    expect(message).toEqual(Buffer.from(pb.WatchEventBatch.encode({ events }).finish()));
  });

  it('shares a shared event\'s bytes between its batches and its Watch message, and keeps none of another', () => {
    const ev = watchEventToWire(sharedOutput(stored('a', 2, 'y'.repeat(20_000)))); // a three-byte length
    const alone = encodeWatchEvent(ev);
    expect(encodeWatchEvent(ev)).toBe(alone);
    expect(pb.WatchEvent.decode(alone)).toEqual(ev);
    const [message] = [...encodeWatchBatches([ev])];
    expect(message!.subarray(message!.length - alone.length)).toEqual(alone);
    expect(pb.WatchEventBatch.decode(message!)).toEqual({ events: [ev] });
    const once = event('b', 3);
    expect(encodeWatchEvent(once)).not.toBe(encodeWatchEvent(once));
    expect(encodeWatchEvent(once)).toEqual(encodeWatchEvent(once));
  });

  it('puts as many events in a message as fit in its bytes, and an event larger than that alone', () => {
    const small = [event('a', 2), event('b', 3), event('c', 4)];
    const one = [...encodeWatchBatches([small[0]!])][0]!.length;
    const big = event('big', 5, 'z'.repeat(4 * one));
    const messages = [...encodeWatchBatches([...small, big, event('d', 6)], 2 * one + 10)];
    expect(messages.map((m) => pb.WatchEventBatch.decode(m).events.map((e) => objectFromWire(e.object!).metadata.name))).toEqual([['a', 'b'], ['c'], ['big'], ['d']]);
    expect([...encodeWatchBatches([])]).toEqual([]);
  });

  it('encodes an event only when the message it goes in is asked for', () => {
    const asked: string[] = [];
    const events = function* () {
      for (const name of ['a', 'b', 'c']) {
        asked.push(name);
        yield event(name, asked.length + 1, 'w'.repeat(100));
      }
    };
    const one = [...encodeWatchBatches([event('x', 1, 'w'.repeat(100))])][0]!.length;
    const messages = encodeWatchBatches(events(), one + 20); // one event a message
    messages.next();
    expect(asked).toEqual(['a', 'b']); // b told it that a's message was full
    expect([...messages].length).toBe(2);
    expect(asked).toEqual(['a', 'b', 'c']);
  });
});
