/**
 * The result shape of the slice reconcilers and the small steps they share when finishing it.
 */
import type { EndpointSlice, ObjectMeta } from '@minimesh/api';
import { formatRFC3339Nano } from './trigger-time-tracker.js';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME } from './well-known.js';

/** What a controller has to write: new slices (named), replacements (same name), and deletions. */
export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** addTriggerTimeAnnotation: set the annotation, or remove it when there is no trigger time. */
export function setTriggerTimeAnnotation(slice: EndpointSlice, triggerTime: Date | undefined): void {
  const annotations = { ...(slice.metadata.annotations ?? {}) };
  if (triggerTime) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
  else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  if (Object.keys(annotations).length > 0) slice.metadata.annotations = annotations;
  else delete slice.metadata.annotations;
}

/**
 * The identity a recycled slice takes over from the one it replaces (name, generateName, and
 * uid / resourceVersion / creationTimestamp so the write is an ordinary optimistic update).
 */
export function identityOf(old: EndpointSlice): Partial<ObjectMeta> {
  const id: Partial<ObjectMeta> = { name: old.metadata.name };
  if (old.metadata.generateName !== undefined) id.generateName = old.metadata.generateName;
  if (old.metadata.uid !== undefined) id.uid = old.metadata.uid;
  if (old.metadata.resourceVersion !== undefined) id.resourceVersion = old.metadata.resourceVersion;
  if (old.metadata.creationTimestamp !== undefined) id.creationTimestamp = old.metadata.creationTimestamp;
  return id;
}

export function byName(a: EndpointSlice, b: EndpointSlice): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
