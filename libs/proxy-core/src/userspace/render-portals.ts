/**
 * The iptables rules of kube-proxy's userspace mode (pkg/proxy/userspace/proxier.go, removed in
 * v1.26): every ClusterIP, externalIP and load-balancer IP of a Service port, and its NodePort, is
 * redirected to the port the agent's proxy listens on for it. Traffic from other hosts and pods
 * (nat PREROUTING → PORTALS-CONTAINER / NODEPORT-CONTAINER) is REDIRECTed to the proxy port;
 * traffic the node itself sends (nat OUTPUT → PORTALS-HOST / NODEPORT-HOST) is DNATed to the
 * node's IP and the proxy port, so UDP replies leave from the address the flow was mapped to.
 * NODEPORT-NON-LOCAL (filter INPUT) lets the redirected traffic in. An address whose traffic has
 * no endpoint to go to is not redirected but refused, as the iptables mode refuses it: REJECT when
 * the Service has no endpoints at all, DROP when a Local policy finds none on this node (filter
 * SERVICES and EXTERNAL-SERVICES, with the iptables mode's jumps). Pure.
 */
import { nodePortIPs, parseNodePortAddresses } from '../node-port-addresses.js';
import type { RenderNode } from '../render-options.js';
import { RestoreTable } from '../iptables/restore-table.js';
import type { JumpRule } from '../iptables/iptables-jumps.js';
import type { UserspaceBackend } from './userspace-backends.js';
import { kernelComment } from '../kernel-names.js';

/** The proxy ports of one backend: `external` only when external traffic has its own. */
export interface ProxyPorts {
  readonly internal: number;
  readonly external?: number;
}

export interface PortalInput {
  readonly backends: readonly UserspaceBackend[];
  /** By service-port key. A backend without ports here gets no rules (its proxy is not listening yet). */
  readonly ports: ReadonlyMap<string, ProxyPorts>;
  readonly node: RenderNode;
  /** Chain prefix (default KUBE-). */
  readonly prefix?: string;
  /** --nodeport-addresses; default every local address. */
  readonly nodePortAddresses?: readonly string[];
}

export interface PortalChains {
  /** filter: refuses ClusterIPs without endpoints. */
  readonly services: string;
  /** filter: refuses or drops external addresses and NodePorts without endpoints. */
  readonly externalServices: string;
  readonly portalsContainer: string;
  readonly portalsHost: string;
  readonly nodePortContainer: string;
  readonly nodePortHost: string;
  readonly nodePortNonLocal: string;
}

export function portalChains(prefix = 'KUBE-'): PortalChains {
  return {
    services: `${prefix}SERVICES`,
    externalServices: `${prefix}EXTERNAL-SERVICES`,
    portalsContainer: `${prefix}PORTALS-CONTAINER`,
    portalsHost: `${prefix}PORTALS-HOST`,
    nodePortContainer: `${prefix}NODEPORT-CONTAINER`,
    nodePortHost: `${prefix}NODEPORT-HOST`,
    nodePortNonLocal: `${prefix}NODEPORT-NON-LOCAL`,
  };
}

export interface PortalResult {
  readonly nat: string;
  readonly filter: string;
  /** filter + nat: the `iptables-restore --noflush` input. */
  readonly restore: string;
  readonly ensureJumps: readonly JumpRule[];
  readonly ruleCounts: { readonly nat: number; readonly filter: number };
}

const CLUSTER_IPS = 'handle ClusterIPs; NOTE: this must be before the NodePort rules';
const NODE_PORTS = 'handle service NodePorts; NOTE: this must be the last rule in the chain';

/** kube-proxy's iptablesInit jumps, in the order to ensure them by prepending (portals end up first). */
export function portalJumps(prefix = 'KUBE-'): JumpRule[] {
  const c = portalChains(prefix);
  const nodePorts = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'comment', '--comment', NODE_PORTS];
  const fresh = (comment: string, target: string) => ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', comment, '-j', target];
  return [
    { table: 'filter', chain: 'INPUT', target: c.externalServices, args: fresh('kubernetes externally-visible service portals', c.externalServices) },
    { table: 'filter', chain: 'FORWARD', target: c.externalServices, args: fresh('kubernetes externally-visible service portals', c.externalServices) },
    { table: 'filter', chain: 'FORWARD', target: c.services, args: fresh('kubernetes service portals', c.services) },
    { table: 'filter', chain: 'OUTPUT', target: c.services, args: fresh('kubernetes service portals', c.services) },
    { table: 'filter', chain: 'INPUT', target: c.nodePortNonLocal, args: ['-m', 'comment', '--comment', 'Ensure that non-local NodePort traffic can flow', '-j', c.nodePortNonLocal] },
    { table: 'nat', chain: 'PREROUTING', target: c.nodePortContainer, args: [...nodePorts, '-j', c.nodePortContainer] },
    { table: 'nat', chain: 'OUTPUT', target: c.nodePortHost, args: [...nodePorts, '-j', c.nodePortHost] },
    { table: 'nat', chain: 'PREROUTING', target: c.portalsContainer, args: ['-m', 'comment', '--comment', CLUSTER_IPS, '-j', c.portalsContainer] },
    { table: 'nat', chain: 'OUTPUT', target: c.portalsHost, args: ['-m', 'comment', '--comment', CLUSTER_IPS, '-j', c.portalsHost] },
  ];
}

