/**
 * minimesh-dns flags: defaults() + parse(), each settable by its environment variable, and all
 * of them by a JSON config file (`--config`; keys are the flag names). Precedence: flag, then
 * environment, then file, then default.
 */
import { INFORMER_FLAGS } from '@minimesh/informer';
import { durationFlag, integer, oneOf, parseListenAddress, type FlagSpecs, type FlagValues } from '@minimesh/runtime';
import { PODS_MODES, DEFAULT_FALLTHROUGH, DEFAULT_TTL, DEFAULT_ZONES, DEFAULT_PODS, MAX_TTL, KubernetesConfigError, canonicalIP, parseKubernetesConfig, type KubernetesConfigInput } from '@minimesh/dns-core';
import { FORWARD_POLICIES } from './plugins/upstream-pool.js';
import { parseUpstream } from './plugins/upstream-exchange.js';
import { DEFAULT_KUBE_DNS_IP } from './kube-dns-service.js';
import { parseAcl } from './plugins/acl-plugin.js';

/** A zone list checked as the kubernetes plugin checks it (its reason without the field name: the flag says it). */
const zoneList = (field: 'zones' | 'fallthrough') => (raw: string) => {
  try {
    parseKubernetesConfig({ [field]: list(raw) } as KubernetesConfigInput);
  } catch (e) {
    if (e instanceof KubernetesConfigError) throw new Error(e.message.replace(`${field}: `, ''));
    throw e;
  }
  return raw;
};

/** Comma-separated IP addresses. */
const ipList = (raw: string) => {
  for (const ip of list(raw)) if (canonicalIP(ip) === undefined) throw new Error(`"${ip}" is not an IP address`);
  return raw;
};

/** A ClusterIP: one IPv4 address (minimesh is single-stack IPv4). */
const clusterIP = (raw: string) => {
  const c = canonicalIP(raw.trim());
  if (c === undefined) throw new Error(`"${raw}" is not an IP address`);
  if (c.includes(':')) throw new Error(`IPv6 is not supported (minimesh is single-stack IPv4): ${raw}`);
  return c;
};

const upstreamList = (raw: string) => {
  const all = list(raw);
  if (raw.trim() !== '' && all.length === 0) throw new Error('no address given');
  for (const u of all) parseUpstream(u);
  return raw;
};

