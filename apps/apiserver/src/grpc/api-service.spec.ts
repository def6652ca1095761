import { describe, expect, it } from 'vitest';
import { pb } from '@minimesh/proto';
import { objectToWire } from '@minimesh/wire';
import { apiServiceDefinition } from './api-service.js';

describe('apiServiceDefinition', () => {
  it('encodes a watch event shared by many watchers once, and a bookmark every time', () => {
    const serialize = apiServiceDefinition().watch.responseSerialize;
    const ev: pb.WatchEvent = { type: pb.EventType.ADDED, object: objectToWire({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', resourceVersion: '7' } }), resourceVersion: '7', previousResourceVersion: '3' };
    const first = serialize(ev);
    expect(serialize(ev)).toBe(first);
    expect(pb.WatchEvent.decode(first)).toEqual(ev);
    const bookmark: pb.WatchEvent = { type: pb.EventType.BOOKMARK, object: undefined, resourceVersion: '8', previousResourceVersion: '' };
    expect(serialize(bookmark)).not.toBe(serialize(bookmark));
    // Another definition (another server) keeps its own bytes.
    expect(apiServiceDefinition().watch.responseSerialize(ev)).not.toBe(first);
  });
});
