import { describe, expect, it } from 'vitest';
import { pb } from '@minimesh/proto';
import { objectToWire } from '@minimesh/wire';
import { sharedOutput } from '../watch/watch-hub.js';
import { apiServiceDefinition } from './api-service.js';
import { watchEventToWire } from './watch-wire.js';

describe('apiServiceDefinition', () => {
  it('encodes a watch event shared by many watchers once, and a bookmark every time', () => {
    const serialize = apiServiceDefinition().watch.responseSerialize;
    const object = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', resourceVersion: '7' } } as const;
    const ev = watchEventToWire(sharedOutput({ revision: 7, type: 'ADDED', kind: 'Namespace', namespace: '', name: 'x', object, kindPrevious: 3 }));
    const first = serialize(ev);
    expect(serialize(ev)).toBe(first);
    expect(pb.WatchEvent.decode(first)).toEqual({ type: pb.EventType.ADDED, object: objectToWire(object), resourceVersion: '7', previousResourceVersion: '3' });
    const bookmark: pb.WatchEvent = { type: pb.EventType.BOOKMARK, object: undefined, resourceVersion: '8', previousResourceVersion: '' };
    expect(serialize(bookmark)).not.toBe(serialize(bookmark));
    expect(pb.WatchEvent.decode(serialize(bookmark))).toEqual(bookmark);
  });

  it('passes a WatchBatched message that comes encoded through, and encodes one that does not', () => {
    const serialize = apiServiceDefinition().watchBatched.responseSerialize;
    const bytes = Buffer.from([0x0a, 0x02, 0x08, 0x04]);
    expect(serialize(bytes as never)).toBe(bytes);
    const batch: pb.WatchEventBatch = { events: [{ type: pb.EventType.BOOKMARK, object: undefined, resourceVersion: '8', previousResourceVersion: '' }] };
    expect(pb.WatchEventBatch.decode(serialize(batch))).toEqual(batch);
  });
});
