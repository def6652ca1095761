/**
 * The apiserver's event stream on NATS JetStream: the one contract between the publisher (the
 * apiserver) and every follower (libs/informer).
 *
 *   stream   MINIMESH_EVENTS, subjects minimesh.v1.events.>
 *   subject  minimesh.v1.events.<Kind>.<namespace or _>.<name with dots as _>
 *            Kind as in manifests (`Service`, `EndpointSlice`); `_` as the namespace of
 *            cluster-scoped objects (no namespace can be called that); dots in names (DNS
 *            subdomains) written as `_`, which no object name can contain, so a subject names
 *            exactly one object.
 *   payload  a serialized minimesh.v1.WatchEvent, the message gRPC Watch sends
 *   headers  Minimesh-Revision       the event's cluster-wide revision
 *            Minimesh-Kind-Previous  the revision of the previous event of the same kind (0: none)
 *            Minimesh-Store          the id of the store (data directory) that wrote it
 *            Minimesh-Event-Type     ADDED | MODIFIED | DELETED
 *            Minimesh-Stub           present when the object did not fit in a NATS message: the
 *                                    payload carries its kind, namespace and name only, and a
 *                                    follower reads the object from the apiserver (it relists)
 *            Minimesh-Signature      Ed25519 signature of all the above with the store's key
 *                                    (event-signature.ts); the store id names the public key
 *
 * Gap marker: when events were compacted from the apiserver's history before NATS got them, one
 * message per kind on minimesh.v1.events.<Kind>._._ (no object is called `_`), empty payload,
 * Minimesh-Stub `gap`, Minimesh-Revision and Minimesh-Kind-Previous both the last lost revision:
 * a follower whose cache is older sees its Kind-Previous above what it has and relists, even for
 * a kind that has no later event to show the gap.
 */
import type { Kind, KubeObject } from '@minimesh/api';
import { pb } from '@minimesh/proto';
import { WIRE_EVENT_TYPES } from './event-types.js';
import { objectToWire } from './convert.js';
import { SafeInt64Writer } from './safe-int64.js';

export const EVENT_SUBJECT_PREFIX = 'minimesh.v1.events';
export const DEFAULT_EVENT_STREAM = 'MINIMESH_EVENTS';
export const CLUSTER_SCOPE_TOKEN = '_';

export const HEADER_REVISION = 'Minimesh-Revision';
export const HEADER_KIND_PREVIOUS = 'Minimesh-Kind-Previous';
export const HEADER_STORE = 'Minimesh-Store';
export const HEADER_EVENT_TYPE = 'Minimesh-Event-Type';
export const HEADER_STUB = 'Minimesh-Stub';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** The subject of one object's events. */
export function eventSubject(kind: Kind, namespace: string, name: string): string {
  return `${EVENT_SUBJECT_PREFIX}.${kind}.${namespace || CLUSTER_SCOPE_TOKEN}.${name.replace(/\./g, '_')}`;
}

/**
 * Every event of one kind, all namespaces. An informer of one namespace still follows the whole
 * kind: Kind-Previous chains the kind, not a namespace, and the chain is how gaps show.
 */
export function kindSubjects(kind: Kind): string {
  return `${EVENT_SUBJECT_PREFIX}.${kind}.>`;
}

export interface StreamEvent {
  type: EventType;
  object: KubeObject;
  revision: number;
  /** The revision of the previous event of the same kind; 0 when it is the first. */
  kindPrevious: number;
}

/** The payload of an event (an int64 beyond ±(2^53-1), stored before writes were checked, as the bound: every follower can read it). */
export function encodeStreamEvent(ev: StreamEvent): Uint8Array {
  return pb.WatchEvent.encode(
    {
      type: WIRE_EVENT_TYPES[ev.type],
      object: objectToWire(ev.object),
      resourceVersion: String(ev.revision),
      previousResourceVersion: String(ev.kindPrevious),
    },
    new SafeInt64Writer(),
  ).finish();
}

/** The same event with the object cut to what names it (for an object too big for a message). */
export function stubStreamEvent(ev: StreamEvent): StreamEvent {
  const { kind, apiVersion, metadata } = ev.object;
  const stub = { kind, apiVersion, metadata: { name: metadata.name, namespace: metadata.namespace, uid: metadata.uid, resourceVersion: metadata.resourceVersion } };
  return { ...ev, object: stub as StreamEvent['object'] };
}

/** Minimesh-Stub of a gap marker. */
export const STUB_GAP = 'gap';

/** The subject of a kind's gap marker. */
export function gapMarkerSubject(kind: Kind): string {
  return `${EVENT_SUBJECT_PREFIX}.${kind}.${CLUSTER_SCOPE_TOKEN}.${CLUSTER_SCOPE_TOKEN}`;
}

/** The headers of a gap marker: events up to `lastLost` are gone before they were published. */
export function gapMarkerHeaders(lastLost: number, storeId: string): [string, string][] {
  return [
    [HEADER_REVISION, String(lastLost)],
    [HEADER_KIND_PREVIOUS, String(lastLost)],
    [HEADER_STORE, storeId],
    [HEADER_STUB, STUB_GAP],
  ];
}

/** The headers of an event, by name. */
export function streamEventHeaders(ev: StreamEvent, storeId: string): [string, string][] {
  return [
    [HEADER_REVISION, String(ev.revision)],
    [HEADER_KIND_PREVIOUS, String(ev.kindPrevious)],
    [HEADER_STORE, storeId],
    [HEADER_EVENT_TYPE, ev.type],
  ];
}

/** Where a message stands in the stream, read from its headers alone (no payload decoding). */
export interface StreamEventMark {
  revision: number;
  kindPrevious: number;
  store: string;
  /** The payload is a stub (Minimesh-Stub): read the object from the apiserver. */
  stub: boolean;
}

/** The mark of a message, or null when its headers are not an event's. */
export function streamEventMark(headers: { get(name: string): string } | undefined): StreamEventMark | null {
  const revision = Number(headers?.get(HEADER_REVISION));
  const kindPrevious = Number(headers?.get(HEADER_KIND_PREVIOUS) || 0);
  const store = headers?.get(HEADER_STORE) ?? '';
  if (!Number.isSafeInteger(revision) || revision <= 0 || !Number.isSafeInteger(kindPrevious)) return null;
  return { revision, kindPrevious, store, stub: !!headers?.get(HEADER_STUB) };
}
