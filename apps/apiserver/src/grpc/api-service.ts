/** minimesh.v1.ApiService: wire in, registry call, wire out. Nothing else happens here. */
import { ApiError, BadRequestError, isKind, parseFieldSelector, type DeleteOptions, type Kind, type PatchType } from '@minimesh/api';
import { serverStream, unary, type CallContext, type ErrorLogger, type StreamTracker } from '@minimesh/grpc-kit';
import { pb } from '@minimesh/proto';
import { decodeKnownFields, decodeRequest, objectFromWire, objectToWire, restoreProtoKeys, SafeInt64Writer, UndecodableRequest, type RequestCodec } from '@minimesh/wire';
import type { AccessControl } from '../auth/access-control.js';
import { checkPathSegmentName } from '../rest/path-segment-name.js';
import { watchClient, type RequestLimits } from './request-limits.js';
import { parseLabelSelector } from '../registry/label-selector.js';
import type { ListOptions } from '../registry/list-options.js';
import type { Registry } from '../registry/registry.js';
import type { WatchHub, WatchRequest } from '../watch/watch-hub.js';
import { encodeWatchBatches, encodeWatchEvent, watchEventsToWire, watchEventToWire } from './watch-wire.js';

function kindOf(kind: string): Kind {
  if (!isKind(kind)) throw new BadRequestError(`the server doesn't have a resource type "${kind}"`);
  return kind;
}

/**
 * The object of a write as the REST API would take it: map keys as sent (`__proto__` too, see
 * request-decode.ts), Time and MicroTime fields parsed as Go parses them and kept in UTC (a bad
 * one is the REST API's 400: `Lease in version "v1" cannot be handled as a Lease: parsing time ...`).
 */
function objectOf(msg: pb.Object | undefined) {
  if (!msg?.kind) throw new BadRequestError('the request has no object');
  const obj = restoreProtoKeys(objectFromWire(msg));
  return decodeKnownFields(obj.kind, obj as unknown as Record<string, unknown>).object;
}

/** A name of an existing object (Get, Delete, Patch), checked as the REST API checks one in its path. */
function nameOf(name: string): string {
  checkPathSegmentName(name);
  return name;
}

/** A request grpc-js could not decode is answered as a bad request, not as INTERNAL. */
function refuseUndecodable(req: unknown): void {
  if (req instanceof UndecodableRequest) throw new BadRequestError(`the request could not be decoded: ${req.reason}`);
}

/** The REST API's 404 for a path it does not serve (a subresource other than status). */
function resourceNotFound(): ApiError {
  return new ApiError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: {} });
}

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

type Methods = typeof pb.ApiServiceService;

/** Each method's request message, and whether it carries an object (whose map keys are kept as sent). */
const REQUESTS: { [M in keyof Methods]: [RequestCodec<unknown>, boolean] } = {
  create: [pb.CreateRequest, true],
  get: [pb.GetRequest, false],
  list: [pb.ListRequest, false],
  update: [pb.UpdateRequest, true],
  updateStatus: [pb.UpdateRequest, true],
  delete: [pb.DeleteRequest, false],
  deleteCollection: [pb.DeleteCollectionRequest, false],
  patch: [pb.PatchRequest, false],
  watch: [pb.WatchRequest, false],
  watchBatched: [pb.WatchRequest, false],
};

const RESPONSES: { [M in keyof Methods]: { encode(msg: never, w: SafeInt64Writer): SafeInt64Writer } } = {
  create: pb.Object,
  get: pb.Object,
  list: pb.ObjectList,
  update: pb.Object,
  updateStatus: pb.Object,
  delete: pb.Object,
  deleteCollection: pb.ObjectList,
  patch: pb.Object,
  watch: pb.WatchEvent,
  watchBatched: pb.WatchEventBatch,
};

/**
 * The service as generated, except that:
 * - a request is decoded by decodeRequest: one grpc-js could not decode (an int64 beyond ±(2^53-1),
 *   broken bytes) reaches the handler, which refuses it with INVALID_ARGUMENT (a deserializer that
 *   throws gets INTERNAL from grpc-js), and map keys such as `__proto__` survive to validation;
 * - an answer is encoded by SafeInt64Writer, so that nothing stored can make clients fail to read it;
 * - a watch event shared by many watchers is encoded once, and a batch of them is joined from
 *   those bytes.
 */
