/** minimesh.v1.ApiService: wire in, registry call, wire out. Nothing else happens here. */
import { BadRequestError, isKind, parseFieldSelector, type DeleteOptions, type Kind, type PatchType } from '@minimesh/api';
import { serverStream, unary, type CallContext, type ErrorLogger, type StreamTracker } from '@minimesh/grpc-kit';
import { pb } from '@minimesh/proto';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import type { AccessControl } from '../auth/access-control.js';
import { watchClient, type RequestLimits } from './request-limits.js';
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

/**
 * An event goes to every watcher of its kind. Its wire form is made once (kept with the stored
 * object it carries, which all watchers share) and so are its bytes (see apiServiceDefinition),
 * not once per watcher.
 */
const wireEvents = new WeakMap<object, pb.WatchEvent>();

function watchEventToWire(out: WatchOutput): pb.WatchEvent {
  const type = EVENT_TYPES[out.type];
  const resourceVersion = String(out.revision);
  const previousResourceVersion = out.kindPrevious !== undefined ? String(out.kindPrevious) : '';
  if (!out.object) return { type, object: undefined, resourceVersion, previousResourceVersion };
  const known = wireEvents.get(out.object);
  // The same object reaches a watcher with a selector as another type (ADDED/DELETED for MODIFIED).
  if (known && known.type === type && known.resourceVersion === resourceVersion && known.previousResourceVersion === previousResourceVersion) return known;
  const ev: pb.WatchEvent = { type, object: objectToWire(out.object), resourceVersion, previousResourceVersion };
  wireEvents.set(out.object, ev);
  return ev;
}

/** The service as generated, but a watch event shared by many watchers is encoded once. */
export function apiServiceDefinition(): typeof pb.ApiServiceService {
  const encoded = new WeakMap<pb.WatchEvent, Buffer>();
  const watch = pb.ApiServiceService.watch;
  const responseSerialize = (ev: pb.WatchEvent): Buffer => {
    let bytes = encoded.get(ev);
    if (!bytes) {
      bytes = watch.responseSerialize(ev);
      if (ev.object) encoded.set(ev, bytes);
    }
    return bytes;
  };
  return { ...pb.ApiServiceService, watch: { ...watch, responseSerialize } };
}

export interface ApiServiceDeps {
  registry: Registry;
  hub: WatchHub;
  streams: StreamTracker;
  logError: ErrorLogger;
  access: AccessControl;
  limits: RequestLimits;
  /** A watch whose client stops reading this long is closed (0: never). */
  watchStallTimeoutMs: number;
  onWatchStall?: () => void;
}

export function apiServiceHandlers(deps: ApiServiceDeps): pb.ApiServiceServer {
  const { registry, hub, streams, logError, access, limits } = deps;
  /** A unary handler within the in-flight limit. */
  const unaryCall = <Req, Res>(method: string, fn: (req: Req, call: CallContext) => Promise<Res>) =>
    unary(method, (req: Req, call: CallContext) => limits.run(() => fn(req, call)), logError);
  /** The object of a write, once the caller may write it. */
  const writable = (call: CallContext, verb: 'create' | 'update', msg: pb.Object | undefined, subresource = '') => {
    const obj = objectOf(msg);
    const name = obj.metadata?.name ?? '';
    access.check(call, verb, obj.kind, obj.metadata?.namespace ?? '', verb === 'create' ? '' : name, subresource, verb === 'create' ? name : undefined);
    return obj;
  };
  return {
    create: unaryCall('Create', async (req: pb.CreateRequest, call) => objectToWire(await registry.create(writable(call, 'create', req.object)))),
    get: unaryCall('Get',
      async (req: pb.GetRequest, call) => {
        access.check(call, 'get', kindOf(req.kind), req.namespace, req.name);
        return objectToWire(await registry.get(kindOf(req.kind), req.namespace, req.name));
      },
    ),
    list: unaryCall('List',
      async (req: pb.ListRequest, call): Promise<pb.ObjectList> => {
        access.check(call, 'list', kindOf(req.kind), req.namespace);
        return listToWire(await registry.list(kindOf(req.kind), listOptionsOf(req)), registry.store.id);
      },
    ),
    update: unaryCall('Update', async (req: pb.UpdateRequest, call) => objectToWire(await registry.update(writable(call, 'update', req.object)))),
    updateStatus: unaryCall('UpdateStatus', async (req: pb.UpdateRequest, call) => objectToWire(await registry.updateStatus(writable(call, 'update', req.object, 'status')))),
    delete: unaryCall('Delete',
      async (req: pb.DeleteRequest, call) => {
        access.check(call, 'delete', kindOf(req.kind), req.namespace, req.name);
        return objectToWire(await registry.delete(kindOf(req.kind), req.namespace, req.name, deleteOptionsOf(req.options, req.resourceVersion)));
      },
    ),
    deleteCollection: unaryCall('DeleteCollection',
      async (req: pb.DeleteCollectionRequest, call): Promise<pb.ObjectList> => {
        const list = req.list ?? pb.ListRequest.fromPartial({});
        access.check(call, 'deletecollection', kindOf(list.kind), list.namespace);
        const items = await registry.deleteCollection(kindOf(list.kind), listOptionsOf(list), deleteOptionsOf(req.options));
        return { items: items.map(objectToWire), resourceVersion: String(await registry.store.revision()), storeId: registry.store.id, continue: '' };
      },
    ),
    patch: unaryCall('Patch',
      async (req: pb.PatchRequest, call) => {
        access.check(call, 'patch', kindOf(req.kind), req.namespace, req.name, req.subresource === 'status' ? 'status' : '');
        const type = PATCH_TYPES[req.type];
        if (!type) throw new BadRequestError('the patch has no type: JSON, MERGE or STRATEGIC');
        if (req.subresource !== '' && req.subresource !== 'status') throw new BadRequestError(`the server could not find the requested resource (subresource "${req.subresource}")`);
        return objectToWire(await registry.patch(kindOf(req.kind), req.namespace, req.name, type, req.patch, req.subresource));
      },
    ),
    watch: serverStream(
      'Watch',
      async function* (req: pb.WatchRequest, signal: AbortSignal, call: CallContext) {
        const user = access.check(call, 'watch', kindOf(req.kind), req.namespace);
        const close = limits.openWatch(watchClient(user.name, call.getPeer()));
        const filter = {
          kind: kindOf(req.kind),
          namespace: req.namespace,
          selector: parseLabelSelector(req.labelSelector),
          fields: parseFieldSelector(req.fieldSelector, kindOf(req.kind)),
          resourceVersion: req.resourceVersion,
          allowBookmarks: req.allowBookmarks,
          storeId: req.storeId,
        };
        try {
          for await (const out of hub.watch(filter, signal)) yield watchEventToWire(out);
        } finally {
          close();
        }
      },
      streams,
      logError,
      { stallTimeoutMs: deps.watchStallTimeoutMs || undefined, onStall: deps.onWatchStall },
    ),
  };
}
