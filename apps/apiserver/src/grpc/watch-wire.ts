/**
 * Watch events on the wire. An event goes to every watcher of its kind: its wire form is made once
 * (kept with the stored object it carries, which all watchers share) and so are its bytes, not
 * once per watcher (kube-apiserver's caching serializer does the same). WatchBatched sends the
 * events that were ready together in one message, made by joining those shared bytes.
 */
import { pb } from '@minimesh/proto';
import { objectToWire, SafeInt64Writer } from '@minimesh/wire';
import type { WatchOutput } from '../watch/watch-hub.js';

/**
 * Most bytes in one WatchBatched message: far below grpc-js's default 4 MiB receive limit
 * (an object is at most 1.5 MiB). An event larger than this comes alone.
 */
export const MAX_BATCH_BYTES = 1024 * 1024;

const EVENT_TYPES = {
  ADDED: pb.EventType.ADDED,
  MODIFIED: pb.EventType.MODIFIED,
  DELETED: pb.EventType.DELETED,
  BOOKMARK: pb.EventType.BOOKMARK,
} as const;

const wireEvents = new WeakMap<object, pb.WatchEvent>();

/** The watch hub hands the same output to every watcher that sees an event as it is. */
const wireOutputs = new WeakMap<WatchOutput, pb.WatchEvent>();

export function watchEventToWire(out: WatchOutput): pb.WatchEvent {
  let ev = wireOutputs.get(out);
  if (!ev) {
    ev = wireForm(out);
    if (out.object) wireOutputs.set(out, ev);
  }
  return ev;
}

function wireForm(out: WatchOutput): pb.WatchEvent {
  const type = EVENT_TYPES[out.type];
  const resourceVersion = String(out.revision);
  const previousResourceVersion = out.kindPrevious !== undefined ? String(out.kindPrevious) : '';
  if (!out.object) return { type, object: undefined, resourceVersion, previousResourceVersion };
  const known = wireEvents.get(out.object);
  // The same object reaches a watcher with a selector as another type (ADDED/DELETED for MODIFIED).
  if (known && known.type === type && known.resourceVersion === resourceVersion && known.previousResourceVersion === previousResourceVersion) return known;
  const ev: pb.WatchEvent = { type, object: objectToWire(out.object), resourceVersion, previousResourceVersion };
  wireEvents.set(out.object, ev);
  return ev;
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
  const w = new SafeInt64Writer();
  w.uint32(EVENTS_TAG);
  w.fork();
  pb.WatchEvent.encode(ev, w);
  w.join();
  const framed = Buffer.from(w.finish());
  f = { framed, event: framed.subarray(framed.length - encodedLength(framed)) };
  // A bookmark is made for one watcher: only events that carry an object are shared.
  if (ev.object) framedEvents.set(ev, f);
  return f;
}

/** The length the varint after the tag announces, i.e. the encoded event's size. */
function encodedLength(framed: Buffer): number {
  let n = 0;
  for (let i = 1, shift = 0; ; i++, shift += 7) {
    const b = framed[i]!;
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return n;
  }
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
