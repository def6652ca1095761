/**
 * ApiClient over gRPC. Every unary call has a deadline; a watch has none (keepalive instead) and
 * is cancelled when the consumer stops iterating or aborts its signal.
 */
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { Metadata, credentials, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import type { DeleteOptions, Kind, KubeObject, ObjectOfKind, PatchType } from '@minimesh/api';
import { pb } from '@minimesh/proto';
import { fromGrpcError, objectFromWire, objectToWire } from '@minimesh/wire';
import type { ApiClient, ListOptions, ListResult, SelectOptions, WatchEvent, WatchOptions } from './api-client.js';
import { GrpcWatches } from './grpc-watch.js';

export interface ClientOptions {
  /** Per-call deadline for unary calls. */
  timeoutMs?: number;
  /** PEM file of the CA that signed the apiserver's certificate (TCP addresses speak TLS). */
  caFile?: string;
  /** Client certificate and key: the identity (CN user, O groups) the apiserver sees. */
  certFile?: string;
  keyFile?: string;
  /** Bearer token, or a file holding one (read again within a second of a change, so a rotated token is used at once). */
  token?: string;
  tokenFile?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

const PATCH_TYPES: Record<PatchType, pb.PatchType> = { json: pb.PatchType.JSON, merge: pb.PatchType.MERGE, strategic: pb.PatchType.STRATEGIC };

function listRequest(kind: Kind, o: ListOptions): pb.ListRequest {
  return {
    kind,
    namespace: o.namespace ?? '',
    labelSelector: o.labelSelector ?? '',
    fieldSelector: o.fieldSelector ?? '',
    limit: o.limit ?? 0,
    continue: o.continue ?? '',
    resourceVersion: o.resourceVersion ?? '',
    resourceVersionMatch: o.resourceVersionMatch ?? '',
  };
}

function deleteOptions(o: DeleteOptions): pb.DeleteOptions {
  const out: pb.DeleteOptions = {
    preconditionUid: o.preconditions?.uid ?? '',
    preconditionResourceVersion: o.preconditions?.resourceVersion ?? '',
    propagationPolicy: o.propagationPolicy ?? '',
  };
  if (o.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = o.gracePeriodSeconds;
  return out;
}

type Unary<Req, Res> = (req: Req, meta: Metadata, opts: { deadline: Date }, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/**
 * Unix sockets are plain (the file's mode guards them); TCP speaks TLS, verified against the CA.
 * For an IP address the certificate is checked against that IP (its subjectAltName) as usual, but
 * the TLS ServerName sent is a name (SNI may not carry an IP, RFC 6066; Node warns when it does).
 */
function channelCredentials(target: string, o: ClientOptions): { creds: ChannelCredentials; options: Record<string, string> } {
  if (target.startsWith('unix:')) return { creds: credentials.createInsecure(), options: {} };
  const read = (f?: string) => (f ? readFileSync(f) : null);
  if (!!o.certFile !== !!o.keyFile) throw new Error('a client certificate needs its key (and the key its certificate)');
  const host = target.slice(0, target.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  if (!isIP(host)) return { creds: credentials.createSsl(read(o.caFile), read(o.keyFile), read(o.certFile)), options: {} };
  const creds = credentials.createSsl(read(o.caFile), read(o.keyFile), read(o.certFile), {
    checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
  });
  return { creds, options: { 'grpc.ssl_target_name_override': 'kubernetes' } };
}

/**
 * The call metadata: `authorization: Bearer <token>` when there is a token. A token file is read
 * again when it changed (looked at, by its mtime, at most once a second), so a rotated token is
 * used at once without a read on every call.
 */
function callMetadata(o: ClientOptions): () => Metadata {
  let token = o.token;
  let mtimeMs = -1;
  let checkedAt = 0;
  const current = (): string | undefined => {
    if (!o.tokenFile) return token;
    const now = Date.now();
    if (now - checkedAt >= 1000) {
      checkedAt = now;
      const m = statSync(o.tokenFile).mtimeMs;
      if (m !== mtimeMs) {
        token = readFileSync(o.tokenFile, 'utf8').trim();
        mtimeMs = m;
      }
    }
    return token;
  };
  return () => {
    const md = new Metadata();
    const t = current();
    if (t) md.set('authorization', `Bearer ${t}`);
    return md;
  };
}

export function connectApiClient(address: string, opts: ClientOptions = {}): ApiClient {
  const target = address.replace(/^(grpc|grpcs|http|https):\/\//, '');
  const metadata = callMetadata(opts);
  const channel = channelCredentials(target, opts);
  const raw = new pb.ApiServiceClient(target, channel.creds, {
    ...channel.options,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // Reconnect quickly after an apiserver restart (grpc-js defaults: 1 s growing to 120 s).
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 5000,
    // No per-call channelz statistics: nothing reads them.
    'grpc.enable_channelz': 0,
  });
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const watches = new GrpcWatches(raw);

  function call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(raw, req, metadata(), { deadline: new Date(Date.now() + timeout) }, (err, res) =>
        err ? reject(fromGrpcError(err)) : resolve(res),
      );
    });
  }

  return {
    async create<T extends KubeObject>(obj: T): Promise<T> {
      return objectFromWire(await call(raw.create as never, { object: objectToWire(obj) })) as T;
    },
    async get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>> {
      return objectFromWire(await call(raw.get as never, { kind, namespace, name })) as ObjectOfKind<K>;
    },
    async list<K extends Kind>(kind: K, o: ListOptions = {}): Promise<ListResult<ObjectOfKind<K>>> {
      const res = await call<pb.ListRequest, pb.ObjectList>(raw.list as never, listRequest(kind, o));
      const result: ListResult<ObjectOfKind<K>> = { items: res.items.map((i) => objectFromWire(i) as ObjectOfKind<K>), resourceVersion: res.resourceVersion };
      if (res.storeId) result.storeId = res.storeId;
      if (res.continue) result.continue = res.continue;
      if (res.remainingItemCount !== undefined) result.remainingItemCount = res.remainingItemCount;
      return result;
    },
    async update<T extends KubeObject>(obj: T): Promise<T> {
      return objectFromWire(await call(raw.update as never, { object: objectToWire(obj) })) as T;
    },
    async updateStatus<T extends KubeObject>(obj: T): Promise<T> {
      return objectFromWire(await call(raw.updateStatus as never, { object: objectToWire(obj) })) as T;
    },
    async delete<K extends Kind>(kind: K, namespace: string, name: string, o: DeleteOptions & { resourceVersion?: string } = {}): Promise<ObjectOfKind<K>> {
      const req: pb.DeleteRequest = { kind, namespace, name, resourceVersion: o.resourceVersion ?? '', options: deleteOptions(o) };
      return objectFromWire(await call(raw.delete as never, req)) as ObjectOfKind<K>;
    },
    async deleteCollection<K extends Kind>(kind: K, select: SelectOptions, o: DeleteOptions = {}): Promise<ObjectOfKind<K>[]> {
      const res = await call<pb.DeleteCollectionRequest, pb.ObjectList>(raw.deleteCollection as never, { list: listRequest(kind, select), options: deleteOptions(o) });
      return res.items.map((i) => objectFromWire(i) as ObjectOfKind<K>);
    },
    async patch<K extends Kind>(kind: K, namespace: string, name: string, type: PatchType, patch: string | object, o: { subresource?: 'status' } = {}): Promise<ObjectOfKind<K>> {
      const body = Buffer.from(typeof patch === 'string' ? patch : JSON.stringify(patch));
      const req: pb.PatchRequest = { kind, namespace, name, type: PATCH_TYPES[type], patch: body, subresource: o.subresource ?? '' };
      return objectFromWire(await call(raw.patch as never, req)) as ObjectOfKind<K>;
    },
    watch<K extends Kind>(kind: K, o: WatchOptions = {}): AsyncIterable<WatchEvent<ObjectOfKind<K>>> {
      const req: pb.WatchRequest = {
        kind,
        namespace: o.namespace ?? '',
        labelSelector: o.labelSelector ?? '',
        fieldSelector: o.fieldSelector ?? '',
        resourceVersion: o.resourceVersion ?? '',
        allowBookmarks: o.allowBookmarks ?? false,
        storeId: o.storeId ?? '',
      };
      return { [Symbol.asyncIterator]: () => watches.open<ObjectOfKind<K>>(req, metadata(), o.signal) };
    },
    close() {
      raw.close();
    },
  };
}
