/**
 * The kubernetes backend: which entries a name stands for, or a name error (CoreDNS
 * plugin/kubernetes/kubernetes.go Services/Records/findServices/findPods, reverse.go, ns.go).
 * An entry is CoreDNS's msg.Service: a host (IP, or a domain for ExternalName), a port, and the
 * owner name SRV and NS records point at.
 */
import { serviceKey, type ClusterSnapshot, type ServiceRecord } from './cluster-snapshot.js';
import { endpointHostname } from './endpoint-hostname.js';
import { addressFromReverse, canonicalIP, isIP, isIPv4, isIPv6, reverseKind } from './ip.js';
import { joinName, labels, trimZone } from './names.js';
import { parseQname, type RecordRequest } from './parse-qname.js';
import { DNS_SCHEMA_VERSION, DNS_VERSION_TTL, type KubernetesConfig } from './zone-config.js';

export interface Entry {
  /** An IP (A/AAAA entry), a domain (CNAME entry), or '' with `text`. */
  host: string;
  /** -1: the endpoint has no declared port (no SRV). */
  port: number;
  ttl: number;
  /** The owner name this entry stands for: SRV targets, NS names. */
  key: string;
  text?: string;
}

export type Found = { ok: true; entries: Entry[] } | { ok: false };

/** NXDOMAIN (errNoItems, errNsNotExposed, errInvalidRequest are all name errors). */
export const NAME_ERROR: Found = { ok: false };
const found = (entries: Entry[]): Found => ({ ok: true, entries });

export interface Backend {
  snap: ClusterSnapshot;
  cfg: KubernetesConfig;
}

/** One question as the backend sees it. */
export interface QueryState {
  /** As the client wrote it. */
  qname: string;
  /** Lower-case. */
  name: string;
  /** The matched zone in the client's letter case: answers keep it. */
  zone: string;
  zoneLower: string;
  qtype: string;
}

export function hostType(e: Entry): 'A' | 'AAAA' | 'CNAME' | 'TXT' {
  if (e.text !== undefined) return 'TXT';
  if (isIPv4(e.host)) return 'A';
  if (isIPv6(e.host)) return 'AAAA';
  return 'CNAME';
}

const exposed = (b: Backend, namespace: string) => b.snap.namespaces.has(namespace);

const isDefaultNS = (name: string, zone: string) => name === joinName(['ns', 'dns'], zone);

/** Services(): what a question of its type stands for. */
export function services(b: Backend, st: QueryState): Found {
  if (st.qtype === 'TXT') {
    const segs = labels(trimZone(st.name, st.zoneLower));
    if (segs.length === 1 && segs[0] === 'dns-version') {
      return found([{ host: '', port: 0, ttl: DNS_VERSION_TTL, key: st.qname, text: DNS_SCHEMA_VERSION }]);
    }
    // Another existing name: NODATA; otherwise NXDOMAIN (also for the apex, whose records are empty).
    const r = records(b, st);
    return r.ok && r.entries.length > 0 ? found([]) : NAME_ERROR;
  }
  if (st.qtype === 'NS') {
    return found(nsAddresses(b, st.zone).map((a) => ({ host: a.ip, port: 0, ttl: b.cfg.ttl, key: a.name })));
  }
  if (isDefaultNS(st.name, st.zoneLower)) {
    const want = st.qtype === 'A' ? isIPv4 : st.qtype === 'AAAA' ? isIPv6 : () => false;
    return found(nsAddresses(b, st.zone).filter((a) => want(a.ip)).map((a) => ({ host: a.ip, port: 0, ttl: b.cfg.ttl, key: st.qname })));
  }
  const r = records(b, st);
  // SRV for ExternalName services is not implemented: their CNAME entries are dropped.
  if (st.qtype !== 'SRV' || !r.ok) return r;
  return found(r.entries.filter((e) => hostType(e) !== 'CNAME'));
}

/** Records(): parse the name and look it up. */
export function records(b: Backend, st: QueryState): Found {
  const parsed = parseQname(st.name, st.zoneLower);
  if (!parsed.valid) return NAME_ERROR;
  const r = parsed.request;
  if (r.podOrSvc === '') return found([]);
  if (reverseKind(st.name) > 0) return NAME_ERROR;
  if (!exposed(b, r.namespace)) return NAME_ERROR;
  return r.podOrSvc === 'pod' ? findPods(b, r, st.zone) : findServices(b, r, st.zone);
}

export function findPods(b: Backend, r: RecordRequest, zone: string): Found {
  const { pods, ttl } = b.cfg;
  if (pods === 'disabled' || !exposed(b, r.namespace)) return NAME_ERROR;
  const podname = r.service;
  if (podname === '') return found([]);
  const dashes = podname.split('-').length - 1;
  const raw = dashes === 3 && !podname.includes('--') ? podname.replaceAll('-', '.') : podname.replaceAll('-', ':');
  const ip = canonicalIP(raw);
  const key = joinName([podname, r.namespace, 'pod'], zone);
  if (!ip) return NAME_ERROR;
  if (pods === 'insecure') return found([{ host: ip, port: 0, ttl, key }]);
  const namespaces = b.snap.podNamespacesByIP.get(ip) ?? [];
  const entries = namespaces.filter((ns) => ns === r.namespace).map(() => ({ host: ip, port: 0, ttl, key }));
  return entries.length ? found(entries) : NAME_ERROR;
}

