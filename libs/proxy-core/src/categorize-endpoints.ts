/**
 * kube-proxy's CategorizeEndpoints (pkg/proxy/topology.go): which endpoints a service port uses
 * for Cluster and for Local traffic policy on this node. "Usable" means Ready, falling back
 * (independently for Cluster and Local) to Serving-and-Terminating endpoints when none is Ready.
 * Cluster endpoints honour topology hints (PreferSameNode, then PreferSameZone) when every ready
 * endpoint carries them and one matches this node.
 */
import { compareEndpoints, type EndpointInfo } from './endpoint-info.js';
import { usesClusterEndpoints, usesLocalEndpoints, type ServicePortInfo } from './service-port.js';

export interface CategorizedEndpoints {
  /** Usable endpoints for Cluster policy; empty if the port never uses Cluster policy. */
  readonly clusterEndpoints: readonly EndpointInfo[];
  /** Usable endpoints for Local policy; empty if the port never uses Local policy. */
  readonly localEndpoints: readonly EndpointInfo[];
  /** Union of the two (what this node can route to), sorted by "ip:port". */
  readonly allReachableEndpoints: readonly EndpointInfo[];
  /** The service has usable endpoints somewhere in the cluster (even if none is reachable here). */
  readonly hasAnyEndpoints: boolean;
}

export interface TopologyOptions {
  /** This node's name (for PreferSameNode hints). */
  nodeName: string;
  /** This node's topology.kubernetes.io/zone label ("" or undefined: none). */
  zone?: string;
}

export type TopologyMode = '' | 'PreferSameNode' | 'PreferSameZone';

const EMPTY: readonly EndpointInfo[] = [];

export function categorizeEndpoints(endpoints: readonly EndpointInfo[], svc: ServicePortInfo, node: TopologyOptions): CategorizedEndpoints {
  if (endpoints.length === 0) return { clusterEndpoints: EMPTY, localEndpoints: EMPTY, allReachableEndpoints: EMPTY, hasAnyEndpoints: false };
  const zone = node.zone ?? '';
  let clusterEndpoints: readonly EndpointInfo[] = EMPTY;
  let localEndpoints: readonly EndpointInfo[] = EMPTY;
  let hasAnyEndpoints = false;
  let topologyMode: TopologyMode = '';
  let useServingTerminating = false;

  if (usesClusterEndpoints(svc)) {
    topologyMode = topologyModeFromHints(endpoints, node.nodeName, zone);
    clusterEndpoints = keep(endpoints, (ep) => ep.ready && availableForTopology(ep, topologyMode, node.nodeName, zone));
    // No ready endpoint anywhere (topology already fell back if none matched): use terminating ones.
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter((ep) => ep.serving && ep.terminating);
    if (clusterEndpoints.length > 0) hasAnyEndpoints = true;
  }

  if (!usesLocalEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };

  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalServingTerminating = true;
    }
  }
  if (hasLocalReady) localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.ready);
  else if (hasLocalServingTerminating) {
    useServingTerminating = true;
    localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.serving && ep.terminating);
  }

  if (!usesClusterEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints };
  // Cluster endpoints hold every ready endpoint, so they include the (ready) local ones.
  if (topologyMode === '' && !useServingTerminating) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };

  const union = new Map<string, EndpointInfo>();
  for (const ep of clusterEndpoints) union.set(ep.endpoint, ep);
  for (const ep of localEndpoints) union.set(ep.endpoint, ep);
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: [...union.values()].sort(compareEndpoints), hasAnyEndpoints };
}

/** `list.filter(pass)`, but `list` itself when every element passes (the common case: no new array). */
function keep<T>(list: readonly T[], pass: (x: T) => boolean): readonly T[] {
  let i = 0;
  while (i < list.length && pass(list[i]!)) i++;
  if (i === list.length) return list;
  const out = list.slice(0, i);
  for (i++; i < list.length; i++) if (pass(list[i]!)) out.push(list[i]!);
  return out;
}

/** topologyModeFromHints (with the PreferSameTrafficDistribution gate on, its default). */
export function topologyModeFromHints(endpoints: readonly EndpointInfo[], nodeName: string, zone: string): TopologyMode {
  let hasReady = false;
  let allNodeHints = true;
  let hasForNode = false;
  let allZoneHints = true;
  let hasForZone = false;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    hasReady = true;
    if (ep.nodeHints.length === 0) allNodeHints = false;
    else if (ep.nodeHints.includes(nodeName)) hasForNode = true;
    if (ep.zoneHints.length === 0) allZoneHints = false;
    else if (ep.zoneHints.includes(zone)) hasForZone = true;
  }
  if (!hasReady) return '';
  if (allNodeHints && hasForNode) return 'PreferSameNode';
  if (allZoneHints && hasForZone) return 'PreferSameZone';
  return '';
}

function availableForTopology(ep: EndpointInfo, mode: TopologyMode, nodeName: string, zone: string): boolean {
  if (mode === 'PreferSameNode') return ep.nodeHints.includes(nodeName);
  if (mode === 'PreferSameZone') return ep.zoneHints.includes(zone);
  return true;
}
