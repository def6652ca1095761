/**
 * The REST verbs on one resource, onto the same registry and watch hub as gRPC (same objects,
 * same revisions): GET (get, list, watch), POST (create), PUT (update, /status), PATCH (json,
 * merge, strategic), DELETE (delete, deletecollection). Access is checked as for gRPC.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyPatch, BadRequestError, field, InvalidError, parseFieldSelector, PATCH_TYPES, UnsupportedMediaTypeError, type DeleteOptions, type Kind, type KindInfo, type KubeObject } from '@minimesh/api';
import type { AccessControl } from '../auth/access-control.js';
import { BODY_NOT_READ, type Verb } from '../auth/request-attributes.js';
import { watchClient, type RequestLimits } from '../grpc/request-limits.js';
import { parseLabelSelector } from '../registry/label-selector.js';
import type { ListOptions } from '../registry/list-options.js';
import type { Registry } from '../registry/registry.js';
import type { WatchHub } from '../watch/watch-hub.js';
import { decodeFields, decodeObject, matchUrl, mediaType, parseFieldValidation, readBody } from './body.js';
import { callerOf } from './caller.js';
import { STATUS_SUBRESOURCE, kindOfResource } from './discovery.js';
import type { ResourceRequest } from './request-info.js';
import { methodNotAllowed, resourceNotFound } from './status-body.js';
import { parseIncludeObject, toTable, wantsTable } from './table.js';
import { streamWatch } from './watch-stream.js';

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

/** kube-apiserver's limit on fieldManager: at most 128 bytes, printable. */
function validateManager(manager: string): void {
  if (Buffer.byteLength(manager) > 128) throw new InvalidError('PatchOptions.meta.k8s.io', '', [field.tooLong('fieldManager', 128)]);
}

/**
 * Who makes a write, for field ownership: `fieldManager`, else the User-Agent's product name
 * (`kubectl/v1.32.4 (linux/amd64) ...` → `kubectl`), as kube-apiserver derives it.
 */
function managerOf(req: IncomingMessage, q: URLSearchParams): string {
  const given = q.get('fieldManager');
  if (given) {
    validateManager(given);
    return given;
  }
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0]!.trim().slice(0, 128) || 'unknown';
}

function listOptions(q: URLSearchParams, namespace: string): ListOptions {
  const limit = q.get('limit');
  if (limit !== null && !/^\d+$/.test(limit)) throw new BadRequestError(`limit: Invalid value: "${limit}": must be a non-negative integer`);
  return {
    namespace,
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: q.get('fieldSelector') ?? '',
    limit: limit === null ? 0 : Number(limit),
    continue: q.get('continue') ?? '',
    resourceVersion: q.get('resourceVersion') ?? '',
    resourceVersionMatch: q.get('resourceVersionMatch') ?? '',
  };
}

