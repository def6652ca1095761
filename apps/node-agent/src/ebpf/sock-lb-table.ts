/**
 * The socket load balancer's maps as a table, what the agent's /sock-lb page shows: one line per
 * frontend (from the kernel's maps, not the agent's intentions), with the Service port it belongs
 * to (from the agent's Services), who looks it up (the socket programs, or the tc programs for
 * traffic from outside the node) and the backends it goes to, in slot order.
 *
 *   FRONTEND             PROTO  SCOPE        SERVICE      AFFINITY  BACKENDS
 *   10.96.0.20:80        TCP    socket       study/web    10800s    10.244.1.5:8080 10.244.2.3:8080
 *   10.96.0.30:53        UDP    socket       study/dns    -         (none: refused)
 *   192.168.100.11:30002 TCP    north-south  study/web    10800s    10.244.1.5:8080 10.244.2.3:8080
 */
import { SOCK_LB_AFFINITY, SOCK_LB_DROP, frontendKey, type BackendEntry, type FrontendEntry, type ServicePortMap } from '@minimesh/proxy-core';

/** The frontendKey of every address a service port answers on, to its name ("ns/name:port"); with the node's north-south addresses, its NodePorts too. */
export function frontendNames(services: ServicePortMap, northSouthAddresses: readonly string[] = []): Map<string, string> {
  const names = new Map<string, string>();
  for (const sp of services.values()) {
    const { port, protocol } = sp;
    for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerVIPs]) names.set(frontendKey({ ip, port, protocol }), sp.nameString);
    for (const ip of [...sp.externalIPs, ...sp.loadBalancerVIPs]) names.set(frontendKey({ ip, port, protocol, northSouth: true }), sp.nameString);
    if (sp.nodePort > 0) for (const ip of northSouthAddresses) names.set(frontendKey({ ip, port: sp.nodePort, protocol, northSouth: true }), sp.nameString);
  }
  return names;
}

const byAddress = (a: FrontendEntry, b: FrontendEntry): number => {
  const n = (f: FrontendEntry) => f.ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return Number(a.northSouth ?? false) - Number(b.northSouth ?? false) || n(a) - n(b) || a.port - b.port || a.protocol.localeCompare(b.protocol);
};

export function formatSockLbTable(frontends: readonly FrontendEntry[], backends: readonly BackendEntry[], names: ReadonlyMap<string, string>): string {
  const slots = new Map<string, string>();
  for (const b of backends) slots.set(`${b.set}/${b.slot}`, `${b.ip}:${b.port}`);
  const rows = [...frontends].sort(byAddress).map((f) => {
    const list = Array.from({ length: f.count }, (_, i) => slots.get(`${f.set}/${i}`) ?? '(missing)');
    return [
      `${f.ip}:${f.port}`,
      f.protocol,
      f.northSouth ? 'north-south' : 'socket',
      names.get(frontendKey(f)) ?? '(unknown)',
      f.flags & SOCK_LB_AFFINITY ? `${f.affinitySeconds}s` : '-',
      f.count > 0 ? list.join(' ') : f.flags & SOCK_LB_DROP ? '(none here: dropped)' : '(none: refused)',
    ];
  });
  const header = ['FRONTEND', 'PROTO', 'SCOPE', 'SERVICE', 'AFFINITY', 'BACKENDS'];
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
