/**
 * prepareForStatusUpdate: a write to /status changes the status and nothing else. Everything but
 * status (and the metadata the server and validation look after) is kept from the stored object.
 */
import type { KubeObject } from '../types/object.js';
import { isRecord, type JsonRecord } from '../validation/json-access.js';
import { copyField, keepServerMetadata } from './keep-server-metadata.js';
import { cloneObject } from '../util/clone-object.js';

/** The top-level fields a kind holds besides metadata and status. */
const NON_STATUS_FIELDS: Record<string, string[]> = {
  Service: ['spec'],
  Pod: ['spec'],
  Node: ['spec'],
  Namespace: ['spec'],
  Endpoints: ['subsets'],
  EndpointSlice: ['addressType', 'endpoints', 'ports'],
  Lease: ['spec'],
  IPAddressPool: ['spec'],
  L2Advertisement: ['spec'],
};

/**
 * Status from `obj`; spec (or the kind's other fields) and metadata labels, annotations and
 * ownerReferences from `old`; uid, creationTimestamp (and a missing resourceVersion) as on any
 * update. Returns a copy.
 */
export function prepareForStatusUpdate<T extends KubeObject>(obj: T, old: KubeObject): T {
  const copy = cloneObject(obj);
  if (!isRecord(copy)) return copy;
  const o = copy as JsonRecord;
  keepServerMetadata(o, old);
  const meta = o.metadata as JsonRecord;
  const oldMeta = (old as { metadata?: unknown }).metadata;
  for (const key of ['labels', 'annotations', 'ownerReferences']) copyField(meta, oldMeta, key);
  for (const key of NON_STATUS_FIELDS[String(o.kind)] ?? []) copyField(o, old, key);
  return copy;
}
