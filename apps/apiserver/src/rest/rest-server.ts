/**
 * The Kubernetes REST API, beside gRPC on the same registry, watch hub and access control:
 * HTTPS on TCP (the apiserver's serving certificate, re-read when it changes; client certificates
 * verified against the client CA), plain HTTP on unix sockets (as gRPC), discovery, OpenAPI v2 and v3, /version, /healthz, /livez, /readyz, and the
 * resources. kubectl and client libraries talk to it as to kube-apiserver.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger, ReadyCheck } from '@minimesh/runtime';
import { readyReply, splitHostPort } from '@minimesh/runtime';
import type { TlsFiles } from '@minimesh/grpc-kit';
import { AGGREGATED_DISCOVERY_TYPE, aggregatedDiscovery, wantsAggregatedDiscovery } from './aggregated-discovery.js';
import { callerOf } from './caller.js';
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { openApiGroupVersion, openApiV3Document, openApiV3Index } from './openapi.js';
import { OPENAPI_V2_PROTOBUF, openApiV2Document, wantsOpenApiV2Protobuf } from './openapi-v2.js';
import { encodeOpenApiV2 } from './openapi-v2-protobuf.js';
import { requestTarget } from './request-info.js';
import { ResourceHandler, type ResourceHandlerDeps } from './resource-handler.js';
import { warningHeaders } from './warning-header.js';
import { methodNotAllowed, resourceNotFound, statusBody, statusOf } from './status-body.js';

export interface RestServerOptions extends ResourceHandlerDeps {
  /** Comma-separated: host:port (HTTPS) or unix:///path.sock (plain HTTP, mode 0660). */
  listen: string;
  tls: TlsFiles;
  log: Logger;
  ready: () => Promise<ReadyCheck[]>;
  /** What /version says. */
  version: { gitVersion: string; gitCommit: string };
}

export interface RestServer {
  /** The first TCP address (host:port), else the first socket. */
  address: string;
  /** Every bound address: host:port (HTTPS) and unix:///path (plain HTTP). */
  addresses: string[];
  close(): Promise<void>;
}

/**
 * The most header bytes (request line and headers) a request may have: kube-apiserver's
 * MaxHeaderBytes (1 MiB). Node's default, 16 KiB, refused long URLs (a list with a long selector).
 */
export const MAX_HEADER_BYTES = 1 << 20;

/** How often the TLS files are looked at: a rotated certificate is served without a restart. */
const CERT_REFRESH_MS = 60_000;

function secureContext(tls: TlsFiles) {
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ca: readFileSync(tls.caFile) };
}

function json(res: ServerResponse, code: number, body: unknown, warnings: string[] = [], contentType = 'application/json'): void {
  // A Buffer, not a string: with a string body Node writes head and body as one UTF-8 string,
  // which would encode the warnings' UTF-8 bytes (held as latin1 characters) a second time.
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string | number | string[]> = { 'content-type': contentType, 'cache-control': 'no-cache, private', 'content-length': bytes.length };
  if (warnings.length > 0) headers.warning = warningHeaders(warnings);
  res.writeHead(code, headers);
  res.end(bytes);
}

