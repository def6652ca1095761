/**
 * One sync of one Service, as Kubernetes' endpoints and EndpointSlice controllers do it: the
 * desired Endpoints and slices computed from the cached Service, Pods and Nodes (pure functions
 * of @minimesh/endpoints), written only where they differ from what is stored.
 */
import { ApiError, ForbiddenError, NotFoundError, type Endpoints, type EndpointSlice, type KubeObject, type Node } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import {
  ENDPOINTSLICE_CONTROLLER_NAME,
  ENDPOINTS_CONTROLLER_NAME,
  LABEL_ENDPOINTS_MANAGED_BY,
  computeEndpoints,
  endpointsEqual,
  hasSelector,
  reconcileEndpointSlices,
  type TriggerTimeTracker,
} from '@minimesh/endpoints';
import { splitKey, slicesOfService, type Caches } from './caches.js';
import type { SliceTracker } from './slice-tracker.js';
import { writeSliceChanges, type WriteCounts, type WriteGuard } from './write-changes.js';

export interface ServiceSyncContext {
  client: ApiClient;
  caches: Caches;
  triggerTimes: TriggerTimeTracker;
  maxEndpointsPerSlice: number;
  /** Throws once this replica stops leading: no write happens after that. */
  guard: WriteGuard;
  /** Our slice writes the cache has not shown yet. */
  tracker: SliceTracker;
  /** Reports a Warning Event (the endpoints controllers' FailedToUpdateEndpoint and kin). */
  warn?: (obj: KubeObject, reason: string, message: string) => void;
  /** Told what a sync wrote, also when one of its two writes failed (for the write metrics). */
  wrote?: (r: ServiceSyncResult) => void;
}

export interface ServiceSyncResult extends WriteCounts {
  endpoints: 'created' | 'updated' | 'deleted' | 'unchanged' | 'none';
}

const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

