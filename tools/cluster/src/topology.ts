/**
 * The address plan and the names of a local cluster: pure, so it can be table-tested.
 *
 *   fabric netns  mm-<name>-fabric   bridge mmbr0, one port per node (mmn<i>) and one for outside (mmout)
 *   node netns    mm-<name>-n<i>     eth0 192.168.100.(10+i)/24, pod CIDR 10.244.<i>.0/24
 *   outside netns mm-<name>-out      eth0 192.168.100.100/24 (a client outside the nodes)
 *   lb netns      mm-<name>-lb       eth0 192.168.100.2/24 (the proxy load balancer, `up --lb proxy`)
 *   pod netns     mm-<name>-p-<hash> eth0 10.244.<i>.x/32, its node-side veth mmp<hash> has 10.244.<i>.1/32
 *
 * Interface names stay within Linux's 15 characters; every interface lives inside one of these
 * namespaces, so nothing is ever created in the root namespace.
 */
import { createHash } from 'node:crypto';

export const FABRIC_PREFIX_LEN = 24;
export const FABRIC_NET = '192.168.100';
export const OUTSIDE_IP = `${FABRIC_NET}.100`;
export const LB_IP = `${FABRIC_NET}.2`;
export const SERVICE_CIDR = '10.96.0.0/12';
export const CLUSTER_DNS_IP = '10.96.0.10';
export const CLUSTER_DOMAIN = 'cluster.local';
export const POD_NET = '10.244';
export const BRIDGE = 'mmbr0';
export const DEFAULT_CLUSTER_NAME = 'minimesh';
export const DEFAULT_NODES = 2;
/** Node IPs are .11 to .(10+MAX_NODES); .100 is the outside client. */
export const MAX_NODES = 50;

const CLUSTER_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

export interface NodePlan {
  /** 1-based. */
  index: number;
  name: string;
  netns: string;
  ip: string;
  podCIDR: string;
  /** The node side of every pod veth carries this address (/32), the pods' default gateway. */
  gateway: string;
  /** The node's port on the fabric bridge (inside the fabric netns). */
  fabricVeth: string;
}

export interface ClusterPlan {
  name: string;
  fabricNetns: string;
  bridge: string;
  outsideNetns: string;
  outsideIP: string;
  outsideVeth: string;
  /** The proxy load balancer's namespace (built only with `up --lb proxy`). */
  lbNetns: string;
  lbIP: string;
  lbVeth: string;
  nodes: NodePlan[];
}

/** Returns an error message, or undefined when the name is usable. */
export function clusterNameProblem(name: string): string | undefined {
  if (CLUSTER_NAME_RE.test(name)) return undefined;
  return `invalid cluster name "${name}": use 1-20 lowercase letters, digits or '-', starting and ending with a letter or digit`;
}

export function netnsPrefix(cluster: string): string {
  return `mm-${cluster}-`;
}

export function nodePlan(cluster: string, index: number): NodePlan {
  return {
    index,
    name: `node${index}`,
    netns: `${netnsPrefix(cluster)}n${index}`,
    ip: `${FABRIC_NET}.${10 + index}`,
    podCIDR: `${POD_NET}.${index}.0/24`,
    gateway: `${POD_NET}.${index}.1`,
    fabricVeth: `mmn${index}`,
  };
}

export function planCluster(name: string, nodes: number): ClusterPlan {
  const problem = clusterNameProblem(name);
  if (problem) throw new Error(problem);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new Error(`--nodes must be a whole number from 1 to ${MAX_NODES}, not ${nodes}`);
  return {
    name,
    fabricNetns: `${netnsPrefix(name)}fabric`,
    bridge: BRIDGE,
    outsideNetns: `${netnsPrefix(name)}out`,
    outsideIP: OUTSIDE_IP,
    outsideVeth: 'mmout',
    lbNetns: `${netnsPrefix(name)}lb`,
    lbIP: LB_IP,
    lbVeth: 'mmlb',
    nodes: Array.from({ length: nodes }, (_, i) => nodePlan(name, i + 1)),
  };
}

/**
 * Routes a node needs besides its connected /24 (each the arguments after `ip route add`): the
 * other nodes' pod CIDRs, a blackhole for its own, and the service CIDR.
 */
export function nodeRoutes(node: NodePlan, all: NodePlan[]): string[][] {
  const routes: string[][] = [];
  for (const other of all) {
    if (other.index !== node.index) routes.push([other.podCIDR, 'via', other.ip, 'dev', 'eth0']);
  }
  routes.push(['blackhole', node.podCIDR]);
  // Lets the node itself reach ClusterIPs: routing happens before the OUTPUT hook can DNAT.
  routes.push([SERVICE_CIDR, 'dev', 'eth0']);
  return routes;
}

/** Short stable hash of a pod's namespace/name (netns and veth names). */
export function podHash(namespace: string, name: string): string {
  return createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 8);
}

export interface PodNames {
  netns: string;
  /** Node side of the veth (inside the node netns); the pod side is eth0. */
  hostVeth: string;
}

export function podNames(cluster: string, namespace: string, name: string): PodNames {
  const h = podHash(namespace, name);
  return { netns: `${netnsPrefix(cluster)}p-${h}`, hostVeth: `mmp${h}` };
}

/** Is this network namespace one of the cluster's? Exact shapes only, so cluster `a` never claims cluster `a-b`'s. */
export function isClusterNetns(cluster: string, netns: string): boolean {
  const prefix = netnsPrefix(cluster);
  if (!netns.startsWith(prefix)) return false;
  return /^(fabric|out|lb|n\d+|p-[0-9a-f]{8})$/.test(netns.slice(prefix.length));
}

/** Order to delete namespaces in: pods, nodes, outside and lb, fabric (each veth pair goes with its first end). */
export function deletionOrder(netnses: string[]): string[] {
  const rank = (ns: string) => (/-p-[0-9a-f]{8}$/.test(ns) ? 0 : /-n\d+$/.test(ns) ? 1 : /-(out|lb)$/.test(ns) ? 2 : 3);
  return [...netnses].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** First free pod IP of a node: .10 to .254, then .2 to .9 (.1 is the gateway, .0 and .255 are left alone). */
export function allocatePodIP(node: NodePlan, used: Iterable<string>): string {
  const taken = new Set(used);
  const hosts = [...Array.from({ length: 245 }, (_, i) => i + 10), ...Array.from({ length: 8 }, (_, i) => i + 2)];
  for (const h of hosts) {
    const ip = `${POD_NET}.${node.index}.${h}`;
    if (!taken.has(ip)) return ip;
  }
  throw new Error(`node ${node.name} has no free pod IP left in ${node.podCIDR}`);
}

/** /etc/netns/<pod-netns>/resolv.conf, as the kubelet writes it for ClusterFirst pods. */
export function resolvConf(namespace: string): string {
  return [
    `nameserver ${CLUSTER_DNS_IP}`,
    `search ${namespace}.svc.${CLUSTER_DOMAIN} svc.${CLUSTER_DOMAIN} ${CLUSTER_DOMAIN}`,
    'options ndots:5',
    '',
  ].join('\n');
}
