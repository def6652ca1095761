/**
 * Watch events on the wire. An event goes to every watcher of its kind: when the hub hands them
 * all the same output, its wire form and its bytes are made once, not once per watcher
 * (kube-apiserver's caching serializer does the same). WatchBatched sends the events that were
 * ready together in one message, made by joining the events' bytes.
 */
import { pb } from '@minimesh/proto';
import { objectToWire, SafeInt64Writer, WIRE_EVENT_TYPES } from '@minimesh/wire';
import { isShared, type WatchOutput } from '../watch/watch-hub.js';

/**
 * Most bytes in one WatchBatched message (an event larger than this comes alone): hundreds of
 * events, and small enough that a client reading at all takes one well within the stall timeout.
 */
export const MAX_BATCH_BYTES = 256 * 1024;

/** The wire form of an output the hub shares between its watchers, and the set of those forms. */
const sharedWire = new WeakMap<WatchOutput, pb.WatchEvent>();
const sharedWireEvents = new WeakSet<pb.WatchEvent>();

/**
 * An output's wire form: made once for an output every watcher gets (isShared), and anew for
 * one made for a single watcher (kept for nobody: a long initial list is not held encoded).
 */
export function watchEventToWire(out: WatchOutput): pb.WatchEvent {
  if (!isShared(out)) return wireForm(out);
  let ev = sharedWire.get(out);
  if (!ev) {
    ev = wireForm(out);
    sharedWire.set(out, ev);
    sharedWireEvents.add(ev);
  }
  return ev;
}

function wireForm(out: WatchOutput): pb.WatchEvent {
  const type = WIRE_EVENT_TYPES[out.type];
  const resourceVersion = String(out.revision);
  const previousResourceVersion = out.kindPrevious !== undefined ? String(out.kindPrevious) : '';
  return { type, object: out.object ? objectToWire(out.object) : undefined, resourceVersion, previousResourceVersion };
}

/** Protobuf's tag of WatchEventBatch.events (field 1, length-delimited). */
const EVENTS_TAG = 0x0a;

/**
 * An event as an element of WatchEventBatch.events: the tag, the length, the encoded WatchEvent.
 * The bytes of the event alone (a Watch message) are the tail of the same buffer.
 */
interface FramedEvent {
  framed: Buffer;
  event: Buffer;
}

const framedEvents = new WeakMap<pb.WatchEvent, FramedEvent>();

function framedEvent(ev: pb.WatchEvent): FramedEvent {
  let f = framedEvents.get(ev);
  if (f) return f;
  const event = pb.WatchEvent.encode(ev, new SafeInt64Writer()).finish();
  const header = new SafeInt64Writer().uint32(EVENTS_TAG).uint32(event.length).finish();
  const framed = Buffer.concat([header, event]);
  f = { framed, event: framed.subarray(header.length) };
  if (sharedWireEvents.has(ev)) framedEvents.set(ev, f);
  return f;
}

/** A Watch message: the event's bytes. */
export function encodeWatchEvent(ev: pb.WatchEvent): Buffer {
  return framedEvent(ev).event;
}

/**
 * The events as WatchEventBatch messages, in order: as many events to a message as fit in
 * `maxBytes`, at least one. Lazily: an event is encoded (if no other watcher did it first) when
 * its message is asked for, so a watch that starts with a long list never holds more than a
 * message of it encoded while its stream drains.
 */
export function* encodeWatchBatches(events: Iterable<pb.WatchEvent>, maxBytes = MAX_BATCH_BYTES): Generator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for (const ev of events) {
    const { framed } = framedEvent(ev);
    if (parts.length && size + framed.length > maxBytes) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
    parts.push(framed);
    size += framed.length;
  }
  if (parts.length) yield Buffer.concat(parts, size);
}

/** The wire forms of a watch's outputs, made as they are asked for. */
export function* watchEventsToWire(outs: Iterable<WatchOutput>): Generator<pb.WatchEvent> {
  for (const out of outs) yield watchEventToWire(out);
}
