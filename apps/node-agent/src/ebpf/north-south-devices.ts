/**
 * Which devices the north-south tc programs go on, and the source address each uses for what it
 * sends to other nodes (a pure function, table-tested). `--bpf-devices` names them, or (`auto`)
 * they are chosen as Cilium chooses its devices: those holding the Node's InternalIP or
 * ExternalIP, else those of the IPv4 default routes. A device takes part only with a NodePort
 * address of the node (`--nodeport-addresses`) on it; its source is the Node's own address when
 * the device holds it, else its first NodePort address.
 */
import type { NetworkInterfaceInfo } from 'node:os';

export interface NorthSouthDeviceInput {
  /** --bpf-devices: the names, or 'auto'. */
  want: readonly string[] | 'auto';
  /** This network namespace's devices and their addresses (os.networkInterfaces()). */
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** The Node object's InternalIP and ExternalIP addresses. */
  nodeIPs: readonly string[];
  /** The node's addresses that serve NodePorts. */
  nodePortIPs: readonly string[];
  /** The devices of the IPv4 default routes. */
  defaultRouteDevices: readonly string[];
}

/** A device's IPv4 addresses that serve NodePorts. */
export function nodePortAddressesOn(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>, device: string, nodePortIPs: readonly string[]): string[] {
  return (interfaces[device] ?? []).filter((a) => a.family === 'IPv4' && !a.internal && nodePortIPs.includes(a.address)).map((a) => a.address);
}

/** The chosen devices, each with its source address, in the order considered. */
export function chooseNorthSouthDevices(i: NorthSouthDeviceInput): Map<string, string> {
  let candidates: readonly string[];
  if (i.want !== 'auto') candidates = i.want;
  else {
    const holding = Object.keys(i.interfaces).filter((d) => (i.interfaces[d] ?? []).some((a) => a.family === 'IPv4' && !a.internal && i.nodeIPs.includes(a.address)));
    candidates = holding.length > 0 ? holding : i.defaultRouteDevices;
  }
  const chosen = new Map<string, string>();
  for (const device of candidates) {
    const addresses = nodePortAddressesOn(i.interfaces, device, i.nodePortIPs);
    const source = addresses.find((a) => i.nodeIPs.includes(a)) ?? addresses[0];
    if (source !== undefined) chosen.set(device, source);
  }
  return chosen;
}
