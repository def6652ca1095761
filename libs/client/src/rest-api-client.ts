/**
 * ApiClient over the Kubernetes REST API: minimesh's apiserver (--rest-listen) or any
 * kube-apiserver. Same contract as the gRPC client: domain objects in and out (what the server
 * sends is read through the same schema, so fields minimesh does not model are dropped), the named
 * errors from the server's Status, and a watch that ends with ExpiredError when the server says
 * 410 (the informer relists). Where the connection and credentials come from (a kubeconfig, the
 * in-cluster service account, plain flags) is a RestConnection's business.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { apiErrorFromStatus, InternalError, KINDS, UnavailableError, type DeleteOptions, type Kind, type KubeObject, type ObjectOfKind, type PatchType, type Status } from '@minimesh/api';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import type { ApiClient, ListOptions, ListResult, SelectOptions, WatchEvent, WatchEventType, WatchOptions } from './api-client.js';

/** Where the apiserver is, and how a request gets its TLS settings and credentials. */
export interface RestConnection {
  /** `https://host:port` (a path prefix is kept), or `unix:///path.sock` (plain HTTP, minimesh's apiserver only). */
  server: string;
  /** Sets ca, cert, key, rejectUnauthorized and headers (Authorization) on a request. */
  configure(opts: https.RequestOptions): Promise<void>;
}

