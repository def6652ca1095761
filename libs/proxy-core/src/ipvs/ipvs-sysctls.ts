/**
 * The sysctls kube-proxy's IPVS mode sets at start (NewProxier in pkg/proxy/ipvs/proxier.go),
 * as /proc/sys paths relative to /proc/sys/.
 */

export interface IpvsSysctl {
  /** e.g. `net/ipv4/vs/conntrack` (/proc/sys/net/ipv4/vs/conntrack). */
  readonly name: string;
  readonly value: number;
}

/**
 * net/ipv4/vs/conn_reuse_mode=0: kube-proxy sets it only on kernels from 4.1 (where it exists)
 * up to 5.9 (where the reuse bug was fixed, issue 93297); from 5.9 on it is left as it is.
 */
export const IPVS_CONN_REUSE_MODE_SYSCTL: IpvsSysctl = { name: 'net/ipv4/vs/conn_reuse_mode', value: 0 };

/** Whether kube-proxy sets conn_reuse_mode on this kernel (`major.minor`, e.g. "5.4"). */
export function kernelNeedsConnReuseMode(kernelVersion: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelVersion.trim());
  if (m === null) return false;
  const v = Number(m[1]) * 1000 + Number(m[2]);
  return v >= 4001 && v < 5009;
}

/** Always set: conntrack on IPVS traffic, expiry of connections to removed destinations, forwarding. */
export function ipvsSysctls(strictARP: boolean): IpvsSysctl[] {
  const out: IpvsSysctl[] = [
    { name: 'net/ipv4/vs/conntrack', value: 1 },
    { name: 'net/ipv4/vs/expire_nodest_conn', value: 1 },
    { name: 'net/ipv4/vs/expire_quiescent_template', value: 1 },
    { name: 'net/ipv4/ip_forward', value: 1 },
  ];
  // Strict ARP: the VIPs on kube-ipvs0 must not be announced or answered for on other interfaces.
  if (strictARP) {
    out.push({ name: 'net/ipv4/conf/all/arp_ignore', value: 1 });
    out.push({ name: 'net/ipv4/conf/all/arp_announce', value: 2 });
  }
  return out;
}
