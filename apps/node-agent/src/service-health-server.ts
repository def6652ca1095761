/**
 * kube-proxy's per-Service health checks (pkg/proxy/healthcheck/service_health.go): for every
 * Service with a healthCheckNodePort (LoadBalancer, externalTrafficPolicy Local) an HTTP server on
 * that port answers any path with the number of ready endpoints on this node — 200 when there is
 * at least one and the proxy is healthy, 503 otherwise — so a load balancer sends outside traffic
 * only to nodes that can serve it without a second hop. Servers open and close as Services come
 * and go; the counts follow every sync.
 */
import http from 'node:http';
import type { EndpointsMap, ServicePortMap } from '@minimesh/proxy-core';

interface Entry {
  namespace: string;
  name: string;
  port: number;
  localEndpoints: number;
  server?: http.Server;
}

/** kube-proxy's response body (a dedented Go template: tabs, no trailing newline). */
export function healthBody(namespace: string, name: string, localEndpoints: number, proxyHealthy: boolean): string {
  return `{\n\t"service": {\n\t\t"namespace": ${JSON.stringify(namespace)},\n\t\t"name": ${JSON.stringify(name)}\n\t},\n\t"localEndpoints": ${localEndpoints},\n\t"serviceProxyHealthy": ${proxyHealthy}\n}`;
}

/** healthCheckNodePort → namespace/name, and the ready local endpoints of each Service (EndpointsMap.LocalReadyEndpoints). */
export function healthChecks(services: ServicePortMap, endpoints: EndpointsMap): Map<number, { namespace: string; name: string; localEndpoints: number }> {
  const local = new Map<string, number>();
  for (const [key, eps] of endpoints) {
    const svc = services.get(key);
    if (!svc) continue;
    const nn = `${svc.name.namespace}/${svc.name.name}`;
    local.set(nn, (local.get(nn) ?? 0) + eps.filter((e) => e.isLocal && e.ready).length);
  }
  const out = new Map<number, { namespace: string; name: string; localEndpoints: number }>();
  for (const svc of services.values()) {
    if (svc.healthCheckNodePort === 0) continue;
    const nn = `${svc.name.namespace}/${svc.name.name}`;
    out.set(svc.healthCheckNodePort, { namespace: svc.name.namespace, name: svc.name.name, localEndpoints: local.get(nn) ?? 0 });
  }
  return out;
}

export interface ServiceHealthServerOptions {
  /** Address the servers listen on (kube-proxy: the node's NodePort addresses; default every address). */
  host?: string;
  /** Whether the proxy itself is healthy (its /healthz). */
  proxyHealthy: () => boolean;
  onError?: (port: number, err: Error) => void;
}

export class ServiceHealthServer {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly o: ServiceHealthServerOptions) {}

  /** The ports served now. */
  get ports(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  /** Opens servers for new health-check ports, closes the ones gone, updates every count. */
  async sync(wanted: Map<number, { namespace: string; name: string; localEndpoints: number }>): Promise<void> {
    for (const [port, e] of this.entries) {
      const w = wanted.get(port);
      if (!w || w.namespace !== e.namespace || w.name !== e.name) {
        this.entries.delete(port);
        await close(e.server);
      }
    }
    for (const [port, w] of wanted) {
      const e = this.entries.get(port);
      if (e) {
        e.localEndpoints = w.localEndpoints;
        continue;
      }
      const entry: Entry = { ...w, port };
      this.entries.set(port, entry);
      entry.server = await this.listen(entry).catch((err: Error) => {
        this.o.onError?.(port, err);
        return undefined;
      });
    }
  }

  private listen(entry: Entry): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      req.resume();
      const healthy = this.o.proxyHealthy();
      res.writeHead(entry.localEndpoints > 0 && healthy ? 200 : 503, {
        'Content-Type': 'application/json',
        'X-Content-Type-Options': 'nosniff',
        'X-Load-Balancing-Endpoint-Weight': String(entry.localEndpoints),
      });
      res.end(healthBody(entry.namespace, entry.name, entry.localEndpoints, healthy));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(entry.port, this.o.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  async stop(): Promise<void> {
    for (const e of this.entries.values()) await close(e.server);
    this.entries.clear();
  }
}

function close(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