export interface RestClientOptions {
  /** Per-request timeout for everything but watches. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A watch line is one object (at most 1.5 MiB as JSON, escaped); far past that the stream is not a watch. */
const MAX_WATCH_LINE = 64 * 1024 * 1024;

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** `/api/v1/namespaces/default/services/web/status` and the like. */
export function resourcePath(kind: Kind, namespace: string, name = '', subresource = ''): string {
  const info = KINDS[kind];
  const base = info.group ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== 0 && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** An object as the server sent it, read as minimesh's type (kind and apiVersion filled in for list items). */
function objectOf<K extends Kind>(kind: K, json: unknown): ObjectOfKind<K> {
  const info = KINDS[kind];
  const o = { ...(json as Record<string, unknown>), kind: info.kind, apiVersion: info.apiVersion };
  return objectFromWire(objectToWire(o as unknown as KubeObject)) as ObjectOfKind<K>;
}

/**
 * The Status of a failed request. A 410 is read as Expired whatever its reason says (kube-apiserver
 * has sent both Gone and Expired for a resourceVersion too old): either way the caller relists.
 */
function statusOf(code: number, body: string): Status {
  try {
    const st = JSON.parse(body) as Partial<Status> & { kind?: string };
    if (st.kind === 'Status' && typeof st.message === 'string') {
      const reason = (st.code ?? code) === 410 ? 'Expired' : (st.reason ?? '');
      return { code: st.code ?? code, reason, message: st.message, details: st.details };
    }
  } catch {
    // not a Status: described below
  }
  return { code, reason: code === 404 ? 'NotFound' : '', message: `the server responded with ${code}: ${body.slice(0, 200)}` };
}

export class RestApiClient implements ApiClient {
  private readonly agent = new https.Agent({ keepAlive: true });
  private readonly unixAgent = new http.Agent({ keepAlive: true });
  private readonly timeoutMs: number;

  constructor(
    private readonly conn: RestConnection,
    opts: RestClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private async open(method: string, path: string, o: { body?: string; contentType?: string; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<IncomingMessage> {
    const unix = this.conn.server.startsWith('unix:');
    const headers = { accept: 'application/json', ...(o.body !== undefined ? { 'content-type': o.contentType ?? 'application/json', 'content-length': Buffer.byteLength(o.body) } : {}) };
    let opts: https.RequestOptions;
    if (unix) {
      opts = { method, socketPath: this.conn.server.replace(/^unix:(\/\/)?/, ''), path, agent: this.unixAgent, headers };
    } else {
      const url = new URL(this.conn.server);
      opts = { method, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || 443, path: `${url.pathname.replace(/\/$/, '')}${path}`, agent: this.agent, headers };
    }
    await this.conn.configure(opts);
    return new Promise((resolve, reject) => {
      const req = (unix ? http.request : https.request)({ ...opts, signal: o.signal }, resolve);
      if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new UnavailableError(`the server is unavailable: no answer within ${o.timeoutMs} ms`)));
      req.on('error', (e: Error & { code?: string }) => reject(e instanceof UnavailableError || e.name === 'AbortError' ? e : new UnavailableError(`the server is unavailable: ${e.message}`)));
      req.end(o.body);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.open(method, path, { body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), contentType, timeoutMs: this.timeoutMs });
    const chunks: Buffer[] = [];
    for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw apiErrorFromStatus(statusOf(code, text));
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new InternalError(`the server's answer is not JSON: ${text.slice(0, 200)}`);
    }
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    return objectOf(obj.kind, await this.call('POST', resourcePath(obj.kind, obj.metadata.namespace || 'default'), obj)) as unknown as T;
  }

  async get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>> {
    return objectOf(kind, await this.call('GET', resourcePath(kind, namespace || 'default', name)));
  }

  async list<K extends Kind>(kind: K, o: ListOptions = {}): Promise<ListResult<ObjectOfKind<K>>> {
    const q = query({ labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue, resourceVersion: o.resourceVersion, resourceVersionMatch: o.resourceVersionMatch });
    const res = await this.call<{ metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number }; items?: unknown[] }>('GET', `${resourcePath(kind, o.namespace ?? '')}${q}`);
    const out: ListResult<ObjectOfKind<K>> = { items: (res.items ?? []).map((i) => objectOf(kind, i)), resourceVersion: res.metadata?.resourceVersion ?? '' };
    if (res.metadata?.continue) out.continue = res.metadata.continue;
    if (res.metadata?.remainingItemCount !== undefined) out.remainingItemCount = res.metadata.remainingItemCount;
    return out;
  }

  async update<T extends KubeObject>(obj: T): Promise<T> {
    return objectOf(obj.kind, await this.call('PUT', resourcePath(obj.kind, obj.metadata.namespace || 'default', obj.metadata.name), obj)) as unknown as T;
  }

  async updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    return objectOf(obj.kind, await this.call('PUT', resourcePath(obj.kind, obj.metadata.namespace || 'default', obj.metadata.name, 'status'), obj)) as unknown as T;
  }

  async delete<K extends Kind>(kind: K, namespace: string, name: string, o: DeleteOptions & { resourceVersion?: string } = {}): Promise<ObjectOfKind<K>> {
    const { resourceVersion, ...rest } = o;
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', ...rest, ...(resourceVersion ? { preconditions: { ...rest.preconditions, resourceVersion } } : {}) };
    const res = await this.call<Record<string, unknown>>('DELETE', resourcePath(kind, namespace || 'default', name), body);
    // kube-apiserver answers some deletions with a Status (Success) instead of the object.
    if (res.kind === 'Status') return objectOf(kind, { metadata: { name, namespace, uid: (res.details as { uid?: string } | undefined)?.uid } });
    return objectOf(kind, res);
  }

  async deleteCollection<K extends Kind>(kind: K, select: SelectOptions, o: DeleteOptions = {}): Promise<ObjectOfKind<K>[]> {
    const q = query({ labelSelector: select.labelSelector, fieldSelector: select.fieldSelector });
    const res = await this.call<{ kind?: string; items?: unknown[] }>('DELETE', `${resourcePath(kind, select.namespace ?? '')}${q}`, { kind: 'DeleteOptions', apiVersion: 'v1', ...o });
    return (res.items ?? []).map((i) => objectOf(kind, i));
  }

  async patch<K extends Kind>(kind: K, namespace: string, name: string, type: PatchType, patch: string | object, o: { subresource?: 'status' } = {}): Promise<ObjectOfKind<K>> {
    const body = typeof patch === 'string' ? patch : JSON.stringify(patch);
    return objectOf(kind, await this.call('PATCH', resourcePath(kind, namespace || 'default', name, o.subresource ?? ''), body, PATCH_CONTENT_TYPES[type]));
  }

  async *watch<K extends Kind>(kind: K, o: WatchOptions = {}): AsyncIterable<WatchEvent<ObjectOfKind<K>>> {
    const q = query({ watch: true, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, resourceVersion: o.resourceVersion, allowWatchBookmarks: o.allowBookmarks });
    const ac = new AbortController();
    const abort = () => ac.abort();
    o.signal?.addEventListener('abort', abort, { once: true });
    try {
      const res = await this.open('GET', `${resourcePath(kind, o.namespace ?? '')}${q}`, { signal: ac.signal });
      if ((res.statusCode ?? 0) !== 200) {
        const chunks: Buffer[] = [];
        for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
        throw apiErrorFromStatus(statusOf(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      }
      // Decoded as one UTF-8 stream: a character split between two chunks stays whole.
      res.setEncoding('utf8');
      let buffered = '';
      for await (const chunk of res as AsyncIterable<string>) {
        let from = buffered.length;
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n', from)) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          from = 0;
          if (line) yield this.watchEvent(kind, line);
        }
        if (buffered.length > MAX_WATCH_LINE) throw new Error(`watch event longer than ${MAX_WATCH_LINE} characters: the stream is not a watch`);
      }
    } catch (e) {
      if (ac.signal.aborted) return;
      throw e;
    } finally {
      o.signal?.removeEventListener('abort', abort);
      ac.abort();
    }
  }

  private watchEvent<K extends Kind>(kind: K, line: string): WatchEvent<ObjectOfKind<K>> {
    const ev = JSON.parse(line) as { type: string; object?: Record<string, unknown> & { metadata?: { resourceVersion?: string } } };
    if (ev.type === 'ERROR') throw apiErrorFromStatus(statusOf(0, JSON.stringify(ev.object)));
    const resourceVersion = ev.object?.metadata?.resourceVersion ?? '';
    if (ev.type === 'BOOKMARK') return { type: 'BOOKMARK', resourceVersion };
    return { type: ev.type as WatchEventType, object: objectOf(kind, ev.object), resourceVersion };
  }

  close(): void {
    this.agent.destroy();
    this.unixAgent.destroy();
  }
}
