/**
 * The REST verbs on one resource, onto the same registry and watch hub as gRPC (same objects,
 * same revisions): GET (get, list, watch), POST (create), PUT (update, /status), PATCH (json,
 * merge, strategic), DELETE (delete, deletecollection). Access is checked as for gRPC.
 *
 * `dryRun=All` on any write is checked and answered as the write (same access checks, same
 * decoding, validation, allocation checks and managed fields, same codes and errors), but the
 * registry stores, announces and keeps nothing (Registry: WriteOptions.dryRun).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, parseFieldSelector, PATCH_TYPES, TooLargeResourceVersionError, UnsupportedMediaTypeError, type Kind, type KindInfo, type KubeObject } from '@minimesh/api';
import type { AccessControl } from '../auth/access-control.js';
import { BODY_NOT_READ, type Verb } from '../auth/request-attributes.js';
import { watchClient, type RequestLimits } from '../grpc/request-limits.js';
import { parseLabelSelector } from '../registry/label-selector.js';
import type { ListOptions } from '../registry/list-options.js';
import type { Registry } from '../registry/registry.js';
import type { WatchHub } from '../watch/watch-hub.js';
import { decodeFields, decodeObject, matchUrl, mediaType, readBody } from './body.js';
import { callerOf } from './caller.js';
import { deleteOptions } from './delete-options.js';
import { checkPathSegmentName } from './path-segment-name.js';
import { queryBool, queryInt } from './query-params.js';
import { STATUS_SUBRESOURCE, kindOfResource } from './discovery.js';
import type { ResourceRequest } from './request-info.js';
import { methodNotAllowed, resourceNotFound } from './status-body.js';
import { parseIncludeObject, toTable, wantsTable } from './table.js';
import { streamWatch } from './watch-stream.js';
import { writeOptions } from './write-options.js';

export interface ResourceHandlerDeps {
  registry: Registry;
  hub: WatchHub;
  access: AccessControl;
  limits: RequestLimits;
  now?: () => number;
  /** A watcher that stops reading is cut off after this long (0 or absent: never). */
  watchStallTimeoutMs?: number;
  onWatchStall?: () => void;
}

/** Answers with a JSON body; warnings go out as `Warning: 299 - "..."` headers, as kube-apiserver sends them. */
export type Reply = (code: number, body: unknown, warnings?: string[]) => void;

/** What is sent of an object in a list: Kubernetes' typed lists leave kind and apiVersion out of items. */
function listItem(o: KubeObject): Omit<KubeObject, 'kind' | 'apiVersion'> {
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest;
}

const APPLY_PATCH = 'application/apply-patch+yaml';

/**
 * What kube-apiserver's apply patcher refuses before merging: a configuration without the URL's
 * apiVersion (`Incorrect version specified in apply patch. Specified patch version: , expected: v1`)
 * or kind, and one that sets metadata.managedFields (the server keeps those).
 */
function checkApplyConfiguration(body: Buffer, info: KindInfo): void {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return; // decodeObject words the parse error
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return;
  const o = doc as Record<string, unknown>;
  const version = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  if (version !== info.apiVersion) throw new BadRequestError(`Incorrect version specified in apply patch. Specified patch version: ${version}, expected: ${info.apiVersion}`);
  const kind = typeof o.kind === 'string' ? o.kind : '';
  if (kind !== info.kind) throw new BadRequestError(`Incorrect kind specified in apply patch. Specified patch kind: ${kind}, expected: ${info.kind}`);
  const meta = o.metadata;
  if (meta && typeof meta === 'object' && (meta as Record<string, unknown>).managedFields != null) throw new BadRequestError('metadata.managedFields must be nil');
}

function listOptions(q: URLSearchParams, namespace: string): ListOptions {
  // An int64 as kube-apiserver's parameter codec reads it (a negative one lists everything).
  const limit = queryInt(q, 'limit');
  return {
    namespace,
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: q.get('fieldSelector') ?? '',
    limit: limit ?? 0,
    continue: q.get('continue') ?? '',
    resourceVersion: q.get('resourceVersion') ?? '',
    resourceVersionMatch: q.get('resourceVersionMatch') ?? '',
  };
}

