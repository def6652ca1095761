/**
 * The configuration of the kubernetes zone handler (CoreDNS's `kubernetes` stanza), the nats.js
 * way: `defaultKubernetesConfig()` + `parseKubernetesConfig(input)` returning a complete,
 * checked value; a KubernetesConfigError names the field.
 *
 * The defaults are kubeadm's Corefile (the coredns ConfigMap in kubernetes/kubernetes
 * cmd/kubeadm/app/phases/addons/dns/manifests.go), the deployment minimesh plays:
 * `kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }`.
 * The plugin's own defaults differ (ttl 5, pods disabled, no fallthrough).
 */
import { reverseKind } from './ip.js';
import { fqdn } from './names.js';

export type PodsMode = 'disabled' | 'insecure' | 'verified';
export const PODS_MODES: readonly PodsMode[] = ['disabled', 'insecure', 'verified'];

export const DEFAULT_ZONES = ['cluster.local', 'in-addr.arpa', 'ip6.arpa'];
export const DEFAULT_TTL = 30; // seconds; kubeadm's `ttl 30` (the plugin alone says 5)
export const MAX_TTL = 3600; // seconds; CoreDNS accepts 0..3600
export const DEFAULT_PODS: PodsMode = 'insecure';
export const DEFAULT_FALLTHROUGH = ['in-addr.arpa', 'ip6.arpa'];
/** The only TXT record: `dns-version.<zone>` (spec §2.2), always with this TTL (seconds). */
export const DNS_SCHEMA_VERSION = '1.1.0';
export const DNS_VERSION_TTL = 28800;

export interface KubernetesConfig {
  /** Lower-case, fully qualified; the handler answers names in these. */
  zones: readonly string[];
  /** The first zone that is not a reverse zone: PTR targets end in it. */
  primaryZone: string;
  /** Seconds, on every record (SOA's TTL is min(ttl, 300); dns-version's is 28800). */
  ttl: number;
  pods: PodsMode;
  /** Name errors under these zones go to the next plugin instead of NXDOMAIN; `.` is every name. */
  fallthrough: readonly string[];
  /** Endpoint names from the pod name (targetRef) when there is no hostname (`endpoint_pod_names`). */
  endpointPodNames: boolean;
  /** The server's own addresses: the apex NS record names the Service whose endpoints hold them. */
  localIPs: readonly string[];
}

export interface KubernetesConfigInput {
  zones?: readonly string[];
  ttl?: number;
  pods?: string;
  fallthrough?: readonly string[];
  endpointPodNames?: boolean;
  localIPs?: readonly string[];
}

export class KubernetesConfigError extends Error {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'KubernetesConfigError';
  }
}

export function defaultKubernetesConfig(): KubernetesConfig {
  return parseKubernetesConfig({});
}

const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;

function zoneName(field: string, raw: string): string {
  const z = fqdn(raw.trim().toLowerCase());
  if (z === '.') return z;
  const ls = z.slice(0, -1).split('.');
  if (z.length > 254 || ls.some((l) => !LABEL.test(l))) throw new KubernetesConfigError(field, `"${raw}" is not a domain name`);
  return z;
}

export function parseKubernetesConfig(input: KubernetesConfigInput): KubernetesConfig {
  const zonesRaw = input.zones ?? DEFAULT_ZONES;
  if (!Array.isArray(zonesRaw) || zonesRaw.length === 0) throw new KubernetesConfigError('zones', 'at least one zone is required');
  const zones = [...new Set(zonesRaw.map((z) => zoneName('zones', z)))];
  const primaryZone = zones.find((z) => reverseKind(z) === 0 && z !== 'in-addr.arpa.' && z !== 'ip6.arpa.');
  if (!primaryZone) throw new KubernetesConfigError('zones', 'at least one zone must not be a reverse zone');

  const ttl = input.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) throw new KubernetesConfigError('ttl', `must be an integer between 0 and ${MAX_TTL}`);

  const pods = input.pods ?? DEFAULT_PODS;
  if (!PODS_MODES.includes(pods as PodsMode)) throw new KubernetesConfigError('pods', `must be one of ${PODS_MODES.join(', ')}`);

  const fallthrough = (input.fallthrough ?? DEFAULT_FALLTHROUGH).map((z) => zoneName('fallthrough', z));
  const localIPs = [...(input.localIPs ?? [])];

  return { zones, primaryZone, ttl, pods: pods as PodsMode, fallthrough, endpointPodNames: input.endpointPodNames ?? false, localIPs };
}
