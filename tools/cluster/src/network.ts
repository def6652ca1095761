/**
 * Builds the cluster's network out of namespaces: a fabric bridge, nodes with a veth each to it, an outside
 * client, and pods with a Calico-ptp-style veth to their node. Every veth is created inside a
 * cluster namespace with its peer moved straight into another, never in the root namespace.
 */
import { mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addNetns, addVeth, ip, setSysctls } from './netns.js';
import { FABRIC_PREFIX_LEN, nodeRoutes, resolvConf, type ClusterPlan, type NodePlan } from './topology.js';

export async function buildFabric(plan: ClusterPlan): Promise<void> {
  await addNetns(plan.fabricNetns);
  await ip(plan.fabricNetns, 'link', 'add', plan.bridge, 'type', 'bridge');
  await ip(plan.fabricNetns, 'link', 'set', plan.bridge, 'up');
}

/** A namespace on the fabric: veth `fabricVeth` enslaved to the bridge, `eth0` with `address`/24 inside. */
async function attachToFabric(plan: ClusterPlan, netns: string, fabricVeth: string, address: string): Promise<void> {
  await addNetns(netns);
  await addVeth(plan.fabricNetns, fabricVeth, netns, 'eth0');
  await ip(plan.fabricNetns, 'link', 'set', fabricVeth, 'master', plan.bridge);
  await ip(plan.fabricNetns, 'link', 'set', fabricVeth, 'up');
  await ip(netns, 'addr', 'add', `${address}/${FABRIC_PREFIX_LEN}`, 'dev', 'eth0');
  await ip(netns, 'link', 'set', 'eth0', 'up');
}

export async function buildNode(plan: ClusterPlan, node: NodePlan): Promise<void> {
  await attachToFabric(plan, node.netns, node.fabricVeth, node.ip);
  await setSysctls(node.netns, {
    'net.ipv4.ip_forward': 1,
    // 127.0.0.1:<NodePort> from the node itself.
    'net.ipv4.conf.all.route_localnet': 1,
  });
  for (const route of nodeRoutes(node, plan.nodes)) await ip(node.netns, 'route', 'add', ...route);
}

export async function buildOutside(plan: ClusterPlan): Promise<void> {
  await attachToFabric(plan, plan.outsideNetns, plan.outsideVeth, plan.outsideIP);
}

/** The proxy load balancer's namespace on the fabric (it programs its own forwarding inside). */
export async function buildLoadBalancer(plan: ClusterPlan): Promise<void> {
  await attachToFabric(plan, plan.lbNetns, plan.lbVeth, plan.lbIP);
}

export interface PodNetwork {
  netns: string;
  hostVeth: string;
  ip: string;
  namespace: string;
  node: NodePlan;
  /** The pod's /etc/resolv.conf (default: cluster DNS with the namespace's search path). */
  resolvConf?: string;
}

/**
 * Pod namespace with eth0 = ip/32, a scope-link route to the node's gateway address and a default
 * route via it; the node side of the veth carries the gateway /32 and a /32 route to the pod.
 */
export async function buildPod(p: PodNetwork): Promise<void> {
  const { node } = p;
  await addNetns(p.netns);
  await addVeth(node.netns, p.hostVeth, p.netns, 'eth0');
  await ip(node.netns, 'addr', 'add', `${node.gateway}/32`, 'dev', p.hostVeth);
  await ip(node.netns, 'link', 'set', p.hostVeth, 'up');
  await ip(p.netns, 'addr', 'add', `${p.ip}/32`, 'dev', 'eth0');
  await ip(p.netns, 'link', 'set', 'eth0', 'up');
  await ip(p.netns, 'route', 'add', node.gateway, 'dev', 'eth0', 'scope', 'link');
  await ip(p.netns, 'route', 'add', 'default', 'via', node.gateway, 'dev', 'eth0', 'onlink');
  await ip(node.netns, 'route', 'add', `${p.ip}/32`, 'dev', p.hostVeth, 'scope', 'link');
  writePodResolvConf(p.netns, p.resolvConf ?? resolvConf(p.namespace));
}

export const ETC_NETNS = '/etc/netns';

/** `ip netns exec` bind-mounts /etc/netns/<netns>/resolv.conf over /etc/resolv.conf. */
export function writePodResolvConf(netns: string, content: string): void {
  const dir = join(ETC_NETNS, netns);
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'resolv.conf'), content);
      return;
    } catch (e) {
      // Another cluster's teardown may have just removed an empty /etc/netns.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw e;
    }
  }
}

/** Removes /etc/netns/<netns>, and /etc/netns itself when that leaves it empty. */
export function removeEtcNetns(netns: string): void {
  rmSync(join(ETC_NETNS, netns), { recursive: true, force: true });
  try {
    rmdirSync(ETC_NETNS);
  } catch {
    /* not empty (other namespaces use it), or not there */
  }
}

export function etcNetnsEntries(): string[] {
  try {
    return readdirSync(ETC_NETNS);
  } catch {
    return [];
  }
}