export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  async serve(r: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, reply: Reply): Promise<void> {
    const info = kindOfResource({ group: r.group, version: r.version }, r.resource);
    if (!info) throw resourceNotFound();
    if (r.subresource && !(r.subresource === 'status' && STATUS_SUBRESOURCE.has(info.kind))) throw resourceNotFound();
    const method = req.method ?? 'GET';
    // The routes kube-apiserver registers: a namespaced kind's objects only under
    // /namespaces/<ns>/; its path without a namespace (/api/v1/services) is the list and watch of
    // every namespace and takes nothing else (405), nor a name (404); a cluster-scoped kind has no
    // path under a namespace (404).
    if (info.namespaced !== r.namespacedPath) {
      if (!info.namespaced || r.name) throw resourceNotFound();
      if (method !== 'GET') throw methodNotAllowed();
    }
    if (r.name) checkPathSegmentName(r.name);
    const kind = info.kind;
    const namespace = info.namespaced ? r.namespace : '';
    const call = callerOf(req);
    const check = (verb: Verb, name = r.name, objectName?: string | typeof BODY_NOT_READ) => this.deps.access.check(call, verb, kind, namespace, name, r.subresource, objectName);
    const watch = r.watchPrefix || queryBool(query, 'watch');
    // A subresource takes no POST or DELETE.
    if (r.subresource && (method === 'POST' || method === 'DELETE')) throw methodNotAllowed();

    if (method === 'GET' && watch) {
      if (r.subresource) throw methodNotAllowed();
      const user = check('watch', '');
      const close = this.deps.limits.openWatch(watchClient(user.name, call.getPeer()));
      try {
        await this.watch(info, namespace, r.name, query, req, res);
      } finally {
        close();
      }
      return;
    }
    await this.deps.limits.run(async () => {
      if (!r.name) return this.collection(method, info, namespace, query, req, check, reply);
      return this.object(method, info, namespace, r, query, req, check, reply);
    });
  }

  private async collection(method: string, info: KindInfo, namespace: string, q: URLSearchParams, req: IncomingMessage, check: (v: Verb, name?: string, objectName?: string | typeof BODY_NOT_READ) => unknown, reply: Reply): Promise<void> {
    const { registry } = this.deps;
    const kind = info.kind;
    switch (method) {
      case 'GET': {
        check('list');
        const list = await registry.list(kind, listOptions(q, namespace));
        const metadata = { resourceVersion: String(list.revision), ...(list.continue ? { continue: list.continue } : {}), ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}) };
        if (wantsTable(req.headers.accept)) return reply(200, toTable(kind, list.items, metadata, { include: parseIncludeObject(q.get('includeObject')), now: this.now() }));
        return reply(200, { kind: `${kind}List`, apiVersion: info.apiVersion, metadata, items: list.items.map(listItem) });
      }
      case 'POST': {
        check('create', '', BODY_NOT_READ);
        const o = writeOptions('create', q, req);
        const warnings: string[] = [];
        const obj = matchUrl(decodeObject(await readBody(req), mediaType(req), info, o.fieldValidation, warnings), info, namespace, '');
        check('create', '', obj.metadata?.name ?? '');
        return reply(201, await registry.create(obj, { manager: o.manager, dryRun: o.dryRun }), warnings);
      }
      case 'DELETE': {
        check('deletecollection');
        const opts = deleteOptions(q, await readBody(req));
        const items = await registry.deleteCollection(kind, listOptions(q, namespace), opts);
        return reply(200, { kind: `${kind}List`, apiVersion: info.apiVersion, metadata: { resourceVersion: String(await registry.store.revision()) }, items: items.map(listItem) });
      }
      default:
        throw methodNotAllowed();
    }
  }

  private async object(method: string, info: KindInfo, namespace: string, r: ResourceRequest, q: URLSearchParams, req: IncomingMessage, check: (v: Verb, name?: string, objectName?: string | typeof BODY_NOT_READ) => unknown, reply: Reply): Promise<void> {
    const { registry } = this.deps;
    const kind = info.kind;
    switch (method) {
      case 'GET': {
        check('get');
        const obj = await registry.get(kind, namespace, r.name);
        if (wantsTable(req.headers.accept)) return reply(200, toTable(kind, [obj], { resourceVersion: obj.metadata.resourceVersion }, { include: parseIncludeObject(q.get('includeObject')), now: this.now() }));
        return reply(200, obj);
      }
      case 'PUT': {
        check('update');
        const o = writeOptions('update', q, req);
        const warnings: string[] = [];
        const obj = matchUrl(decodeObject(await readBody(req), mediaType(req), info, o.fieldValidation, warnings), info, namespace, r.name);
        const w = { manager: o.manager, dryRun: o.dryRun };
        return reply(200, r.subresource === 'status' ? await registry.updateStatus(obj, w) : await registry.update(obj, w), warnings);
      }
      case 'PATCH': {
        check('patch');
        if (mediaType(req) === APPLY_PATCH) return this.apply(info, namespace, r, q, req, check, reply);
        const type = PATCH_TYPES[mediaType(req)];
        if (!type || mediaType(req) === type) {
          throw new UnsupportedMediaTypeError(
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
          );
        }
        const o = writeOptions('patch', q, req);
        const body = await readBody(req);
        const warnings: string[] = [];
        // The patched object is decoded as a PUT body would be (types, times, unknown fields as
        // fieldValidation says, a null in a list its zero value), before it is validated and written.
        const decode = (patched: Record<string, unknown>) => decodeFields(patched, info, o.fieldValidation, warnings);
        return reply(200, await registry.patch(kind, namespace, r.name, type, body, r.subresource === 'status' ? 'status' : '', { manager: o.manager, decode, dryRun: o.dryRun }), warnings);
      }
      case 'DELETE': {
        check('delete');
        const opts = deleteOptions(q, await readBody(req));
        return reply(200, await registry.delete(kind, namespace, r.name, opts));
      }
      default:
        throw methodNotAllowed();
    }
  }

  /**
   * Server-side apply: the body is the manager's configuration (JSON, which is YAML too; kubectl
   * sends JSON), `fieldManager` is required, `force` takes conflicting fields over. Creates the
   * object when it does not exist (which needs the create permission as well).
   */
  private async apply(info: KindInfo, namespace: string, r: ResourceRequest, q: URLSearchParams, req: IncomingMessage, check: (v: Verb, name?: string, objectName?: string | typeof BODY_NOT_READ) => unknown, reply: Reply): Promise<void> {
    if (r.subresource) throw new UnsupportedMediaTypeError('server-side apply of a subresource is not supported here');
    const o = writeOptions('patch', q, req, true);
    const body = await readBody(req);
    checkApplyConfiguration(body, info);
    const warnings: string[] = [];
    const config = matchUrl(decodeObject(body, 'application/json', info, o.fieldValidation, warnings), info, namespace, r.name);
    const { object, created } = await this.deps.registry.apply(info.kind, namespace, r.name, config, { manager: o.manager, force: o.force, dryRun: o.dryRun, beforeCreate: () => void check('create', '', r.name) });
    return reply(created ? 201 : 200, object, warnings);
  }

  private async watch(info: KindInfo, namespace: string, name: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kind: Kind = info.kind;
    const fieldSelector = [q.get('fieldSelector') ?? '', name ? `metadata.name=${name}` : ''].filter(Boolean).join(',');
    const timeout = queryInt(q, 'timeoutSeconds') ?? 0;
    // A revision the store has not reached is refused before the stream starts, as kube-apiserver's
    // watch cache refuses it: 504 with a ResourceVersionTooLarge cause (client-go relists).
    const rv = q.get('resourceVersion') ?? '';
    if (/^\d+$/.test(rv)) {
      const current = await this.deps.registry.store.revision();
      if (Number(rv) > current) throw new TooLargeResourceVersionError(Number(rv), current);
    }
    await streamWatch(
      this.deps.hub,
      {
        kind,
        namespace,
        selector: parseLabelSelector(q.get('labelSelector') ?? ''),
        fields: parseFieldSelector(fieldSelector, kind),
        resourceVersion: q.get('resourceVersion') ?? '',
        allowBookmarks: queryBool(q, 'allowWatchBookmarks'),
      },
      {
        table: wantsTable(req.headers.accept) ? { include: parseIncludeObject(q.get('includeObject')), now: () => this.now() } : undefined,
        timeoutMs: timeout > 0 ? timeout * 1000 : 0,
        apiVersion: info.apiVersion,
        stallTimeoutMs: this.deps.watchStallTimeoutMs,
        onStall: this.deps.onWatchStall,
      },
      req,
      res,
    );
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

