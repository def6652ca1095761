/**
 * Which node announces an address in layer 2 mode (MetalLB speaker/layer2_controller.go
 * ShouldAnnounce): among the nodes that may announce it (a live speaker, Ready, selected by an
 * L2Advertisement of the address's pool, and, with externalTrafficPolicy Local, holding a ready
 * or serving endpoint of the Service), the one whose sha256(node + "#" + address) sorts first.
 * Every speaker computes the same answer from the same objects, so exactly one announces. Pure.
 */
import { createHash } from 'node:crypto';
import { selectorFromLabelSelector, type EndpointSlice, type IPAddressPool, type L2Advertisement, type Node, type Service } from '@minimesh/api';

/** Nodes with this label are never used for external load balancers (Kubernetes' well-known label). */
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The announcer of `ip` among `candidates`, or undefined when there is none. */
export function electAnnouncer(ip: string, candidates: readonly string[]): string | undefined {
  return [...candidates].sort((a, b) => (sha(`${a}#${ip}`) < sha(`${b}#${ip}`) ? -1 : 1))[0];
}

export function nodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

const matchesAny = (sels: readonly Parameters<typeof selectorFromLabelSelector>[0][] | undefined, labels: Record<string, string> | undefined) =>
  (sels ?? []).some((s) => selectorFromLabelSelector(s)?.matches(labels) ?? false);

/** The advertisements that announce this pool in layer 2 (no pool named or selected: every pool). */
export function advertisementsFor(pool: IPAddressPool, ads: readonly L2Advertisement[]): L2Advertisement[] {
  return ads.filter((ad) => {
    const names = ad.spec?.ipAddressPools ?? [];
    const sels = ad.spec?.ipAddressPoolSelectors ?? [];
    if (names.length === 0 && sels.length === 0) return true;
    return names.includes(pool.metadata.name ?? '') || matchesAny(sels, pool.metadata.labels);
  });
}

/** An advertisement lets the node announce (no nodeSelectors: every node). */
export function advertisementAllowsNode(ad: L2Advertisement, node: Node): boolean {
  const sels = ad.spec?.nodeSelectors ?? [];
  return sels.length === 0 || matchesAny(sels, node.metadata.labels);
}

/** Nodes with an endpoint of the Service that can serve (ready, or serving while terminating). */
export function nodesWithServingEndpoints(slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const s of slices) {
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      if ((c.ready ?? true) || c.serving === true) if (e.nodeName) out.add(e.nodeName);
    }
  }
  return out;
}

export interface ElectionInput {
  ip: string;
  service: Service;
  /** The Service's EndpointSlices. */
  slices: readonly EndpointSlice[];
  /** The pool the address belongs to; undefined: not from a pool this speaker knows. */
  pool: IPAddressPool | undefined;
  advertisements: readonly L2Advertisement[];
  nodes: readonly Node[];
  /** Nodes whose speaker is alive. */
  liveSpeakers: ReadonlySet<string>;
}

/** Who may announce the address, sorted by name (empty: nobody, e.g. no endpoints). */
export function l2Candidates(i: ElectionInput): string[] {
  if (!i.pool) return [];
  const ads = advertisementsFor(i.pool, i.advertisements);
  if (ads.length === 0) return [];
  const serving = nodesWithServingEndpoints(i.slices);
  if (serving.size === 0) return [];
  const local = i.service.spec?.externalTrafficPolicy === 'Local';
  return i.nodes
    .filter((n) => {
      const name = n.metadata.name ?? '';
      if (!i.liveSpeakers.has(name) || !nodeReady(n) || n.metadata.labels?.[LABEL_EXCLUDE_FROM_LB] !== undefined) return false;
      if (local && !serving.has(name)) return false;
      return ads.some((ad) => advertisementAllowsNode(ad, n));
    })
    .map((n) => n.metadata.name ?? '')
    .sort();
}