function matchPortAndProtocol(aPort: string, bPort: string, aProto: string, bProto: string): boolean {
  return (aPort === '' || aPort === bPort.toLowerCase()) && (aProto === '' || aProto === bProto.toLowerCase());
}

export function findServices(b: Backend, r: RecordRequest, zone: string): Found {
  if (!exposed(b, r.namespace)) return NAME_ERROR;
  if (r.service === '') return found([]);
  const svc = b.snap.services.get(serviceKey(r.service, r.namespace));
  if (!svc) return NAME_ERROR;
  const { ttl } = b.cfg;
  const key = joinName([svc.name, svc.namespace, 'svc'], zone);

  if (svc.kind === 'ExternalName') {
    // No endpoints, and no _port._proto names under an ExternalName; an IP value is not answered.
    if (r.endpoint || r.port || r.protocol) return NAME_ERROR;
    if (!svc.externalName || isIP(svc.externalName)) return NAME_ERROR;
    return found([{ host: svc.externalName, port: 0, ttl, key }]);
  }

  if (svc.kind === 'Headless' || r.endpoint) {
    const entries: Entry[] = [];
    for (const subset of b.snap.endpoints.get(serviceKey(svc.name, svc.namespace)) ?? []) {
      for (const addr of subset.addresses) {
        const hostname = endpointHostname(addr, b.cfg.endpointPodNames);
        if (r.endpoint && r.endpoint !== hostname.toLowerCase()) continue;
        for (const p of subset.ports) {
          if (!matchPortAndProtocol(r.port, p.name, r.protocol, p.protocol)) continue;
          entries.push({ host: addr.ip, port: p.port, ttl, key: joinName([hostname, svc.name, svc.namespace, 'svc'], zone) });
        }
      }
    }
    return entries.length ? found(entries) : NAME_ERROR;
  }

  let matched = false;
  const entries: Entry[] = [];
  for (const p of svc.ports) {
    if (!matchPortAndProtocol(r.port, p.name, r.protocol, p.protocol)) continue;
    matched = true;
    for (const ip of svc.clusterIPs) entries.push({ host: ip, port: p.port, ttl, key });
  }
  return matched ? found(entries) : NAME_ERROR;
}

/** Reverse(): the names of an address, for PTR. */
export function reverse(b: Backend, st: QueryState): Found {
  const ip = addressFromReverse(st.name);
  if (!ip) {
    const r = records(b, st);
    return r.ok ? found([]) : r;
  }
  const entries = serviceRecordsForIP(b, ip);
  return entries.length ? found(entries) : NAME_ERROR;
}

/** A ClusterIP names its service (the first that holds it); otherwise every endpoint listing the IP names itself. */
export function serviceRecordsForIP(b: Backend, ip: string): Entry[] {
  const { primaryZone, ttl, endpointPodNames } = b.cfg;
  const svc = b.snap.serviceByIP.get(ip);
  if (svc) return [{ host: joinName([svc.name, svc.namespace, 'svc'], primaryZone), port: 0, ttl, key: '' }];
  return (b.snap.endpointsByIP.get(ip) ?? []).map((ref) => ({
    host: joinName([endpointHostname(ref.address, endpointPodNames), ref.service, ref.namespace, 'svc'], primaryZone),
    port: 0,
    ttl,
    key: '',
  }));
}

/**
 * The apex NS names and their addresses (ns.go nsAddrs): the services whose endpoints hold one
 * of the server's own IPs (ClusterIP: the service name and its ClusterIPs; headless: each
 * endpoint of the slice); when none does, `ns.dns.<zone>` with the local IPs.
 */
export function nsAddresses(b: Backend, zone: string): { name: string; ip: string }[] {
  const out: { name: string; ip: string }[] = [];
  const seen = new Set<string>();
  const add = (name: string, ip: string) => {
    const k = `${name}|${ip}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push({ name, ip });
    }
  };
  for (const local of b.cfg.localIPs) {
    const ip = canonicalIP(local);
    if (!ip) continue;
    for (const ref of b.snap.endpointsByIP.get(ip) ?? []) {
      const svc: ServiceRecord | undefined = b.snap.services.get(serviceKey(ref.service, ref.namespace));
      if (!svc) continue;
      const svcName = joinName([svc.name, svc.namespace, 'svc'], zone);
      if (svc.kind === 'Headless') {
        for (const subset of b.snap.endpoints.get(serviceKey(svc.name, svc.namespace)) ?? []) {
          if (!subset.addresses.some((a) => a.ip === ip)) continue;
          for (const a of subset.addresses) add(joinName([endpointHostname(a, b.cfg.endpointPodNames)], svcName), a.ip);
        }
      } else {
        for (const cip of svc.clusterIPs) add(svcName, cip);
      }
    }
  }
  if (out.length === 0) {
    for (const local of b.cfg.localIPs) {
      const ip = canonicalIP(local);
      if (ip) add(joinName(['ns', 'dns'], zone), ip);
    }
  }
  return out;
}