function deleteOptions(q: URLSearchParams, body: Buffer): DeleteOptions {
  let o: Record<string, unknown> = {};
  if (body.length > 0) {
    try {
      o = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new BadRequestError(`the object provided is unrecognized (must be of type DeleteOptions): couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new BadRequestError('the object provided is unrecognized (must be of type DeleteOptions)');
  }
  const out: DeleteOptions = {};
  const grace = q.get('gracePeriodSeconds') ?? o.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    const n = Number(grace);
    if (!Number.isSafeInteger(n)) throw new BadRequestError(`gracePeriodSeconds: Invalid value: "${String(grace)}": must be an integer`);
    out.gracePeriodSeconds = n;
  }
  const policy = q.get('propagationPolicy') ?? o.propagationPolicy;
  if (typeof policy === 'string' && policy) out.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  const pre = o.preconditions as { uid?: string; resourceVersion?: string } | undefined;
  if (pre && (pre.uid || pre.resourceVersion)) out.preconditions = { ...(pre.uid ? { uid: pre.uid } : {}), ...(pre.resourceVersion ? { resourceVersion: pre.resourceVersion } : {}) };
  return out;
}

export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  async serve(r: ResourceRequest, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, reply: Reply): Promise<void> {
    const info = kindOfResource({ group: r.group, version: r.version }, r.resource);
    if (!info) throw resourceNotFound();
    if (r.subresource && !(r.subresource === 'status' && STATUS_SUBRESOURCE.has(info.kind))) throw resourceNotFound();
    const kind = info.kind;
    const namespace = info.namespaced ? r.namespace : '';
    const call = callerOf(req);
    const check = (verb: Verb, name = r.name, objectName?: string | typeof BODY_NOT_READ) => this.deps.access.check(call, verb, kind, namespace, name, r.subresource, objectName);
    const method = req.method ?? 'GET';
    const watch = r.watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
    // Writes name their namespace in the URL (as kube-apiserver's routes do), so access is checked
    // where the object lands; a subresource takes no POST or DELETE; dry runs are not done here.
    if (method === 'POST' && info.namespaced && !namespace) throw methodNotAllowed();
    if (r.subresource && (method === 'POST' || method === 'DELETE')) throw methodNotAllowed();
    if (query.has('dryRun') && method !== 'GET') throw new BadRequestError('dryRun is not supported by this server: nothing was written');

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
        const warnings: string[] = [];
        const obj = matchUrl(decodeObject(await readBody(req), mediaType(req), info, parseFieldValidation(q.get('fieldValidation')), warnings), info, namespace, '');
        check('create', '', obj.metadata?.name ?? '');
        return reply(201, await registry.create(obj, { manager: managerOf(req, q) }), warnings);
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
        const warnings: string[] = [];
        const obj = matchUrl(decodeObject(await readBody(req), mediaType(req), info, parseFieldValidation(q.get('fieldValidation')), warnings), info, namespace, r.name);
        const w = { manager: managerOf(req, q) };
        return reply(200, r.subresource === 'status' ? await registry.updateStatus(obj, w) : await registry.update(obj, w), warnings);
      }
      case 'PATCH': {
        check('patch');
        if (mediaType(req) === APPLY_PATCH) return this.apply(info, namespace, r, q, req, check, reply);
        if (q.has('force')) throw new InvalidError('PatchOptions.meta.k8s.io', '', [field.forbidden('force', 'may not be specified for non-apply patch')]);
        const type = PATCH_TYPES[mediaType(req)];
        if (!type || mediaType(req) === type) {
          throw new UnsupportedMediaTypeError(
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
          );
        }
        const body = await readBody(req);
        const mode = parseFieldValidation(q.get('fieldValidation'));
        const warnings: string[] = [];
        if (mode !== 'Ignore') {
          // Unknown fields can only come from the patch (the stored object has none): check the
          // patched object before the registry applies the patch for real.
          const patched = applyPatch(kind, await registry.get(kind, namespace, r.name), type, body);
          if (patched && typeof patched === 'object' && !Array.isArray(patched)) decodeFields(patched as Record<string, unknown>, info, mode, warnings);
        }
        return reply(200, await registry.patch(kind, namespace, r.name, type, body, r.subresource === 'status' ? 'status' : '', { manager: managerOf(req, q) }), warnings);
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
    const manager = q.get('fieldManager') ?? '';
    if (!manager) throw new InvalidError('PatchOptions.meta.k8s.io', '', [field.required('fieldManager', 'is required for apply patch')]);
    validateManager(manager);
    const force = q.get('force') === 'true';
    const warnings: string[] = [];
    const config = matchUrl(decodeObject(await readBody(req), 'application/json', info, parseFieldValidation(q.get('fieldValidation')), warnings), info, namespace, r.name);
    const { object, created } = await this.deps.registry.apply(info.kind, namespace, r.name, config, { manager, force, beforeCreate: () => void check('create', '', r.name) });
    return reply(created ? 201 : 200, object, warnings);
  }

  private async watch(info: KindInfo, namespace: string, name: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kind: Kind = info.kind;
    const fieldSelector = [q.get('fieldSelector') ?? '', name ? `metadata.name=${name}` : ''].filter(Boolean).join(',');
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    await streamWatch(
      this.deps.hub,
      {
        kind,
        namespace,
        selector: parseLabelSelector(q.get('labelSelector') ?? ''),
        fields: parseFieldSelector(fieldSelector, kind),
        resourceVersion: q.get('resourceVersion') ?? '',
        allowBookmarks: q.get('allowWatchBookmarks') === 'true',
      },
      {
        table: wantsTable(req.headers.accept) ? { include: parseIncludeObject(q.get('includeObject')), now: () => this.now() } : undefined,
        timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 0,
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

