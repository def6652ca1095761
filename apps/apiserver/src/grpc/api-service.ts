/** minimesh.v1.ApiService: wire in, registry call, wire out. Nothing else happens here. */
import { BadRequestError, isKind, type Kind } from '@minimesh/api';
import { serverStream, unary, type ErrorLogger, type StreamTracker } from '@minimesh/grpc-kit';
import { pb } from '@minimesh/proto';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import type { Registry } from '../registry/registry.js';
import { parseLabelSelector } from '../registry/registry.js';
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
      async (req: pb.ListRequest): Promise<pb.ObjectList> => {
        const { items, revision } = await registry.list(kindOf(req.kind), req.namespace, req.labelSelector);
        return { items: items.map(objectToWire), resourceVersion: String(revision), storeId: registry.store.id };
      },
      logError,
    ),
    update: unary('Update', async (req: pb.UpdateRequest) => objectToWire(await registry.update(objectOf(req.object))), logError),
    updateStatus: unary('UpdateStatus', async (req: pb.UpdateRequest) => objectToWire(await registry.updateStatus(objectOf(req.object))), logError),
    delete: unary(
      'Delete',
      async (req: pb.DeleteRequest) => objectToWire(await registry.delete(kindOf(req.kind), req.namespace, req.name, req.resourceVersion || undefined)),
      logError,
    ),
    watch: serverStream(
      'Watch',
      async function* (req: pb.WatchRequest, signal: AbortSignal) {
        const filter = {
          kind: kindOf(req.kind),
          namespace: req.namespace,
          selector: parseLabelSelector(req.labelSelector),
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
