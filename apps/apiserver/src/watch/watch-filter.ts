/**
 * What one watcher sees of a store event, as the Kubernetes watch cache decides it: an object
 * that starts to match the selectors (labels and fields) is ADDED, one that stops matching is DELETED.
 */
import type { FieldSelector, Kind, KubeObject, Selector } from '@minimesh/api';
import type { EventType, StoredEvent } from '../store/store.js';

export interface WatchFilter {
  kind: Kind;
  /** Empty: every namespace. */
  namespace: string;
  selector: Selector;
  /** Absent: no field selector. */
  fields?: FieldSelector;
}

export function watchMatches(f: WatchFilter, obj: KubeObject): boolean {
  return f.selector.matches(obj.metadata.labels) && (!f.fields || f.fields.matches(obj));
}

export function filterEvent(f: WatchFilter, ev: StoredEvent): { type: EventType; object: KubeObject } | undefined {
  if (ev.kind !== f.kind) return undefined;
  if (f.namespace && ev.namespace !== f.namespace) return undefined;
  const now = watchMatches(f, ev.object);
  if (ev.type !== 'MODIFIED') return now ? { type: ev.type, object: ev.object } : undefined;
  const before = ev.previous ? watchMatches(f, ev.previous) : true;
  if (now && before) return { type: 'MODIFIED', object: ev.object };
  if (now) return { type: 'ADDED', object: ev.object };
  if (before) return { type: 'DELETED', object: ev.object };
  return undefined;
}
