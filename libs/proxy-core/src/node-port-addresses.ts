/**
 * kube-proxy's --nodeport-addresses handling (pkg/proxy/util/nodeport_addresses.go), IPv4 family:
 * no IPv4 CIDR (or 0.0.0.0/0) means every local address (`-m addrtype --dst-type LOCAL`);
 * otherwise NodePorts answer on the node's addresses inside the CIDRs, one rule per address.
 * Where kube-proxy lists the host's interfaces, this takes the addresses it is given.
 */
import { cidrContains, formatIPv4, parseIPv4, parseIPv4CIDR, type IPv4CIDR } from '@minimesh/api';

export interface NodePortAddresses {
  /** Matches every local address. */
  readonly matchAll: boolean;
  /** Some CIDR contains 127.0.0.0 (or matchAll): localhost NodePorts remain possible. */
  readonly containsIPv4Loopback: boolean;
  readonly cidrs: readonly IPv4CIDR[];
}

export function parseNodePortAddresses(cidrStrings: readonly string[] | undefined): NodePortAddresses {
  const cidrs: IPv4CIDR[] = [];
  let containsIPv4Loopback = false;
  for (const s of cidrStrings ?? []) {
    const cidr = parseIPv4CIDR(s);
    if (cidr === undefined) continue; // the other family (or not a CIDR)
    if (cidr.base >>> 24 === 127 || cidrContains(cidr, 127 << 24)) containsIPv4Loopback = true;
    if (cidr.bits === 0) return { matchAll: true, containsIPv4Loopback: true, cidrs: [cidr] };
    cidrs.push(cidr);
  }
  if (cidrs.length === 0) return { matchAll: true, containsIPv4Loopback: true, cidrs: [{ base: 0, bits: 0 }] };
  return { matchAll: false, containsIPv4Loopback, cidrs };
}

/** GetNodeIPs: the given local addresses inside any CIDR, de-duplicated, in numeric order. */
export function nodePortIPs(npa: NodePortAddresses, localAddresses: readonly string[]): string[] {
  const found = new Set<number>();
  for (const a of localAddresses) {
    const ip = parseIPv4(a);
    if (ip !== undefined && npa.cidrs.some((c) => cidrContains(c, ip))) found.add(ip);
  }
  return [...found].sort((a, b) => a - b).map(formatIPv4);
}
