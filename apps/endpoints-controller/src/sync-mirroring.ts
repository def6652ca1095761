/**
 * One sync of the EndpointSlice mirroring controller for one Endpoints key: hand-written
 * Endpoints of selector-less Services become EndpointSlices, so every watcher reads slices only.
 */
import type { ApiClient } from '@minimesh/client';
import { mirrorEndpoints, mirroredSlicesFor } from '@minimesh/endpoints';
import { splitKey, type Caches } from './caches.js';
import { writeSliceChanges, type WriteCounts, type WriteGuard } from './write-changes.js';

export async function syncMirroring(client: ApiClient, caches: Caches, key: string, warn: (msg: string) => void, guard: WriteGuard): Promise<WriteCounts> {
  const { namespace, name } = splitKey(key);
  const endpoints = caches.endpoints.get(namespace, name);
  const slices = caches.slices.byNamespace(namespace);
  if (!endpoints) {
    return writeSliceChanges(client, { create: [], update: [], delete: mirroredSlicesFor(namespace, name, slices) }, guard);
  }
  const result = mirrorEndpoints(endpoints, caches.services.get(namespace, name), slices);
  for (const ev of result.events) warn(`${ev.reason}: ${ev.message}`);
  return writeSliceChanges(client, result, guard);
}
