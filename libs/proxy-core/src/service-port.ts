/**
 * kube-proxy's ServicePort (pkg/proxy/serviceport.go BaseServicePortInfo) for one port of one
 * Service, in the IPv4 family, and the rules that make it from a Service object
 * (servicechangetracker.go serviceToServiceMap, pkg/api/v1/service helpers).
 */
import { serviceNameProblem } from './kernel-names.js';
import { flat, formatIPv4CIDR, needsHealthCheck, normalizeIPv4, parseIPv4CIDR, requestsOnlyLocalTraffic, type Service } from '@minimesh/api';

export type ProxyProtocol = 'TCP' | 'UDP' | 'SCTP';

/** The identity of a load-balanced service port: namespace, name, port name and protocol. */
export interface ServicePortName {
  readonly namespace: string;
  readonly name: string;
  /** The Service port's name; "" for an unnamed port. */
  readonly port: string;
  readonly protocol: ProxyProtocol;
}

export interface ServicePortInfo {
  readonly name: ServicePortName;
  /** ServicePortName.String(): "ns/name" or "ns/name:port" (the chain hash and comments use it). */
  readonly nameString: string;
  /** The map key: nameString + "/" + protocol. */
  readonly key: string;
  readonly clusterIP: string;
  readonly port: number;
  readonly protocol: ProxyProtocol;
  /** 0 when the port has no NodePort. */
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  /** status.loadBalancer.ingress IPs in VIP mode (ipMode unset or "VIP"). */
  readonly loadBalancerVIPs: readonly string[];
  /** Parsed and normalized ("203.0.113.5/25" → "203.0.113.0/25"), whitespace trimmed. */
  readonly loadBalancerSourceRanges: readonly string[];
  readonly sessionAffinityClientIP: boolean;
  /** sessionAffinityConfig.clientIP.timeoutSeconds (10800 when unset); 0 without ClientIP affinity. */
  readonly stickyMaxAgeSeconds: number;
  /** type NodePort/LoadBalancer with externalTrafficPolicy Local. */
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  /** 0 unless type LoadBalancer with externalTrafficPolicy Local. */
  readonly healthCheckNodePort: number;
}

/** A ServicePortMap: every proxied service port, by `ServicePortInfo.key`. */
export type ServicePortMap = ReadonlyMap<string, ServicePortInfo>;

export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

/** ServicePortName.String(): kube-proxy's fmtPortName appends ":port" only for a named port. */
export function servicePortNameString(n: Pick<ServicePortName, 'namespace' | 'name' | 'port'>): string {
  return flat(`${n.namespace}/${n.name}${n.port === '' ? '' : `:${n.port}`}`);
}

export function servicePortKey(n: ServicePortName): string {
  return flat(`${servicePortNameString(n)}/${n.protocol}`);
}

/** "ns/name" of a service port, the unit the change trackers report. */
export function serviceNamespacedName(n: Pick<ServicePortName, 'namespace' | 'name'>): string {
  return flat(`${n.namespace}/${n.name}`);
}

/** "ns/name" of a service port key ("ns/name/TCP" or "ns/name:port/TCP"; names hold no ":" or "/"): servicePortKey's Service. */
export function serviceOfPortKey(key: string): string {
  const withPort = key.slice(0, key.lastIndexOf('/'));
  const colon = withPort.indexOf(':');
  return colon < 0 ? withPort : withPort.slice(0, colon);
}

/** The ports grouped by Service: "ns/name" → key → port. */
export function portsByService(services: ServicePortMap): Map<string, Map<string, ServicePortInfo>> {
  const out = new Map<string, Map<string, ServicePortInfo>>();
  for (const sp of services.values()) {
    const nn = serviceNamespacedName(sp.name);
    let ports = out.get(nn);
    if (ports === undefined) out.set(nn, (ports = new Map()));
    ports.set(sp.key, sp);
  }
  return out;
}

export function toProxyProtocol(p: string | undefined): ProxyProtocol | undefined {
  const v = p === undefined || p === '' ? 'TCP' : p;
  return v === 'TCP' || v === 'UDP' || v === 'SCTP' ? v : undefined;
}

