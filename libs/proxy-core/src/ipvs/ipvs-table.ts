/**
 * The IPVS table as kube-proxy's IPVS mode keeps it and ipvsadm shows it: virtual servers
 * (protocol, address, port, scheduler, persistence), each with its real servers (forwarding
 * method, weight, and the connection counters the kernel reports). Keys, ipvsadm's listing order
 * (libipvs ipvs_cmp_services / ipvs_cmp_dests) and the scheduler names kube-proxy takes
 * (--ipvs-scheduler, pkg/proxy/ipvs/proxier.go).
 */
import { parseIPv4 } from '@minimesh/api';

export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP';

/** IP protocol numbers: ipvsadm sorts services by them (TCP, then UDP, then SCTP). */
export const IPVS_PROTOCOL_NUMBERS: Readonly<Record<IpvsProtocol, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

/** ipvsadm's names of the forwarding methods; kube-proxy uses Masq (NAT) only. */
export type IpvsForward = 'Masq' | 'Local' | 'Tunnel' | 'Route';

/**
 * Scheduler flags by the names ipvsadm prints (IP_VS_SVC_F_SCHED1..3): "sh-*" with sh, "mh-*"
 * with mh, "flag-N" otherwise. kube-proxy sets SCHED2 (FlagSourceHash) with mh: "mh-port".
 */
export type IpvsSchedFlag = 'flag-1' | 'flag-2' | 'flag-3' | 'sh-fallback' | 'sh-port' | 'mh-fallback' | 'mh-port';

export interface VirtualServer {
  readonly protocol: IpvsProtocol;
  /** Dotted quad (an IPv6 address only when parsed from a dual-stack node's listing). */
  readonly address: string;
  readonly port: number;
  readonly scheduler: string;
  /** Persistence timeout in seconds (ClientIP affinity); 0 = not persistent. */
  readonly persistentTimeout: number;
  readonly flags?: readonly IpvsSchedFlag[];
}

export interface RealServer {
  readonly address: string;
  readonly port: number;
  readonly forward: IpvsForward;
  readonly weight: number;
  /** ActiveConn / InActConn as listed; unknown (undefined) for a desired table. */
  readonly activeConn?: number;
  readonly inactConn?: number;
}

export interface IpvsService {
  readonly vs: VirtualServer;
  readonly realServers: readonly RealServer[];
}

export interface IpvsTable {
  readonly services: readonly IpvsService[];
}

/** The identity of a virtual server: `TCP 10.97.97.97:80`. */
export function virtualServerKey(vs: Pick<VirtualServer, 'protocol' | 'address' | 'port'>): string {
  return `${vs.protocol} ${hostPort(vs.address, vs.port)}`;
}

/** The identity of a real server within its virtual server: `10.244.1.39:80`. */
export function realServerKey(rs: Pick<RealServer, 'address' | 'port'>): string {
  return hostPort(rs.address, rs.port);
}

export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The same scheduler, persistence and flags (what `-E` changes). */
export function sameVirtualServerConfig(a: VirtualServer, b: VirtualServer): boolean {
  return a.scheduler === b.scheduler && a.persistentTimeout === b.persistentTimeout && canonicalFlags(a).join() === canonicalFlags(b).join();
}

const FLAG_ORDER: readonly IpvsSchedFlag[] = ['flag-1', 'flag-2', 'flag-3', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'];

/** The flags de-duplicated, in the order ipvsadm prints them. */
export function canonicalFlags(vs: VirtualServer): IpvsSchedFlag[] {
  const set = new Set(vs.flags ?? []);
  return FLAG_ORDER.filter((f) => set.has(f));
}

/**
 * libipvs compares host-order addresses by subtracting them into a C int, so two addresses more
 * than 2^31 apart compare reversed: a listing puts 172.x and 192.168.x before 10.x. Reproduced
 * here; within any half of the address space it is plain numeric order.
 */
function addressDiff(a: string, b: string): number {
  const x = parseIPv4(a);
  const y = parseIPv4(b);
  if (x !== undefined && y !== undefined) return (x - y) | 0;
  // IPv4 (AF_INET 2) before IPv6 (AF_INET6 10); IPv6 among themselves by text.
  if (x !== undefined) return -1;
  if (y !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ipvsadm's service order: protocol number, address, port (fwmark services are not modelled). */
export function compareVirtualServers(a: VirtualServer, b: VirtualServer): number {
  return IPVS_PROTOCOL_NUMBERS[a.protocol] - IPVS_PROTOCOL_NUMBERS[b.protocol] || addressDiff(a.address, b.address) || a.port - b.port;
}

/** ipvsadm's destination order: address, then port. */
export function compareRealServers(a: RealServer, b: RealServer): number {
  return addressDiff(a.address, b.address) || a.port - b.port;
}

/** The table in ipvsadm's listing order (pure: returns a new table). */
export function sortIpvsTable(table: IpvsTable): IpvsTable {
  const services = table.services.map((s) => ({ vs: s.vs, realServers: [...s.realServers].sort(compareRealServers) }));
  return { services: services.sort((a, b) => compareVirtualServers(a.vs, b.vs)) };
}

/** The table's services by virtualServerKey. */
export function servicesByKey(table: IpvsTable): Map<string, IpvsService> {
  return new Map(table.services.map((s) => [virtualServerKey(s.vs), s]));
}

/**
 * The schedulers kube-proxy's IPVS mode can use (default rr). kube-proxy's configuration
 * validation (validateIPVSSchedulerMethod) lists the first ten; the proxier also handles mh,
 * setting its source-hash flag.
 */
export const IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh'] as const;
export type IpvsScheduler = (typeof IPVS_SCHEDULERS)[number];
export const DEFAULT_IPVS_SCHEDULER: IpvsScheduler = 'rr';

export class UnknownIpvsSchedulerError extends Error {
  constructor(readonly scheduler: string) {
    super(`unknown IPVS scheduler "${scheduler}": must be one of ${IPVS_SCHEDULERS.join(', ')} (blank means ${DEFAULT_IPVS_SCHEDULER})`);
    this.name = 'UnknownIpvsSchedulerError';
  }
}

/** --ipvs-scheduler: blank (or unset) is rr; anything not in IPVS_SCHEDULERS throws. */
export function parseIpvsScheduler(value: string | undefined): IpvsScheduler {
  const s = (value ?? '').trim();
  if (s === '') return DEFAULT_IPVS_SCHEDULER;
  const found = IPVS_SCHEDULERS.find((x) => x === s);
  if (found === undefined) throw new UnknownIpvsSchedulerError(s);
  return found;
}
