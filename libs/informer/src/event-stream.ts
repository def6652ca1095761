/**
 * The event stream contract of the apiserver (apps/apiserver/src/events/subjects.ts), copied here
 * because a library imports nothing from an app:
 *
 *   subject  minimesh.v1.events.<Kind>.<namespace or _>.<name with dots as _>
 *   payload  a serialized minimesh.v1.WatchEvent
 *   headers  Minimesh-Revision       the event's cluster-wide revision
 *            Minimesh-Kind-Previous  the revision of the previous event of the same kind (0: none)
 *            Minimesh-Store          the id of the store (data directory) that wrote it
 *            Minimesh-Event-Type     ADDED | MODIFIED | DELETED
 */
import type { Kind } from '@minimesh/api';

export const EVENT_SUBJECT_PREFIX = 'minimesh.v1.events';
export const DEFAULT_EVENT_STREAM = 'MINIMESH_EVENTS';

export const HEADER_REVISION = 'Minimesh-Revision';
export const HEADER_KIND_PREVIOUS = 'Minimesh-Kind-Previous';
export const HEADER_STORE = 'Minimesh-Store';
export const HEADER_EVENT_TYPE = 'Minimesh-Event-Type';

/**
 * Every event of one kind, all namespaces. An informer of one namespace still follows the whole
 * kind: Kind-Previous chains the kind, not a namespace, and the chain is how gaps show.
 */
export function kindSubjects(kind: Kind): string {
  return `${EVENT_SUBJECT_PREFIX}.${kind}.>`;
}