export async function syncService(ctx: ServiceSyncContext, key: string): Promise<ServiceSyncResult> {
  const { client, caches } = ctx;
  const { namespace, name } = splitKey(key);
  ctx.tracker.check(key, (slice) => caches.slices.get(namespace, slice));
  const observer = { written: (s: EndpointSlice) => ctx.tracker.written(key, s), deleted: (n: string) => ctx.tracker.deleted(key, n) };
  const svc = caches.services.get(namespace, name);
  const existing = caches.endpoints.get(namespace, name);
  const ourSlices = slicesOfService(caches, key).filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME);

  if (!svc || svc.spec?.type === 'ExternalName' || !hasSelector(svc)) {
    // Gone, or no longer ours to compute: remove what this controller wrote. Endpoints written by
    // hand (no managed-by label of ours) are never touched; the mirroring controller owns their slices.
    if (!svc) ctx.triggerTimes.forget(namespace, name);
    const deleteEndpoints = async (): Promise<ServiceSyncResult['endpoints']> => {
      if (svc || !existing || existing.metadata.labels?.[LABEL_ENDPOINTS_MANAGED_BY] !== ENDPOINTS_CONTROLLER_NAME) return 'none';
      ctx.guard();
      await deleteIgnoringNotFound(client, namespace, name);
      return 'deleted';
    };
    const slices = writeSliceChanges(client, { create: [], update: [], delete: ourSlices }, ctx.guard, observer);
    return both(ctx, deleteEndpoints(), slices);
  }

  const pods = caches.pods.byNamespace(namespace);
  const triggerTime = ctx.triggerTimes.compute(namespace, svc, pods);
  const desiredEndpoints = computeEndpoints(svc, pods, { triggerTime, existing });
  const nodes = new Map<string, Node>(caches.nodes.list().map((n) => [n.metadata.name ?? '', n]));
  const changes = reconcileEndpointSlices(svc, pods, ourSlices, {
    maxEndpointsPerSlice: ctx.maxEndpointsPerSlice,
    triggerTime,
    nodes: nodes.size ? nodes : undefined,
  });
  // Both computed before either write starts: nothing can throw between the two promises. The
  // slices go first: they are what kube-proxy and cluster DNS read, and the apiserver makes each
  // write durable in the order it arrived (a write that comes while a sync is under way waits for
  // the next one).
  const slices = (async () => {
    try {
      const counts = await writeSliceChanges(client, changes, ctx.guard, observer);
      if (changes.errors.length) throw new Error(changes.errors.join('; '));
      return counts;
    } catch (e) {
      // As Kubernetes' EndpointSlice reconciler: in a namespace being deleted creates keep failing; drop it.
      if (namespaceTerminating(e)) return NO_WRITES;
      if (e instanceof ApiError || changes.errors.length) ctx.warn?.(svc, 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${namespace}/${name}: ${(e as Error).message}`);
      throw e;
    }
  })();
  const endpoints = writeEndpoints(client, desiredEndpoints, existing, ctx);
  try {
    return await both(ctx, endpoints, slices);
  } catch (e) {
    ctx.triggerTimes.undo(namespace, name); // the retry carries the same trigger time
    throw e;
  }
}

const NO_WRITES: WriteCounts = { created: 0, updated: 0, deleted: 0 };

/** The apiserver's refusal of a create in a namespace being deleted (Kubernetes' NamespaceTerminating cause). */
function namespaceTerminating(e: unknown): boolean {
  return e instanceof ForbiddenError && e.message.includes('because it is being terminated');
}

/**
 * The Endpoints write and the slice writes, side by side: in Kubernetes they are two controllers
 * (endpoints and endpointslice) that never wait for each other, so a slice (what kube-proxy reads)
 * does not wait a write round trip for the legacy Endpoints. Both run to the end and what they
 * wrote is told to `ctx.wrote`; a failure is thrown (both, when both failed), the key is retried,
 * and what did get written compares equal then.
 */
async function both(ctx: Pick<ServiceSyncContext, 'wrote'>, endpoints: Promise<ServiceSyncResult['endpoints']>, slices: Promise<WriteCounts>): Promise<ServiceSyncResult> {
  const [e, s] = await Promise.allSettled([endpoints, slices]);
  const result: ServiceSyncResult = { endpoints: e.status === 'fulfilled' ? e.value : 'none', ...(s.status === 'fulfilled' ? s.value : NO_WRITES) };
  ctx.wrote?.(result);
  if (e.status === 'rejected' && s.status === 'rejected') {
    throw new AggregateError([e.reason, s.reason], `${(e.reason as Error)?.message ?? String(e.reason)}; ${(s.reason as Error)?.message ?? String(s.reason)}`);
  }
  if (e.status === 'rejected') throw e.reason;
  if (s.status === 'rejected') throw s.reason;
  return result;
}

/**
 * Writes the desired Endpoints where they differ. A refused write is reported on them as
 * kube-controller-manager does (FailedToCreateEndpoint, FailedToUpdateEndpoint), except a
 * create the namespace forbids (it is being deleted).
 */
async function writeEndpoints(
  client: ApiClient,
  desired: Endpoints | null,
  existing: Endpoints | undefined,
  ctx: Pick<ServiceSyncContext, 'guard' | 'warn'>,
): Promise<ServiceSyncResult['endpoints']> {
  if (!desired) return 'none';
  if (existing && endpointsEqual(existing, desired)) return 'unchanged';
  ctx.guard();
  const where = `${desired.metadata.namespace ?? ''}/${desired.metadata.name ?? ''}`;
  try {
    if (!existing) {
      await client.create(desired);
      return 'created';
    }
    await client.update(desired);
    return 'updated';
  } catch (e) {
    // As Kubernetes' endpoints controller: in a namespace being deleted creates keep failing; drop it.
    if (!existing && namespaceTerminating(e)) return 'none';
    if (e instanceof ApiError) {
      if (existing) ctx.warn?.(desired, 'FailedToUpdateEndpoint', `Failed to update endpoint ${where}: ${e.message}`);
      else ctx.warn?.(desired, 'FailedToCreateEndpoint', `Failed to create endpoint for service ${where}: ${e.message}`);
    }
    throw e;
  }
}

async function deleteIgnoringNotFound(client: ApiClient, namespace: string, name: string): Promise<void> {
  try {
    await client.delete('Endpoints', namespace, name);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
}
