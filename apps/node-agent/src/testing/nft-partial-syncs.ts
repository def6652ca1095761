/**
 * A run of partial syncs that between them write every statement, set and element form a
 * Service's own part of the nftables table can have: ClusterIPs with several endpoints, ClientIP
 * affinity (sets made, re-timed, dropped), NodePorts and externalIPs with the Local external
 * policy (fib rules, comments), a LoadBalancer with source ranges (firewall chain), UDP and SCTP,
 * Services without endpoints (reject and drop elements), moved endpoints, deletions and the later
 * deletion of stale chains. For the netlink specs: each step is a transaction NftablesRuleset
 * wrote, after the fresh one that built the table; a full one in place ends the run.
 */
import type { EndpointSlice, Service } from '@minimesh/api';
import { EndpointsChangeTracker, NftablesRuleset, ServiceChangeTracker, STALE_CHAIN_DELETE_DELAY_MS, type NftRenderOptions } from '@minimesh/proxy-core';
import { ep, makeService, makeSlice, NODE1 } from '@minimesh/proxy-core/testing';

/**
 * Render options whose skeletons differ: the cluster CIDR and one Service CIDR (what
 * minimesh-cluster passes), masquerade-all with localhost NodePorts off and fully random
 * masquerading, and NodePorts on given addresses only (the nodeport-ips set).
 */
export const OPTION_SETS: readonly NftRenderOptions[] = [
  { clusterCIDR: '10.244.0.0/16', serviceCIDRs: ['10.96.0.0/12'] },
  { masqueradeAll: true, clusterCIDR: '10.244.0.0/16', localhostNodePorts: false, randomFully: true },
  { clusterCIDR: '10.244.0.0/16', nodePortAddresses: ['192.168.100.0/24', '127.0.0.0/8'], masqueradeBit: 16 },
];

export interface PartialSyncStep {
  readonly name: string;
  readonly script: string;
}

const web = (spec: Partial<Service['spec']> = {}) =>
  makeService('study', 'web', { clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec });
const webSlice = (ips: string[]) => makeSlice('study', 'web', { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: ips.map((ip, i) => ep(ip, i % 2 === 0 ? 'node1' : 'node2')) });
const edge = makeService('study', 'edge', {
  type: 'NodePort',
  clusterIP: '10.96.0.20',
  externalIPs: ['192.0.2.7'],
  externalTrafficPolicy: 'Local',
  selector: { app: 'edge' },
  ports: [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353, nodePort: 30053 },
    { name: 'web', port: 8080, protocol: 'TCP', targetPort: 80, nodePort: 30080 },
  ],
});
const edgeSlice = makeSlice('study', 'edge', {
  ports: [
    { name: 'dns', port: 5353, protocol: 'UDP' },
    { name: 'web', port: 80, protocol: 'TCP' },
  ],
  endpoints: [ep('10.244.1.50', 'node1'), ep('10.244.2.50', 'node2')],
});
const lb = makeService(
  'study',
  'lb',
  { type: 'LoadBalancer', clusterIP: '10.96.0.30', selector: { app: 'lb' }, loadBalancerSourceRanges: ['203.0.113.0/24', '192.168.100.0/22', '10.128.0.0/9'], ports: [{ port: 443, protocol: 'TCP', targetPort: 8443, nodePort: 31443 }] },
  { loadBalancer: { ingress: [{ ip: '198.51.100.9' }] } },
);
const lbSlice = makeSlice('study', 'lb', { ports: [{ name: '', port: 8443, protocol: 'TCP' }], endpoints: [ep('10.244.1.60', 'node1')] });
const sctp = makeService('study', 'sig', { clusterIP: '10.96.0.40', selector: { app: 'sig' }, ports: [{ port: 3868, protocol: 'SCTP', targetPort: 3868 }] });
const sctpSlice = makeSlice('study', 'sig', { ports: [{ name: '', port: 3868, protocol: 'SCTP' }], endpoints: [ep('10.244.2.70', 'node2')] });
const lonely = makeService('study', 'lonely', { clusterIP: '10.96.0.50', internalTrafficPolicy: 'Local', selector: { app: 'lonely' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
const lonelySlice = makeSlice('study', 'lonely', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.2.80', 'node2')] });

/**
 * The fresh transaction, then the partial ones, then a full one in place (the hourly resync, of
 * the final state), for a node1 with these render options.
 */
export function partialSyncs(opts: NftRenderOptions): { fresh: string; steps: PartialSyncStep[]; full: string } {
  const services = new ServiceChangeTracker();
  const endpoints = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
  const svcs = new Map<string, Service>();
  const slices = new Map<string, EndpointSlice>();
  const rs = new NftablesRuleset(opts);
  let now = 0;
  const sync = (full = false) => {
    const changed = new Set([...services.checkoutChanges().updatedServices, ...endpoints.checkoutChanges().updatedServices]);
    return rs.transaction({ services: services.serviceMap, endpoints: endpoints.endpointsMap, node: NODE1, now: (now += 10), changedServices: full ? undefined : changed });
  };
  const service = (s: Service | string) => {
    const key = typeof s === 'string' ? s : `study/${s.metadata.name}`;
    services.update(svcs.get(key), typeof s === 'string' ? undefined : s);
    if (typeof s === 'string') svcs.delete(key);
    else svcs.set(key, s);
  };
  const slice = (s: EndpointSlice | string) => {
    const key = typeof s === 'string' ? s : `study/${s.metadata.name}`;
    endpoints.update(slices.get(key), typeof s === 'string' ? undefined : s);
    if (typeof s === 'string') slices.delete(key);
    else slices.set(key, s);
  };

  service(web());
  slice(webSlice(['10.244.1.39', '10.244.2.33']));
  const fresh = sync(true).script;
  const steps: PartialSyncStep[] = [];
  const step = (name: string, change: () => void) => {
    change();
    const tx = sync();
    if (tx.kind !== 'partial' || tx.script === '') throw new Error(`step "${name}": expected a partial transaction with changes, got ${tx.kind} "${tx.script}"`);
    steps.push({ name, script: tx.script });
  };
  step('a third endpoint', () => slice(webSlice(['10.244.1.39', '10.244.2.33', '10.244.1.40'])));
  step('ClientIP affinity', () => service(web({ sessionAffinity: 'ClientIP' })));
  step('affinity re-timed', () => service(web({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } })));
  step('NodePort, externalIP, UDP, Local policy', () => {
    service(edge);
    slice(edgeSlice);
  });
  step('LoadBalancer with source ranges', () => {
    service(lb);
    slice(lbSlice);
  });
  step('SCTP', () => {
    service(sctp);
    slice(sctpSlice);
  });
  step('internal Local policy, no local endpoint', () => {
    service(lonely);
    slice(lonelySlice);
  });
  step('endpoints gone', () => slice('study/edge-abcde'));
  step('affinity off, an endpoint moved', () => {
    service(web());
    slice(webSlice(['10.244.1.39', '10.244.2.34', '10.244.1.40']));
  });
  step('services deleted', () => {
    service('study/lb');
    slice('study/lb-abcde');
    service('study/sig');
  });
  now += 2 * STALE_CHAIN_DELETE_DELAY_MS;
  step('stale chains deleted', () => undefined);
  const full = sync(true);
  if (full.kind !== 'full') throw new Error(`expected a full transaction, got ${full.kind}`);
  return { fresh, steps, full: full.script };
}