export const DNS_FLAGS = {
  config: { description: 'JSON file with any of these flags as keys (lists as arrays or comma-separated).', default: '' },
  ...INFORMER_FLAGS,
  listen: {
    description: 'DNS address, UDP and TCP (host:port; port 0 picks a free one). Loopback by default: give the cluster DNS address (or 0.0.0.0 inside a pod) to serve the cluster.',
    default: '127.0.0.1:53',
    parse: (raw: string) => parseListenAddress(raw),
  },
  acl: {
    description: 'CoreDNS acl policies, e.g. "cluster.local { allow } . { allow net 10.0.0.0/8; block }" (actions allow, block, filter, drop; type and net filters). Empty: the cluster zones for anyone, forwarding only for --allow-forward-from.',
    default: '',
    parse: (raw: string) => (parseAcl(raw), raw),
  },
  'allow-forward-from': {
    description: 'Networks whose clients may have names outside the cluster zones forwarded (when --acl is empty): loopback, the pod and the service CIDRs by default.',
    default: '127.0.0.0/8,::1/128,10.244.0.0/16,10.96.0.0/12',
    parse: (raw: string) => (list(raw).length ? parseAcl(`allow net ${list(raw).join(' ')}`) : [], raw),
  },
  'max-udp-size': { description: 'Largest UDP answer in bytes; bigger ones go out truncated (TC) for a retry over TCP (DNS Flag Day 2020: 1232).', default: 1232, parse: integer(512, 65535) },
  'max-tcp-connections': { description: 'TCP connections served at once; more are closed.', default: 1000, parse: integer(1, 1_000_000) },
  'max-tcp-queries': { description: 'Queries of one TCP connection in flight at once (an answer counts until the kernel took it); the connection is not read further until answers went out.', default: 100, parse: integer(1, 65535) },
  'tcp-idle-timeout': durationFlag('How long a TCP connection with nothing to do stays open (a message itself must arrive within 3s of its first byte, answers drain within 5s).', 10, { min: 'positive' }),
  zones: { description: 'Zones answered from the cluster (the first forward zone is the cluster domain; reverse zones give PTR).', default: DEFAULT_ZONES.join(','), parse: zoneList('zones') },
  ttl: { description: `TTL of cluster answers in seconds (0..${MAX_TTL}).`, default: DEFAULT_TTL, parse: integer(0, MAX_TTL) },
  pods: { description: 'Pod records <a-b-c-d>.<ns>.pod.<zone>: disabled, insecure (any IP) or verified (a pod with that IP in that namespace).', default: DEFAULT_PODS as string, parse: oneOf(PODS_MODES) as (raw: string) => string },
  fallthrough: { description: 'Zones whose name errors go on to forwarding instead of NXDOMAIN (comma-separated; "." for all).', default: DEFAULT_FALLTHROUGH.join(','), parse: zoneList('fallthrough') },
  'endpoint-pod-names': { description: 'Name endpoints without a hostname after their pod instead of their dashed IP.', default: false },
  'local-ips': { description: 'This server\'s own addresses for the apex NS record (default: the listen address, or every interface address).', default: '', parse: ipList },
  upstreams: { description: 'Where everything else is forwarded (comma-separated ip[:port]; default: the nameservers of --resolv-conf).', default: '', parse: upstreamList },
  'resolv-conf': { description: 'Resolver configuration the default upstreams come from.', default: '/etc/resolv.conf' },
  policy: { description: 'Order upstreams are tried in: random, round_robin or sequential.', default: 'random', parse: oneOf(FORWARD_POLICIES) as (raw: string) => string },
  'max-concurrent': { description: 'Forwarded queries in flight at most; more are REFUSED.', default: 1000, parse: integer(1, 1_000_000) },
  'force-tcp': { description: 'Forward over TCP always.', default: false },
  'prefer-udp': { description: 'Forward over UDP even queries that came over TCP.', default: false },
  'forward-timeout': durationFlag('How long to wait for one upstream before trying the next.', 2, { min: 'positive' }),
  'health-check': durationFlag('Time between health probes of an upstream that failed twice.', 0.5, { min: 'positive' }),
  'cache-size': { description: 'Entries in each of the success and the denial cache (0 turns caching off).', default: 9984, parse: integer(0, 10_000_000) },
  'cache-ttl': { description: 'Longest time, in seconds, a forwarded answer is cached (CoreDNS `cache 30`).', default: 30, parse: integer(0, 86_400) },
  'cache-min-ttl': { description: 'Shortest time, in seconds, a forwarded answer is cached.', default: 5, parse: integer(0, 86_400) },
  'servfail-ttl': { description: 'Seconds an upstream SERVFAIL is cached (0: never).', default: 5, parse: integer(0, 300) },
  'loop-detect': { description: 'Probe for forwarding loops at start and exit when one is found (CoreDNS loop).', default: true },
  'health-listen': { description: 'Address of /health (200 OK while the process runs, also in lame duck).', default: '0.0.0.0:8080', parse: (raw: string) => parseListenAddress(raw) },
  'ready-listen': { description: 'Address of /ready (200 OK once the caches synced, 503 in lame duck).', default: '0.0.0.0:8181', parse: (raw: string) => parseListenAddress(raw) },
  'metrics-listen': { description: 'Address of /metrics (Prometheus, CoreDNS metric names).', default: '0.0.0.0:9153', parse: (raw: string) => parseListenAddress(raw) },
  lameduck: durationFlag('How long to keep answering after SIGTERM while /ready fails.', 5, { min: 'non-negative' }),
  workers: {
    description: 'Processes answering queries on the one port, each with its own informers and cache (0: one per CPU); the first process serves /health, /ready and the summed /metrics.',
    default: 1,
    parse: integer(0, 256),
  },
  'register-service': { description: 'Create and keep the kube-dns Service in kube-system.', default: true },
  'service-ip': { description: 'ClusterIP of the kube-dns Service.', default: DEFAULT_KUBE_DNS_IP, parse: clusterIP },
} satisfies FlagSpecs;

export type DnsOptions = FlagValues<typeof DNS_FLAGS>;

export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
