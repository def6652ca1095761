/**
 * What every proxy mode's renderer takes besides the Services and endpoints: the node, and the
 * options kube-proxy's modes share (--cluster-cidr, --masquerade-all, --nodeport-addresses,
 * localhost NodePorts, the masquerade mark bit, fully-random masquerading), resolved and checked
 * once. Each mode adds only what is its own (iptables' chain prefix, nftables' table name, IPVS's
 * scheduler...).
 */
import { parseIPv4CIDR } from '@minimesh/api';
import { parseNodePortAddresses, type NodePortAddresses } from './node-port-addresses.js';

export interface RenderNode {
  name: string;
  /** The node's local IPv4 addresses; the first is its primary IP (kube-proxy's nodeIP). */
  addresses: readonly string[];
  /** topology.kubernetes.io/zone of the node, for topology hints. */
  zone?: string;
}

export interface ProxyRenderOptions {
  /** Pod CIDR of the cluster (detect-local-mode ClusterCIDR): masquerade traffic from outside it, short-circuit traffic from inside. */
  clusterCIDR?: string;
  /** Masquerade all traffic to ClusterIPs, whatever its source. */
  masqueradeAll?: boolean;
  /** --nodeport-addresses CIDRs; default: every local address. */
  nodePortAddresses?: readonly string[];
  /**
   * NodePorts on 127.0.0.1 (default true, as kube-proxy's iptables mode; forced off when
   * nodePortAddresses exclude loopback). Needs route_localnet=1.
   */
  localhostNodePorts?: boolean;
  /** Masquerade mark bit (default 14 → 0x4000). */
  masqueradeBit?: number;
  /** Fully-random source ports when masquerading (kube-proxy adds it where supported; default true). */
  randomFully?: boolean;
}

export interface ResolvedRenderOptions {
  clusterCIDR: string | undefined;
  masqueradeAll: boolean;
  nodePortAddresses: NodePortAddresses;
  localhostNodePorts: boolean;
  /** The mark as hex: `0x4000`. */
  mark: string;
  randomFully: boolean;
}

/** Defaults and checks of the shared options; a bad value throws with its reason. */
export function resolveRenderOptions(o: ProxyRenderOptions = {}): ResolvedRenderOptions {
  const bit = o.masqueradeBit ?? 14;
  if (!Number.isInteger(bit) || bit < 0 || bit > 31) throw new RangeError(`masqueradeBit ${bit} is not in [0, 31]`);
  const clusterCIDR = o.clusterCIDR?.trim();
  if (clusterCIDR !== undefined && parseIPv4CIDR(clusterCIDR) === undefined) throw new Error(`clusterCIDR ${clusterCIDR} is not an IPv4 CIDR`);
  const nodePortAddresses = parseNodePortAddresses(o.nodePortAddresses);
  return {
    clusterCIDR,
    masqueradeAll: o.masqueradeAll ?? false,
    nodePortAddresses,
    localhostNodePorts: (o.localhostNodePorts ?? true) && nodePortAddresses.containsIPv4Loopback,
    mark: `0x${(2 ** bit).toString(16)}`,
    randomFully: o.randomFully ?? true,
  };
}
