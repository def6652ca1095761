import type { ObjectMeta } from './meta.js';

/** metav1.LabelSelector: every matchLabels pair and every expression must hold; empty matches all. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * metallb.io/v1beta1 IPAddressPool: addresses the load balancer may hand to LoadBalancer Services
 * (MetalLB's CRD, so its manifests apply unchanged).
 */
export interface IPAddressPool {
  apiVersion: 'metallb.io/v1beta1';
  kind: 'IPAddressPool';
  metadata: ObjectMeta;
  spec?: IPAddressPoolSpec;
  status?: IPAddressPoolStatus;
}

export interface IPAddressPoolSpec {
  /** CIDRs (`192.168.10.0/24`) or ranges (`192.168.9.1-192.168.9.5`). */
  addresses?: string[];
  /** Whether Services that ask for no pool get addresses from this one (default true). */
  autoAssign?: boolean;
  /** Skip .0 and .255 addresses, which some old devices drop. */
  avoidBuggyIPs?: boolean;
  serviceAllocation?: {
    /** Lower values are tried first; pools without a priority come last. */
    priority?: number;
    namespaces?: string[];
    namespaceSelectors?: LabelSelector[];
    serviceSelectors?: LabelSelector[];
  };
}

export interface IPAddressPoolStatus {
  assignedIPv4?: number;
  assignedIPv6?: number;
  availableIPv4?: number;
  availableIPv6?: number;
}

/** metallb.io/v1beta1 L2Advertisement: which pools are announced in layer 2 mode, and from which nodes. */
export interface L2Advertisement {
  apiVersion: 'metallb.io/v1beta1';
  kind: 'L2Advertisement';
  metadata: ObjectMeta;
  spec?: L2AdvertisementSpec;
}

export interface L2AdvertisementSpec {
  /** Pools by name; with ipAddressPoolSelectors absent too, every pool. */
  ipAddressPools?: string[];
  ipAddressPoolSelectors?: LabelSelector[];
  /** Nodes that may announce; absent: every node. */
  nodeSelectors?: LabelSelector[];
  /** Interfaces to announce on; absent: every interface. */
  interfaces?: string[];
}
