/**
 * Which connected UDP sockets ebpf mode must abort, from the same changes as kube-proxy's stale
 * UDP conntrack entries (a UDP endpoint gone, a UDP service port gone), narrowed to exact ports:
 * destroying a socket is seen by its application, deleting a conntrack entry is not.
 *
 *   - an endpoint of a UDP service port went away: sockets sent from each of the port's addresses
 *     (ClusterIP, externalIPs, LoadBalancer IPs) and its port to that endpoint's ip:port;
 *   - a UDP service port went away (its Service deleted, or the port): sockets sent from its
 *     addresses and port to any backend.
 *
 * The addresses of a port come from the last time it was seen (a deleted Service's are no longer
 * in the service map). What waits is kept until a sweep succeeds, once per (address, port, backend),
 * and an endpoint that is back by then is left alone.
 */
import type { EndpointsMap, EndpointsMapUpdate, ServiceMapUpdate, ServicePortInfo } from '@minimesh/proxy-core';
import type { StaleUdpBackend } from './sock-lb-programs.js';

interface UdpPort {
  readonly ips: readonly string[];
  readonly port: number;
}

interface Pending extends StaleUdpBackend {
  /** For an endpoint gone: its service port key, so it can be seen to be back. */
  readonly servicePortKey?: string;
}

const sameUdpPort = (a: UdpPort, b: UdpPort) => a.port === b.port && a.ips.length === b.ips.length && a.ips.every((ip, i) => ip === b.ips[i]);

export class StaleUdpSockets {
  /** UDP service ports as last seen, by key, and their keys by Service ("ns/name"). */
  private readonly ports = new Map<string, UdpPort>();
  private readonly keysOfService = new Map<string, Set<string>>();
  private readonly pending = new Map<string, Pending>();

  get size(): number {
    return this.pending.size;
  }

  /** Takes note of one checkout's changes; `portsOfService` gives a Service's ports after them. */
  note(svcUpdate: ServiceMapUpdate, epUpdate: EndpointsMapUpdate, portsOfService: (nn: string) => Iterable<ServicePortInfo>): void {
    // Endpoints first: a port that went away in this checkout still has its addresses here.
    for (const stale of epUpdate.deletedUdpEndpoints) {
      const p = this.ports.get(stale.servicePortKey);
      if (p !== undefined) this.add(p, stale.endpoint, stale.servicePortKey);
    }
    for (const nn of svcUpdate.updatedServices) {
      const before = this.keysOfService.get(nn) ?? new Set<string>();
      const now = new Set<string>();
      for (const sp of portsOfService(nn)) {
        if (sp.protocol !== 'UDP') continue;
        const next: UdpPort = { ips: [...new Set([sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerVIPs])], port: sp.port };
        const old = this.ports.get(sp.key);
        if (old !== undefined && !sameUdpPort(old, next)) this.add(old, '*');
        this.ports.set(sp.key, next);
        now.add(sp.key);
      }
      for (const key of before) {
        if (now.has(key)) continue;
        this.add(this.ports.get(key)!, '*');
        this.ports.delete(key);
      }
      if (now.size > 0) this.keysOfService.set(nn, now);
      else this.keysOfService.delete(nn);
    }
  }

  /** What to sweep now: the pending ones, without endpoints that are back (ready or serving) since. */
  take(endpoints: EndpointsMap): StaleUdpBackend[] {
    for (const [id, p] of this.pending) {
      if (p.servicePortKey === undefined) continue;
      if ((endpoints.get(p.servicePortKey) ?? []).some((ep) => ep.endpoint === p.backend && (ep.ready || ep.serving))) this.pending.delete(id);
    }
    return [...this.pending.values()].map(({ vip, port, backend }) => ({ vip, port, backend }));
  }

  /** The sweep of `swept` succeeded (or is given up): they no longer wait. */
  done(swept: readonly StaleUdpBackend[]): void {
    for (const s of swept) this.pending.delete(`${s.vip}:${s.port}=${s.backend}`);
  }

  private add(p: UdpPort, backend: string, servicePortKey?: string): void {
    for (const vip of p.ips) {
      if (vip === '' || vip === 'None') continue;
      this.pending.set(`${vip}:${p.port}=${backend}`, { vip, port: p.port, backend, ...(servicePortKey === undefined ? {} : { servicePortKey }) });
    }
  }
}
