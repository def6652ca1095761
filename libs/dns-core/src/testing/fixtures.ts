/**
 * A small cluster for table tests, after CoreDNS's APIConnServeTest (plugin/kubernetes/handler_test.go):
 * ClusterIP, empty, IPv6, dual-stack and multi-port services, headless services with and without
 * hostnames, ports and ready endpoints, ExternalNames, the kube-dns service, and pods.
 */
import { LABEL_SERVICE_NAME, type Endpoint, type EndpointSlice, type EndpointSlicePort, type Namespace, type Pod, type Service, type ServiceSpec } from '@minimesh/api';
import { buildSnapshot, type ClusterSnapshot } from '../cluster-snapshot.js';
import { serveKubernetes } from '../kubernetes-handler.js';
import { recordText, rcodeName, type Question } from '../message.js';
import { parseKubernetesConfig, type KubernetesConfig, type KubernetesConfigInput } from '../zone-config.js';

export const SERIAL = 1499347823;

export function service(name: string, namespace: string, spec: ServiceSpec): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec };
}

export function namespace(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

let sliceCount = 0;
export function slice(svc: string, ns: string, endpoints: Endpoint[], ports: EndpointSlicePort[] = [{ name: 'http', protocol: 'TCP', port: 80 }], addressType: 'IPv4' | 'IPv6' = 'IPv4'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-${++sliceCount}`, namespace: ns, labels: { [LABEL_SERVICE_NAME]: svc } },
    addressType,
    endpoints,
    ports,
  };
}

export function ep(ip: string, opts: { hostname?: string; ready?: boolean; pod?: string } = {}): Endpoint {
  return {
    addresses: [ip],
    hostname: opts.hostname,
    conditions: opts.ready === undefined ? { ready: true } : { ready: opts.ready },
    targetRef: opts.pod ? { kind: 'Pod', name: opts.pod, namespace: 'testns' } : undefined,
  };
}

export function pod(name: string, ns: string, ip: string, opts: { terminating?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, deletionTimestamp: opts.terminating ? '2026-01-01T00:00:00Z' : undefined },
    status: { podIP: ip, podIPs: [{ ip }] },
  };
}

const http = [{ name: 'http', protocol: 'TCP', port: 80 }];

export const FIXTURE_SERVICES: Service[] = [
  service('svc1', 'testns', { type: 'ClusterIP', clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], ports: http }),
  service('svcempty', 'testns', { type: 'ClusterIP', clusterIP: '10.0.0.2', ports: http }),
  service('svc6', 'testns', { type: 'ClusterIP', clusterIP: '1234:abcd::1', ports: http }),
  service('svc-dual-stack', 'testns', { type: 'ClusterIP', clusterIP: '10.0.0.3', clusterIPs: ['10.0.0.3', '10::3'], ports: http }),
  service('multiport', 'testns', {
    type: 'ClusterIP',
    clusterIP: '10.0.0.4',
    ports: [
      { name: 'http', protocol: 'TCP', port: 80 },
      { name: 'https', protocol: 'TCP', port: 443 },
      { name: 'dns', protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 8080 },
    ],
  }),
  service('hdls1', 'testns', { type: 'ClusterIP', clusterIP: 'None', ports: http }),
  service('hdlsprtls', 'testns', { type: 'ClusterIP', clusterIP: 'None' }),
  service('hdlsempty', 'testns', { type: 'ClusterIP', clusterIP: 'None', ports: http }),
  service('external', 'testns', { type: 'ExternalName', externalName: 'ext.interwebs.test', ports: http }),
  service('external-to-service', 'testns', { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local', ports: http }),
  service('external-ip', 'testns', { type: 'ExternalName', externalName: '1.2.3.4' }),
  service('kube-dns', 'kube-system', {
    type: 'ClusterIP',
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'dns', protocol: 'UDP', port: 53 },
      { name: 'dns-tcp', protocol: 'TCP', port: 53 },
    ],
  }),
];

export const FIXTURE_SLICES: EndpointSlice[] = [
  slice('svc1', 'testns', [ep('172.0.0.1', { hostname: 'ep1a' })]),
  slice('svcempty', 'testns', []),
  slice('hdls1', 'testns', [
    ep('172.0.0.2'),
    ep('172.0.0.3'),
    ep('172.0.0.4', { hostname: 'dup-name' }),
    ep('172.0.0.5', { hostname: 'dup-name' }),
    ep('172.0.0.6', { ready: false }),
  ]),
  slice('hdls1', 'testns', [ep('5678:abcd::1'), ep('5678:abcd::2')], http, 'IPv6'),
  slice('hdlsprtls', 'testns', [ep('172.0.0.20')], []),
  slice('hdlsempty', 'testns', [ep('172.0.0.30', { ready: false })]),
  slice('kube-dns', 'kube-system', [ep('10.244.0.53', { pod: 'coredns-1' })], [
    { name: 'dns', protocol: 'UDP', port: 53 },
    { name: 'dns-tcp', protocol: 'TCP', port: 53 },
  ]),
];

export const FIXTURE_NAMESPACES: Namespace[] = ['testns', 'kube-system', 'default', 'podns'].map(namespace);

export const FIXTURE_PODS: Pod[] = [pod('web', 'podns', '10.240.0.1'), pod('going', 'podns', '10.240.0.2', { terminating: true })];

export function fixtureSnapshot(overrides: Partial<Parameters<typeof buildSnapshot>[0]> = {}): ClusterSnapshot {
  return buildSnapshot({
    services: FIXTURE_SERVICES,
    slices: FIXTURE_SLICES,
    namespaces: FIXTURE_NAMESPACES,
    pods: FIXTURE_PODS,
    synced: true,
    serial: SERIAL,
    ...overrides,
  });
}

/** CoreDNS's plugin defaults (ttl 5, pods disabled, no fallthrough) with the reverse zones, so tables read like its tests. */
export function coreDnsConfig(extra: KubernetesConfigInput = {}): KubernetesConfig {
  return parseKubernetesConfig({ zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], ttl: 5, pods: 'disabled', fallthrough: [], ...extra });
}

export interface Printed {
  rcode: string;
  aa: boolean;
  answer: string[];
  ns: string[];
  extra: string[];
  /** 'next' when the handler passed the question on, 'chase <name> <type>' when an upstream lookup is wanted. */
  outcome: string;
}

/** The handler's outcome as text, sections sorted (CoreDNS's SortAndCheck compares sorted sections). */
export function ask(snap: ClusterSnapshot, cfg: KubernetesConfig, name: string, type: string): Printed {
  const q: Question = { name, type, class: 1 };
  const out = serveKubernetes(snap, cfg, q);
  if (out.kind === 'next') return { rcode: '', aa: false, answer: [], ns: [], extra: [], outcome: 'next' };
  if (out.kind === 'refused') return { rcode: 'REFUSED', aa: false, answer: [], ns: [], extra: [], outcome: 'refused' };
  const m = out.message;
  const sort = (rrs: typeof m.answer) => rrs.map(recordText).sort();
  return {
    rcode: rcodeName(m.rcode),
    aa: m.authoritative,
    answer: sort(m.answer),
    ns: sort(m.authority),
    extra: sort(m.additional),
    outcome: out.chase ? `chase ${out.chase.name} ${out.chase.type}` : 'reply',
  };
}

/** One row of a handler table: what is asked and the sections expected back (sorted, as text). */
export interface Case {
  qname: string;
  qtype: string;
  rcode: string;
  answer?: string[];
  ns?: string[];
  extra?: string[];
}

export const SOA = `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`;

export const nxdomain = (qname: string, qtype = 'A', soa = SOA): Case => ({ qname, qtype, rcode: 'NXDOMAIN', ns: [soa] });
export const nodata = (qname: string, qtype = 'A', soa = SOA): Case => ({ qname, qtype, rcode: 'NOERROR', ns: [soa] });
export const answer = (qname: string, qtype: string, records: string[], extra: string[] = []): Case => ({ qname, qtype, rcode: 'NOERROR', answer: records, extra });

/** What `ask` should print for a case (AA is set on every kubernetes reply but REFUSED). */
export function expected(c: Case): Omit<Printed, 'outcome'> {
  return { rcode: c.rcode, aa: true, answer: [...(c.answer ?? [])].sort(), ns: [...(c.ns ?? [])].sort(), extra: [...(c.extra ?? [])].sort() };
}
