/** minimesh.v1.ApiService: wire in, registry call, wire out. Nothing else happens here. */
import { BadRequestError, isKind, parseFieldSelector, type DeleteOptions, type Kind, type PatchType } from '@minimesh/api';
import { serverStream, unary, type ErrorLogger, type StreamTracker } from '@minimesh/grpc-kit';
import { pb } from '@minimesh/proto';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import { parseLabelSelector } from '../registry/label-selector.js';
import type { ListOptions } from '../registry/list-options.js';
import type { Registry } from '../registry/registry.js';
import type { WatchHub, WatchOutput } from '../watch/watch-hub.js';

function kindOf(kind: string): Kind {
  if (!isKind(kind)) throw new BadRequestError(`the server doesn't have a resource type "${kind}"`);
  return kind;
}

function objectOf(msg: pb.Object | undefined) {
  if (!msg?.kind) throw new BadRequestError('the request has no object');
  return objectFromWire(msg);
}

const EVENT_TYPES = {
  ADDED: pb.EventType.ADDED,
  MODIFIED: pb.EventType.MODIFIED,
  DELETED: pb.EventType.DELETED,
  BOOKMARK: pb.EventType.BOOKMARK,
} as const;

function listOptionsOf(req: pb.ListRequest): ListOptions {
  return {
    namespace: req.namespace,
    labelSelector: req.labelSelector,
    fieldSelector: req.fieldSelector,
    limit: Number(req.limit),
    continue: req.continue,
    resourceVersion: req.resourceVersion,
    resourceVersionMatch: req.resourceVersionMatch,
  };
}

function deleteOptionsOf(o: pb.DeleteOptions | undefined, resourceVersion = ''): DeleteOptions {
  const out: DeleteOptions = {};
  if (o?.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = Number(o.gracePeriodSeconds);
  const uid = o?.preconditionUid ?? '';
  const rv = o?.preconditionResourceVersion || resourceVersion;
  if (uid || rv) out.preconditions = { ...(uid ? { uid } : {}), ...(rv ? { resourceVersion: rv } : {}) };
  if (o?.propagationPolicy) out.propagationPolicy = o.propagationPolicy;
  return out;
}

const PATCH_TYPES: Partial<Record<pb.PatchType, PatchType>> = {
  [pb.PatchType.JSON]: 'json',
  [pb.PatchType.MERGE]: 'merge',
  [pb.PatchType.STRATEGIC]: 'strategic',
};

function listToWire(res: { items: Parameters<typeof objectToWire>[0][]; revision: number; continue?: string; remainingItemCount?: number }, storeId: string): pb.ObjectList {
  const out: pb.ObjectList = { items: res.items.map(objectToWire), resourceVersion: String(res.revision), storeId, continue: res.continue ?? '' };
  if (res.remainingItemCount !== undefined) out.remainingItemCount = res.remainingItemCount;
  return out;
}

function watchEventToWire(out: WatchOutput): pb.WatchEvent {
  return {
    type: EVENT_TYPES[out.type],
    object: out.object ? objectToWire(out.object) : undefined,
    resourceVersion: String(out.revision),
    previousResourceVersion: out.kindPrevious !== undefined ? String(out.kindPrevious) : '',
  };
}

export function apiServiceHandlers(registry: Registry, hub: WatchHub, streams: StreamTracker, logError: ErrorLogger): pb.ApiServiceServer {
  return {
    create: unary('Create', async (req: pb.CreateRequest) => objectToWire(await registry.create(objectOf(req.object))), logError),
    get: unary('Get', async (req: pb.GetRequest) => objectToWire(await registry.get(kindOf(req.kind), req.namespace, req.name)), logError),
    list: unary(
      'List',
      async (req: pb.ListRequest): Promise<pb.ObjectList> => listToWire(await registry.list(kindOf(req.kind), listOptionsOf(req)), registry.store.id),
      logError,
    ),
    update: unary('Update', async (req: pb.UpdateRequest) => objectToWire(await registry.update(objectOf(req.object))), logError),
    updateStatus: unary('UpdateStatus', async (req: pb.UpdateRequest) => objectToWire(await registry.updateStatus(objectOf(req.object))), logError),
    delete: unary(
      'Delete',
      async (req: pb.DeleteRequest) => objectToWire(await registry.delete(kindOf(req.kind), req.namespace, req.name, deleteOptionsOf(req.options, req.resourceVersion))),
      logError,
    ),
    deleteCollection: unary(
      'DeleteCollection',
      async (req: pb.DeleteCollectionRequest): Promise<pb.ObjectList> => {
        const list = req.list ?? pb.ListRequest.fromPartial({});
        const items = await registry.deleteCollection(kindOf(list.kind), listOptionsOf(list), deleteOptionsOf(req.options));
        return { items: items.map(objectToWire), resourceVersion: String(await registry.store.revision()), storeId: registry.store.id, continue: '' };
      },
      logError,
    ),
    patch: unary(
      'Patch',
      async (req: pb.PatchRequest) => {
        const type = PATCH_TYPES[req.type];
        if (!type) throw new BadRequestError('the patch has no type: JSON, MERGE or STRATEGIC');
        if (req.subresource !== '' && req.subresource !== 'status') throw new BadRequestError(`the server could not find the requested resource (subresource "${req.subresource}")`);
        return objectToWire(await registry.patch(kindOf(req.kind), req.namespace, req.name, type, req.patch, req.subresource));
      },
      logError,
    ),
    watch: serverStream(
      'Watch',
      async function* (req: pb.WatchRequest, signal: AbortSignal) {
        const filter = {
          kind: kindOf(req.kind),
          namespace: req.namespace,
          selector: parseLabelSelector(req.labelSelector),
          fields: parseFieldSelector(req.fieldSelector, kindOf(req.kind)),
          resourceVersion: req.resourceVersion,
          allowBookmarks: req.allowBookmarks,
          storeId: req.storeId,
        };
        for await (const out of hub.watch(filter, signal)) yield watchEventToWire(out);
      },
      streams,
      logError,
    ),
  };
}