/** Reachable by anything but its ClusterIP (NodePort, externalIPs, LoadBalancer). */
export function externallyAccessible(sp: ServicePortInfo): boolean {
  return sp.nodePort !== 0 || sp.loadBalancerVIPs.length > 0 || sp.externalIPs.length > 0;
}

/** Ever sends traffic to "Cluster" endpoints (needed for short-circuiting even with eTP Local). */
export function usesClusterEndpoints(sp: ServicePortInfo): boolean {
  return !sp.internalPolicyLocal || externallyAccessible(sp);
}

export function usesLocalEndpoints(sp: ServicePortInfo): boolean {
  return sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible(sp));
}

/** proxyutil.ShouldSkipService: headless ("None"), no ClusterIP, or ExternalName. */
export function shouldSkipService(svc: Service): boolean {
  const ip = svc.spec?.clusterIP ?? '';
  if (ip === '' || ip === 'None') return true;
  return svc.spec?.type === 'ExternalName';
}

/** GetClusterIPByFamily(IPv4): the first IPv4 of clusterIPs (or clusterIP), "" if none. */
export function clusterIPv4(svc: Service): string {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec?.clusterIP ?? ''];
  for (const ip of ips) {
    const n = normalizeIPv4(ip);
    if (n !== undefined) return n;
  }
  return '';
}

/**
 * The proxied ports of a Service: none for ExternalName, headless or ClusterIP-less (or
 * IPv6-only) services, nor for one whose names the apiserver would refuse (serviceNameProblem);
 * ports with a protocol other than TCP/UDP/SCTP are skipped.
 */
export function servicePortsFromService(svc: Service): ServicePortInfo[] {
  if (shouldSkipService(svc)) return [];
  // Names that would not survive the kernel's grammars never get that far (kernel-names.ts).
  const names = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '' };
  if ((svc.spec?.ports ?? []).some((p) => serviceNameProblem({ ...names, port: p?.name ?? '' }) !== undefined)) return [];
  const clusterIP = clusterIPv4(svc);
  if (clusterIP === '') return [];
  const spec = svc.spec ?? {};
  const namespace = svc.metadata.namespace ?? '';
  const name = svc.metadata.name ?? '';

  const affinity = spec.sessionAffinity === 'ClientIP';
  const stickyMaxAgeSeconds = affinity ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_TIMEOUT_SECONDS) : 0;
  const externalIPs = (spec.externalIPs ?? []).map(normalizeIPv4).filter((ip): ip is string => ip !== undefined);
  const sourceRanges: string[] = [];
  for (const r of spec.loadBalancerSourceRanges ?? []) {
    const cidr = parseIPv4CIDR(r.trim()); // kube-proxy trims source ranges
    if (cidr) sourceRanges.push(formatIPv4CIDR(cidr));
  }
  const lbVIPs: string[] = [];
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (!ing.ip || (ing.ipMode !== undefined && ing.ipMode !== 'VIP')) continue;
    const ip = normalizeIPv4(ing.ip);
    if (ip !== undefined) lbVIPs.push(ip);
  }
  const eLocal = requestsOnlyLocalTraffic(svc);
  const iLocal = spec.internalTrafficPolicy === 'Local';
  const hcnp = needsHealthCheck(svc) ? (spec.healthCheckNodePort ?? 0) : 0;

  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = toProxyProtocol(p.protocol);
    if (protocol === undefined) continue;
    const spn: ServicePortName = { namespace, name, port: p.name ?? '', protocol };
    out.push({
      name: spn,
      nameString: servicePortNameString(spn),
      key: servicePortKey(spn),
      clusterIP,
      port: p.port,
      protocol,
      nodePort: p.nodePort ?? 0,
      externalIPs,
      loadBalancerVIPs: lbVIPs,
      loadBalancerSourceRanges: sourceRanges,
      sessionAffinityClientIP: affinity,
      stickyMaxAgeSeconds,
      externalPolicyLocal: eLocal,
      internalPolicyLocal: iLocal,
      healthCheckNodePort: hcnp,
    });
  }
  return out;
}

/** Orders service ports as the renderer emits them: by name string, then protocol. */
export function compareServicePorts(a: ServicePortInfo, b: ServicePortInfo): number {
  if (a.nameString !== b.nameString) return a.nameString < b.nameString ? -1 : 1;
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}
