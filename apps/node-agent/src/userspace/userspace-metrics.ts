/**
 * The userspace proxy's own metrics (kube-proxy's userspace mode had none beyond the sync ones,
 * which this mode keeps too): connections and UDP flows, bytes each way, open connections per
 * endpoint, and why connections failed.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export function userspaceMetrics(registry: Registry) {
  const r = [registry];
  return {
    connections: new Counter({ name: 'minimesh_userspace_proxy_connections_total', help: 'Connections (TCP) and flows (UDP) the userspace proxy accepted', labelNames: ['service', 'protocol'], registers: r }),
    bytes: new Counter({ name: 'minimesh_userspace_proxy_bytes_total', help: 'Bytes the userspace proxy forwarded, from clients (in) and to clients (out)', labelNames: ['service', 'direction'], registers: r }),
    active: new Gauge({ name: 'minimesh_userspace_proxy_active_connections', help: 'Open connections (TCP) and flows (UDP) per endpoint', labelNames: ['service', 'endpoint'], registers: r }),
    dialFailures: new Counter({ name: 'minimesh_userspace_proxy_endpoint_dial_failures_total', help: 'Failed attempts to reach an endpoint (the next one is tried)', labelNames: ['service', 'endpoint'], registers: r }),
    rejected: new Counter({ name: 'minimesh_userspace_proxy_rejected_total', help: 'Connections refused: no endpoints, every endpoint failed, or the connection limit', labelNames: ['service', 'reason'], registers: r }),
  };
}

export type UserspaceMetrics = ReturnType<typeof userspaceMetrics>;
