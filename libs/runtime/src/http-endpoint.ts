/**
 * The small HTTP side of every app: /healthz and /livez (the process is alive), /readyz (caches
 * synced, store open...), /metrics (Prometheus text format from prom-client's registry).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** One named readiness check, as kube-apiserver lists them on `/readyz?verbose`. */
export interface ReadyCheck {
  name: string;
  ok: boolean;
}

export interface HttpEndpointOptions {
  /** host:port; port 0 picks a free one. */
  listen: string;
  registry: Registry;
  /** Readiness: one verdict, or named checks (each shown by `/readyz?verbose`). */
  ready: () => boolean | ReadyCheck[] | Promise<boolean | ReadyCheck[]>;
  /** Extra routes, e.g. CoreDNS-style /health on another port. */
  routes?: Record<string, (res: http.ServerResponse) => void>;
}

export interface HttpEndpoint {
  address: string;
  close(): Promise<void>;
}

export function splitHostPort(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  if (i === -1) throw new Error(`"${hostPort}" is not host:port`);
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(hostPort.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`"${hostPort}" has no valid port`);
  return { host, port };
}

/**
 * kube-apiserver's /readyz: `ok` (200) when every check passes; otherwise 500 with one line per
 * check, `[+]name ok` or `[-]name failed: reason withheld`, then `readyz check failed`. With
 * `?verbose` the lines are printed on success too. A bare boolean is one check, `ready` (503 when
 * false, as the apps have always answered).
 */
export function readyReply(r: boolean | ReadyCheck[], verbose: boolean): { code: number; body: string } {
  if (typeof r === 'boolean') return r ? { code: 200, body: 'ok' } : { code: 503, body: 'not ready' };
  const ok = r.every((c) => c.ok);
  const lines = r.map((c) => (c.ok ? `[+]${c.name} ok` : `[-]${c.name} failed: reason withheld`));
  if (ok && !verbose) return { code: 200, body: 'ok' };
  return { code: ok ? 200 : 500, body: `${lines.join('\n')}\nreadyz check ${ok ? 'passed' : 'failed'}\n` };
}

export async function startHttpEndpoint(opts: HttpEndpointOptions): Promise<HttpEndpoint> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (code: number, body: string) => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (path === '/healthz' || path === '/livez') return text(200, 'ok');
    if (path === '/readyz') {
      Promise.resolve()
        .then(opts.ready)
        .then(
          (r) => readyReply(r, (req.url ?? '').includes('verbose')),
          () => readyReply([{ name: 'ready', ok: false }], true),
        )
        .then(({ code, body }) => text(code, body), () => text(500, 'readyz check failed'));
      return;
    }
    if (path === '/metrics') {
      opts.registry
        .metrics()
        .then((m) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType });
          res.end(m);
        })
        .catch((e: Error) => text(500, e.message));
      return;
    }
    const route = path ? opts.routes?.[path] : undefined;
    if (route) return route(res);
    text(404, 'not found');
  });
  const { host, port } = splitHostPort(opts.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    address: `${host}:${addr.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
