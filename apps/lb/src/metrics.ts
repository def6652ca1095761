/** The lb app's metrics, with MetalLB's names where it has them. */
import { Gauge, Registry } from 'prom-client';

export function lbMetrics() {
  const registry = new Registry();
  const r = [registry];
  return {
    registry,
    addressesInUse: new Gauge({ name: 'metallb_allocator_addresses_in_use_total', help: 'Number of IP addresses in use, per pool', labelNames: ['pool'], registers: r }),
    addressesTotal: new Gauge({ name: 'metallb_allocator_addresses_total', help: 'Number of usable IP addresses, per pool', labelNames: ['pool'], registers: r }),
    healthyNodes: new Gauge({ name: 'minimesh_lb_proxy_healthy_nodes', help: 'Nodes the proxy load balancer forwards an address to (those passing its health check)', labelNames: ['address'], registers: r }),
    leader: new Gauge({ name: 'minimesh_lb_controller_leader', help: '1 while this controller replica holds the lease', registers: r }),
  };
}

export type LbMetrics = ReturnType<typeof lbMetrics>;