export function renderPortals(input: PortalInput): PortalResult {
  const c = portalChains(input.prefix);
  const nat = new RestoreTable('nat', []);
  const filter = new RestoreTable('filter', []);
  for (const chain of [c.portalsContainer, c.portalsHost, c.nodePortContainer, c.nodePortHost]) nat.declare(chain);
  for (const chain of [c.services, c.externalServices, c.nodePortNonLocal]) filter.declare(chain);
  const hostIP = input.node.addresses[0];
  const npa = parseNodePortAddresses(input.nodePortAddresses);
  // NodePorts on every local address, or on the chosen ones.
  const nodePortMatches = npa.matchAll ? [''] : nodePortIPs(npa, input.node.addresses).map((ip) => ` -d ${ip}/32`);

  for (const b of input.backends) {
    const ports = input.ports.get(b.service.key);
    if (!ports) continue;
    const svc = b.service;
    const p = b.protocol.toLowerCase();
    const common = (port: number) => `-m comment --comment ${kernelComment(`${svc.nameString}`)} -p ${p} -m ${p} --dport ${port}`;
    // Where traffic of a class has no endpoint: refused (none anywhere) or dropped (none here).
    const refusal = (eps: readonly unknown[]) =>
      eps.length > 0 ? undefined : b.hasAnyEndpoints ? { target: 'DROP', why: 'has no local endpoints' } : { target: 'REJECT', why: 'has no endpoints' };
    const internalRefusal = refusal(b.internal);
    const externalRefusal = refusal(b.external ?? b.internal);
    const refuse = (chain: string, r: { target: string; why: string }, match: string) =>
      filter.append(chain, `-m comment --comment ${kernelComment(`${svc.nameString} ${r.why}`)} -p ${p} -m ${p} ${match} -j ${r.target}`);
    const portal = (ip: string, proxyPort: number) => {
      nat.append(c.portalsContainer, `${common(svc.port)} -d ${ip}/32 -j REDIRECT --to-ports ${proxyPort}`);
      if (hostIP !== undefined) nat.append(c.portalsHost, `${common(svc.port)} -d ${ip}/32 -j DNAT --to-destination ${hostIP}:${proxyPort}`);
    };
    const external = ports.external ?? ports.internal;
    if (internalRefusal) refuse(c.services, internalRefusal, `--dport ${svc.port} -d ${svc.clusterIP}/32`);
    else portal(svc.clusterIP, ports.internal);
    for (const ip of [...svc.externalIPs, ...svc.loadBalancerVIPs]) {
      if (externalRefusal) refuse(c.externalServices, externalRefusal, `--dport ${svc.port} -d ${ip}/32`);
      else portal(ip, external);
    }
    if (svc.nodePort !== 0) {
      for (const d of nodePortMatches) {
        if (externalRefusal) {
          refuse(c.externalServices, externalRefusal, `--dport ${svc.nodePort}${d || ' -m addrtype --dst-type LOCAL'}`);
          continue;
        }
        nat.append(c.nodePortContainer, `${common(svc.nodePort)}${d} -j REDIRECT --to-ports ${external}`);
        if (hostIP !== undefined) nat.append(c.nodePortHost, `${common(svc.nodePort)}${d} -j DNAT --to-destination ${hostIP}:${external}`);
      }
    }
    for (const proxyPort of new Set([ports.internal, external])) {
      filter.append(c.nodePortNonLocal, `-m comment --comment ${kernelComment(`${svc.nameString}`)} -p ${p} -m ${p} --dport ${proxyPort} -j ACCEPT`);
    }
  }
  const natText = nat.render();
  const filterText = filter.render();
  return {
    nat: natText,
    filter: filterText,
    restore: filterText + natText,
    ensureJumps: portalJumps(input.prefix),
    ruleCounts: { nat: nat.ruleCount, filter: filter.ruleCount },
  };
}
