/**
 * kube-proxy's per-Service health checks (pkg/proxy/healthcheck/service_health.go): for every
 * Service with a healthCheckNodePort (LoadBalancer, externalTrafficPolicy Local) an HTTP server on
 * that port answers any path with the number of ready endpoints on this node — 200 when there is
 * at least one and the proxy is healthy, 503 otherwise — so a load balancer sends outside traffic
 * only to nodes that can serve it without a second hop.
 *
 * After every successful sync the agent hands over what the proxier's change trackers hold:
 * `ServiceChangeTracker.healthCheckNodePorts()` (SyncServices: servers open and close as Services
 * come and go, or move to a new port) and `EndpointsChangeTracker.localReadyEndpoints()`
 * (SyncEndpoints: distinct ready local endpoint IPs per Service; terminating ones do not count).
 * A port that cannot be opened is logged and tried again at the next sync, as kube-proxy does.
 */
import http from 'node:http';

/** "namespace/name" → a number (the health-check port, or the local endpoint count). */
export type ByService = ReadonlyMap<string, number>;

interface Instance {
  namespace: string;
  name: string;
  port: number;
  servers: http.Server[];
  /** Ready endpoints of the Service on this node. */
  endpoints: number;
}

/** kube-proxy's response body (a dedented Go template: tabs, no trailing newline). */
export function healthBody(namespace: string, name: string, localEndpoints: number, proxyHealthy: boolean): string {
  return `{\n\t"service": {\n\t\t"namespace": ${JSON.stringify(namespace)},\n\t\t"name": ${JSON.stringify(name)}\n\t},\n\t"localEndpoints": ${localEndpoints},\n\t"serviceProxyHealthy": ${proxyHealthy}\n}`;
}

export interface ServiceHealthServerOptions {
  /**
   * Addresses every port is opened on: kube-proxy's node IPs inside --nodeport-addresses, or
   * 0.0.0.0 (the default) when those match every address.
   */
  hosts?: readonly string[];
  /** Whether the proxy itself is healthy (its /healthz). */
  proxyHealthy: () => boolean;
  onError?: (service: string, port: number, err: Error) => void;
}

export class ServiceHealthServer {
  private readonly services = new Map<string, Instance>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: ServiceHealthServerOptions) {}

  /** The ports served now, ascending. */
  get ports(): number[] {
    return [...this.services.values()].map((s) => s.port).sort((a, b) => a - b);
  }

  /**
   * One reconcile after a sync: SyncServices, then SyncEndpoints. Calls run one after another in
   * the order made, so a quick second sync never races the first one's listens.
   */
  sync(services: ByService, endpoints: ByService): Promise<void> {
    const run = async () => {
      if (this.stopped) return;
      try {
        await this.syncServices(services);
        this.syncEndpoints(endpoints);
      } catch (e) {
        this.o.onError?.('', 0, e as Error); // never a rejection: callers do not wait for it
      }
    };
    this.chain = this.chain.then(run, run);
    return this.chain;
  }

  /** SyncServices: closes the servers of Services gone (or moved to another port), opens the new ones. */
  private async syncServices(wanted: ByService): Promise<void> {
    for (const [nn, inst] of [...this.services]) {
      if (wanted.get(nn) === inst.port) continue;
      this.services.delete(nn);
      await closeAll(inst.servers);
    }
    for (const [nn, port] of wanted) {
      if (this.services.has(nn)) continue;
      const [namespace = '', name = ''] = nn.split('/');
      const inst: Instance = { namespace, name, port, servers: [], endpoints: 0 };
      try {
        for (const host of this.o.hosts ?? ['0.0.0.0']) inst.servers.push(await this.listen(inst, host));
      } catch (e) {
        // Whatever opened is closed, so the next sync (or another owner of the port) starts clean.
        await closeAll(inst.servers);
        this.o.onError?.(nn, port, e as Error);
        continue;
      }
      this.services.set(nn, inst);
    }
  }

  /** SyncEndpoints: each Service's count of ready local endpoints (0 when it has none). */
  private syncEndpoints(counts: ByService): void {
    for (const [nn, inst] of this.services) inst.endpoints = counts.get(nn) ?? 0;
  }

  private listen(inst: Instance, host: string): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      req.resume();
      const count = inst.endpoints;
      const healthy = this.o.proxyHealthy();
      res.writeHead(count > 0 && healthy ? 200 : 503, {
        'Content-Type': 'application/json',
        'X-Content-Type-Options': 'nosniff',
        'X-Load-Balancing-Endpoint-Weight': String(count),
      });
      res.end(healthBody(inst.namespace, inst.name, count, healthy));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(inst.port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  /** Closes every server; later syncs do nothing. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain.catch(() => undefined);
    for (const inst of this.services.values()) await closeAll(inst.servers);
    this.services.clear();
  }
}

async function closeAll(servers: http.Server[]): Promise<void> {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
