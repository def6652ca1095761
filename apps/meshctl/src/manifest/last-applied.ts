/**
 * The `kubectl.kubernetes.io/last-applied-configuration` annotation: the applied manifest as compact
 * JSON with keys sorted (it is a marshalled map), the namespace filled in, without the annotation
 * itself (an empty `annotations: {}` stays, as kubectl leaves it), and a trailing newline.
 */
import { sortKeysDeep, type KubeObject } from '@minimesh/api';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The annotation value for a manifest object. */
export function lastAppliedConfiguration(obj: KubeObject): string {
  const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown> & { metadata?: Record<string, unknown> };
  const metadata = { ...(copy.metadata ?? {}) };
  const annotations = { ...((metadata.annotations as Record<string, string> | undefined) ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  metadata.annotations = annotations;
  copy.metadata = metadata;
  return `${JSON.stringify(sortKeysDeep(copy))}\n`;
}

/** The object with its last-applied annotation set. */
export function withLastApplied<T extends KubeObject>(obj: T): T {
  const value = lastAppliedConfiguration(obj);
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...(obj.metadata?.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: value } },
  };
}

/** The last-applied configuration recorded on a live object, parsed; undefined when absent or unreadable. */
export function readLastApplied(obj: KubeObject): Record<string, unknown> | undefined {
  const raw = obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