export async function startRestServer(o: RestServerOptions): Promise<RestServer> {
  const resources = new ResourceHandler(o);
  const reply = (res: ServerResponse) => (code: number, body: unknown, warnings?: string[]) => json(res, code, body, warnings);

  let openApiV2Protobuf: Buffer | undefined;
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The path as sent: `new URL()` would resolve `.` and `..` segments (`%2E%2E` too), turning
    // DELETE .../services/%2E%2E into a DELETE of the namespace. Go's server keeps them; the name
    // check (path-segment-name.ts) refuses them.
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = (q >= 0 ? raw.slice(0, q) : raw).split('#')[0]!;
    const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1).split('#')[0] : '');
    const path = rawPath.replace(/\/+$/, '') || '/';
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const r = readyReply(path === '/readyz' ? await o.ready() : [{ name: 'ping', ok: true }], query.has('verbose'));
      res.writeHead(r.code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end(r.body);
      return;
    }
    if (path === '/version') {
      return json(res, 200, { major: '1', minor: '32', ...o.version, gitTreeState: 'clean', buildDate: '', goVersion: `node ${process.version}`, compiler: 'esbuild', platform: `${process.platform}/${process.arch}` });
    }
    if (path === '/openapi/v2') {
      resourcesAccessCheck(o, req);
      if (!wantsOpenApiV2Protobuf(req.headers.accept)) return json(res, 200, openApiV2Document());
      openApiV2Protobuf ??= encodeOpenApiV2(openApiV2Document() as Parameters<typeof encodeOpenApiV2>[0]);
      res.writeHead(200, { 'content-type': OPENAPI_V2_PROTOBUF, 'cache-control': 'no-cache, private', 'content-length': openApiV2Protobuf.length });
      res.end(openApiV2Protobuf);
      return;
    }
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      resourcesAccessCheck(o, req);
      if (path === '/openapi/v3') return json(res, 200, openApiV3Index());
      const gv = openApiGroupVersion(path);
      if (!gv) throw resourceNotFound();
      return json(res, 200, openApiV3Document(gv));
    }
    const target = requestTarget(path);
    if (target.type !== 'resource' && req.method !== 'GET') throw methodNotAllowed();
    switch (target.type) {
      case 'discovery': {
        // Discovery documents are readable by anyone authenticated (system:discovery).
        resourcesAccessCheck(o, req);
        if (target.version !== undefined) {
          const list = apiResourceList({ group: target.group ?? '', version: target.version });
          if (!list) throw resourceNotFound();
          return json(res, 200, list);
        }
        const aggregated = target.group === undefined ? wantsAggregatedDiscovery(req.headers.accept) : undefined;
        if (aggregated) return json(res, 200, aggregatedDiscovery(target.legacy, aggregated), [], AGGREGATED_DISCOVERY_TYPE.replace(';v=v2;', `;v=${aggregated};`));
        if (target.legacy) return json(res, 200, apiVersions(`${req.socket.localAddress ?? ''}:${req.socket.localPort ?? ''}`));
        return json(res, 200, target.group ? apiGroupDocument(target.group) : apiGroupList());
      }
      case 'resource':
        return resources.serve(target.req, req, res, query, reply(res));
      default:
        throw resourceNotFound();
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((e: unknown) => {
      const st = statusOf(e);
      if (st.code === 500) o.log.error('request failed', { method: req.method, path: req.url, err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      if (res.headersSent) return void res.end();
      json(res, st.code, statusBody(st));
    });
  };

  const servers: Server[] = [];
  const addresses: string[] = [];
  let refresh: NodeJS.Timeout | undefined;
  try {
    for (const address of o.listen.split(',').map((a) => a.trim()).filter(Boolean)) {
      if (address.startsWith('unix:')) {
        // A unix socket is plain HTTP, as the gRPC one is: the file's mode keeps other users
        // out, and it reaches processes in other network namespaces (a cluster's node agents).
        const path = address.replace(/^unix:(\/\/)?/, '');
        rmSync(path, { force: true });
        mkdirSync(dirname(path), { recursive: true });
        const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handle);
        await listenOn(server, { path });
        chmodSync(path, 0o660);
        servers.push(server);
        addresses.push(`unix://${path}`);
        continue;
      }
      const server = https.createServer({ ...secureContext(o.tls), requestCert: true, rejectUnauthorized: false, maxHeaderSize: MAX_HEADER_BYTES }, handle);
      const { host, port } = splitHostPort(address);
      await listenOn(server, { host, port });
      servers.push(server);
      addresses.push(`${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`);
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }

  // Rotation: look at the files' times now and then, and load new ones into the TLS servers.
  let stamp = filesStamp(o.tls);
  refresh = setInterval(() => {
    try {
      const now = filesStamp(o.tls);
      if (now === stamp) return;
      for (const s of servers) if (s instanceof https.Server) s.setSecureContext(secureContext(o.tls));
      stamp = now;
      o.log.info('serving certificate reloaded', { cert: o.tls.certFile });
    } catch (e) {
      o.log.warn('cannot reload the serving certificate; keeping the old one', { err: (e as Error).message });
    }
  }, CERT_REFRESH_MS);
  refresh.unref();

  return {
    address: addresses.find((a) => !a.startsWith('unix:')) ?? addresses[0] ?? '',
    addresses,
    close: async () => {
      clearInterval(refresh);
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function listenOn(server: Server, at: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if ('path' in at) server.listen(at.path, () => resolve());
    else server.listen(at.port, at.host, () => resolve());
  });
}

function filesStamp(tls: TlsFiles): string {
  return [tls.certFile, tls.keyFile, tls.caFile].map((f) => statSync(f).mtimeMs).join(',');
}

/** Discovery needs an authenticated caller (or anonymous, when allowed), nothing more. */
function resourcesAccessCheck(o: RestServerOptions, req: IncomingMessage): void {
  o.access.authenticator.authenticate(callerOf(req));
}
