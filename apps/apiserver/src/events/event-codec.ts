/** The bytes of an event on NATS: a serialized minimesh.v1.WatchEvent, the same message gRPC Watch sends. */
import { pb } from '@minimesh/proto';
import { objectToWire } from '@minimesh/wire';
import type { StoredEvent } from '../store/store.js';

const TYPES = { ADDED: pb.EventType.ADDED, MODIFIED: pb.EventType.MODIFIED, DELETED: pb.EventType.DELETED } as const;

export function encodeWatchEvent(ev: StoredEvent): Uint8Array {
  return pb.WatchEvent.encode({
    type: TYPES[ev.type],
    object: objectToWire(ev.object),
    resourceVersion: String(ev.revision),
    previousResourceVersion: String(ev.kindPrevious),
  }).finish();
}