export function apiServiceDefinition(): Methods {
  const out = { ...pb.ApiServiceService } as Record<keyof Methods, Methods[keyof Methods]>;
  for (const method of Object.keys(REQUESTS) as (keyof Methods)[]) {
    const [codec, keepProtoKeys] = REQUESTS[method];
    const response = RESPONSES[method];
    out[method] = {
      ...pb.ApiServiceService[method],
      requestDeserialize: (bytes: Buffer) => decodeRequest(codec, bytes, { keepProtoKeys }),
      responseSerialize: (msg: never) => Buffer.from(response.encode(msg, new SafeInt64Writer()).finish()),
    } as unknown as Methods[keyof Methods];
  }
  // A watch event's bytes are made once for every watcher; a batch comes encoded (watch-wire.ts).
  const watch = out.watch as Methods['watch'];
  const watchBatched = out.watchBatched as Methods['watchBatched'];
  return {
    ...(out as Methods),
    watch: { ...watch, responseSerialize: encodeWatchEvent },
    watchBatched: { ...watchBatched, responseSerialize: (msg: pb.WatchEventBatch | Buffer) => (Buffer.isBuffer(msg) ? msg : watchBatched.responseSerialize(msg)) },
  } as Methods;
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
    unary(
      method,
      (req: Req, call: CallContext) => {
        refuseUndecodable(req);
        return limits.run(() => fn(req, call));
      },
      logError,
    );
  /** The object of a write, once the caller may write it. */
  const writable = (call: CallContext, verb: 'create' | 'update', msg: pb.Object | undefined, subresource = '') => {
    const obj = objectOf(msg);
    const name = obj.metadata?.name ?? '';
    access.check(call, verb, obj.kind, obj.metadata?.namespace ?? '', verb === 'create' ? '' : name, subresource, verb === 'create' ? name : undefined);
    return obj;
  };
  /**
   * A watch's filter, once the caller may watch, and one of the caller's watch slots (`close`
   * gives it back). Everything that can refuse the request runs before the slot is taken.
   */
  const openWatch = (req: pb.WatchRequest, call: CallContext): { filter: WatchRequest; close: () => void } => {
    refuseUndecodable(req);
    const user = access.check(call, 'watch', kindOf(req.kind), req.namespace);
    const filter: WatchRequest = {
      kind: kindOf(req.kind),
      namespace: req.namespace,
      selector: parseLabelSelector(req.labelSelector),
      fields: parseFieldSelector(req.fieldSelector, kindOf(req.kind)),
      resourceVersion: req.resourceVersion,
      allowBookmarks: req.allowBookmarks,
      storeId: req.storeId,
    };
    return { filter, close: limits.openWatch(watchClient(user.name, call.getPeer())) };
  };
  const watchStreamOptions = { stallTimeoutMs: deps.watchStallTimeoutMs || undefined, onStall: deps.onWatchStall };
  return {
    create: unaryCall('Create', async (req: pb.CreateRequest, call) => objectToWire(await registry.create(writable(call, 'create', req.object)))),
    get: unaryCall('Get',
      async (req: pb.GetRequest, call) => {
        access.check(call, 'get', kindOf(req.kind), req.namespace, nameOf(req.name));
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
        access.check(call, 'delete', kindOf(req.kind), req.namespace, nameOf(req.name));
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
        kindOf(req.kind);
        if (req.subresource !== '' && req.subresource !== 'status') throw resourceNotFound();
        access.check(call, 'patch', kindOf(req.kind), req.namespace, nameOf(req.name), req.subresource);
        const type = PATCH_TYPES[req.type];
        if (!type) throw new BadRequestError('the patch has no type: JSON, MERGE or STRATEGIC');
        return objectToWire(await registry.patch(kindOf(req.kind), req.namespace, req.name, type, req.patch, req.subresource));
      },
    ),
    watch: serverStream(
      'Watch',
      async function* (req: pb.WatchRequest, signal: AbortSignal, call: CallContext) {
        const { filter, close } = openWatch(req, call);
        try {
          for await (const out of hub.watch(filter, signal)) yield watchEventToWire(out);
        } finally {
          close();
        }
      },
      streams,
      logError,
      watchStreamOptions,
    ),
    watchBatched: serverStream(
      'WatchBatched',
      async function* (req: pb.WatchRequest, signal: AbortSignal, call: CallContext) {
        const { filter, close } = openWatch(req, call);
        try {
          for await (const outs of hub.watchBatches(filter, signal)) yield* encodeWatchBatches(watchEventsToWire(outs));
        } finally {
          close();
        }
      },
      streams,
      logError,
      watchStreamOptions,
      // Its messages come encoded: apiServiceDefinition's serializer passes bytes through.
    ) as unknown as pb.ApiServiceServer['watchBatched'],
  };
}
