/**
 * Comparing resourceVersions. Kubernetes calls them opaque; minimesh documents them as the
 * cluster-wide revision of the write, a decimal integer, so an informer may order them to drop
 * stale and duplicate events.
 */
import type { KubeObject } from '@minimesh/api';

/** The revision as a number; 0 for '' (nothing seen yet). */
export function revisionOf(resourceVersion: string | undefined): number {
  if (!resourceVersion) return 0;
  const n = Number(resourceVersion);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** True when `candidate` is a later version than `current` (or `current` is unknown). */
export function isNewer(candidate: KubeObject, current: KubeObject | undefined): boolean {
  if (!current) return true;
  return revisionOf(candidate.metadata.resourceVersion) > revisionOf(current.metadata.resourceVersion);
}
