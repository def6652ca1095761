/**
 * NATS subjects of the event stream:
 *
 *   minimesh.v1.events.<Kind>.<namespace>.<name>
 *
 * Kind as in manifests (`Service`, `EndpointSlice`); `_` as the namespace of cluster-scoped
 * objects (no namespace can be called that); dots in names (DNS subdomains) written as `_`,
 * which no object name can contain, so a subject names exactly one object.
 */
import type { Kind } from '@minimesh/api';

export const EVENT_SUBJECT_PREFIX = 'minimesh.v1.events';
export const DEFAULT_EVENT_STREAM = 'MINIMESH_EVENTS';
export const CLUSTER_SCOPE_TOKEN = '_';

export function eventSubject(kind: Kind, namespace: string, name: string): string {
  return `${EVENT_SUBJECT_PREFIX}.${kind}.${namespace || CLUSTER_SCOPE_TOKEN}.${name.replace(/\./g, '_')}`;
}

/** Subject filter for one kind, optionally one namespace. */
export function kindSubjectFilter(kind: Kind, namespace?: string): string {
  return `${EVENT_SUBJECT_PREFIX}.${kind}.${namespace || '*'}.*`;
}

/** Message headers every event carries. */
export const HEADER_REVISION = 'Minimesh-Revision';
export const HEADER_KIND_PREVIOUS = 'Minimesh-Kind-Previous';
export const HEADER_STORE = 'Minimesh-Store';
export const HEADER_EVENT_TYPE = 'Minimesh-Event-Type';
