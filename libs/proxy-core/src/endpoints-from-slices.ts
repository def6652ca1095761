/**
 * The endpoints of each service port from the Service's EndpointSlices, as kube-proxy's
 * EndpointSliceCache builds them (pkg/proxy/endpointslicecache.go): slices belong to the Service
 * named by their kubernetes.io/service-name label; a slice port contributes to the service port
 * with the same NAME and protocol; an endpoint is its first address at the slice port's number;
 * duplicates across slices are merged (a local copy wins); each list is sorted by "ip:port".
 */
import { type EndpointSlice, LABEL_SERVICE_NAME, normalizeIPv4 } from '@minimesh/api';
import { compareEndpoints, makeEndpointInfo, type EndpointInfo, type EndpointsMap } from './endpoint-info.js';
import { servicePortKey, toProxyProtocol, type ProxyProtocol } from './service-port.js';

/** The part of an EndpointSlice kube-proxy cares about, normalized so equal slices compare equal. */
export interface SliceInfo {
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: ProxyProtocol }[];
  readonly endpoints: readonly SliceEndpoint[];
}

export interface SliceEndpoint {
  readonly addresses: readonly string[];
  readonly nodeName: string;
  readonly zone: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly zoneHints: readonly string[];
  readonly nodeHints: readonly string[];
}

/** Hints as discovery.k8s.io/v1 carries them (not yet in @minimesh/api's Endpoint type). */
interface EndpointHints {
  hints?: { forZones?: { name: string }[]; forNodes?: { name: string }[] };
}

/** The slice's Service as "namespace/name", or undefined without the service-name label. */
export function sliceServiceName(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  const ns = slice.metadata.namespace;
  if (!svc || !ns || !slice.metadata.name) return undefined;
  return `${ns}/${svc}`;
}

/** Slices kube-proxy reads in the IPv4 family (IPv6 and FQDN slices are ignored). */
export function isProxiedSlice(slice: EndpointSlice): boolean {
  return slice.addressType === 'IPv4';
}

/** newEndpointSliceInfo: ports sorted by number, endpoints by their joined addresses. */
export function sliceInfo(slice: EndpointSlice): SliceInfo {
  const ports = [];
  for (const p of slice.ports ?? []) {
    const protocol = toProxyProtocol(p.protocol);
    // kube-proxy skips ports without a number; an omitted name is the unnamed port "".
    if (protocol === undefined || !p.port) continue;
    ports.push({ name: p.name ?? '', port: p.port, protocol });
  }
  ports.sort((a, b) => a.port - b.port);
  const endpoints: SliceEndpoint[] = (slice.endpoints ?? []).map((ep) => {
    const hints = (ep as EndpointHints).hints;
    return {
      addresses: [...ep.addresses],
      nodeName: ep.nodeName ?? '',
      zone: ep.zone ?? '',
      ready: ep.conditions?.ready ?? true,
      serving: ep.conditions?.serving ?? true,
      terminating: ep.conditions?.terminating ?? false,
      zoneHints: (hints?.forZones ?? []).map((z) => z.name).sort(),
      nodeHints: (hints?.forNodes ?? []).map((n) => n.name).sort(),
    };
  });
  endpoints.sort((a, b) => {
    const x = a.addresses.join(',');
    const y = b.addresses.join(',');
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { ports, endpoints };
}

export function sliceInfoEqual(a: SliceInfo, b: SliceInfo): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * endpointInfoByServicePort + endpointsMapFromEndpointInfo for one Service: every service port
 * named by the slices, with its de-duplicated endpoints sorted by "ip:port". Slices are read in
 * the order given (kube-proxy's is map order; callers pass them sorted by slice name).
 */
export function endpointsFromSliceInfos(serviceNamespacedName: string, slices: Iterable<SliceInfo>, nodeName: string): Map<string, EndpointInfo[]> {
  const [namespace = '', name = ''] = serviceNamespacedName.split('/');
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    for (const p of slice.ports) {
      const key = servicePortKey({ namespace, name, port: p.name, protocol: p.protocol });
      let set = byPort.get(key);
      if (!set) byPort.set(key, (set = new Map()));
      for (const ep of slice.endpoints) {
        const ip = ep.addresses[0] === undefined ? undefined : normalizeIPv4(ep.addresses[0]);
        if (ip === undefined) continue; // no address, or not this family
        const isLocal = nodeName !== '' && ep.nodeName === nodeName;
        const info = makeEndpointInfo({
          ip,
          port: p.port,
          nodeName: ep.nodeName,
          zone: ep.zone,
          isLocal,
          ready: ep.ready,
          serving: ep.serving,
          terminating: ep.terminating,
          zoneHints: ep.zoneHints,
          nodeHints: ep.nodeHints,
        });
        if (!set.has(info.endpoint) || isLocal) set.set(info.endpoint, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, set] of byPort) {
    if (set.size > 0) out.set(key, [...set.values()].sort(compareEndpoints));
  }
  return out;
}

/**
 * The EndpointsMap of any set of EndpointSlices (of any Services): slices without the
 * service-name label, and non-IPv4 slices, are ignored. `nodeName` decides `isLocal`.
 */
export function endpointsFromSlices(slices: readonly EndpointSlice[], nodeName: string): EndpointsMap {
  const byService = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = sliceServiceName(s);
    if (svc === undefined || !isProxiedSlice(s)) continue;
    const list = byService.get(svc) ?? [];
    list.push(s);
    byService.set(svc, list);
  }
  const out = new Map<string, readonly EndpointInfo[]>();
  for (const [svc, list] of byService) {
    list.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    for (const [key, eps] of endpointsFromSliceInfos(svc, list.map(sliceInfo), nodeName)) out.set(key, eps);
  }
  return out;
}
