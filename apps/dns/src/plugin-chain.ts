/**
 * The order of the plugins, in one place (CoreDNS's plugin.cfg): the acl first, then the
 * kubernetes zones, then the cache, then loop detection right before forwarding. Query sanity (FORMERR, NOTIMP,
 * BADVERS) and the prometheus/health/ready parts live in the server, as in CoreDNS.
 *
 * CoreDNS puts its cache in front of kubernetes and kubeadm then disables caching for
 * cluster.local; here the cache only ever sees what kubernetes passed on (other names, and
 * reverse-zone misses falling through). So cluster answers are always fresh, and an upstream
 * NXDOMAIN cached for a reverse name cannot hide the PTR of a Service created after it.
 */
import { buildChain, kubernetesPlugin, type ChainContext, type ClusterSnapshot, type Handler, type KubernetesConfig, type Plugin } from '@minimesh/dns-core';

export const PLUGIN_ORDER = ['acl', 'kubernetes', 'cache', 'loop', 'forward'] as const;
export type PluginName = (typeof PLUGIN_ORDER)[number];

export interface ChainParts {
  /** Who may ask what (CoreDNS runs acl before kubernetes and the cache). */
  acl?: Plugin;
  cache?: Plugin;
  kubernetes: { config: KubernetesConfig; snapshot: () => ClusterSnapshot };
  loop?: Plugin;
  forward: Plugin;
}

export function assembleChain(parts: ChainParts, context: ChainContext): { handler: Handler; enabled: PluginName[] } {
  const byName: Record<PluginName, Plugin | undefined> = {
    acl: parts.acl,
    cache: parts.cache,
    kubernetes: kubernetesPlugin(parts.kubernetes.config, parts.kubernetes.snapshot),
    loop: parts.loop,
    forward: parts.forward,
  };
  const enabled = PLUGIN_ORDER.filter((n) => byName[n] !== undefined);
  return { handler: buildChain(enabled.map((n) => byName[n]!), context), enabled };
}
