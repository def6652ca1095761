/**
 * The entries of the socket load balancer's two maps (ebpf mode), as the agent writes them:
 *
 *   frontends  ip:port/protocol, scope -> backend set id, backend count, flags, affinity timeout
 *   backends   set id, slot            -> backend ip:port
 *
 * A frontend's scope says who looks it up: the socket programs (a connect() or sendmsg() on this
 * node), or with `northSouth` the tc programs of the node's uplink (a packet arriving from outside:
 * NodePorts on the node's addresses, externalIPs and LoadBalancer IPs).
 *
 * and a delta of writes, in the order that keeps every lookup whole (SockLbTables makes them).
 */
import { parseIPv4 } from '@minimesh/api';
import type { ProxyProtocol } from '../service-port.js';

export const SOCK_LB_AFFINITY = 1;
export const SOCK_LB_DROP = 2;
/** North-south: the client's address is kept (externalTrafficPolicy Local; every backend is on this node). */
export const SOCK_LB_KEEP_SOURCE = 4;

export interface FrontendAddress {
  readonly ip: string;
  readonly port: number;
  readonly protocol: ProxyProtocol;
  /** Looked up by the north-south (tc) programs, not the socket ones. */
  readonly northSouth?: boolean;
}

export interface FrontendEntry extends FrontendAddress {
  readonly set: number;
  readonly count: number;
  /** SOCK_LB_AFFINITY, SOCK_LB_DROP, SOCK_LB_KEEP_SOURCE. */
  readonly flags: number;
  readonly affinitySeconds: number;
}

export interface BackendSlot {
  readonly set: number;
  readonly slot: number;
}

export interface BackendEntry extends BackendSlot {
  readonly ip: string;
  readonly port: number;
  /** On this node: the north-south programs send it packets without taking their source. */
  readonly local?: boolean;
}

/** What a sync writes, in this order. */
export interface SockLbDelta {
  readonly backends: BackendEntry[];
  readonly frontends: FrontendEntry[];
  readonly frontendDeletes: FrontendAddress[];
  readonly backendDeletes: BackendSlot[];
}

export const frontendKey = (f: FrontendAddress): string => `${f.ip}:${f.port}/${f.protocol}${f.northSouth ? ' north-south' : ''}`;

const PROTOCOL_INDEX: Record<ProxyProtocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/**
 * A frontend's address as a map key: for IPv4 one number (address × 2^19 + port × 8 + scope × 4 +
 * protocol, 51 bits, exact in a double), which a Map hashes far faster than a string built for the purpose (a
 * first sync of 100,000 Services looks up each address several times); any other address keeps its
 * frontendKey string.
 */
export function frontendId(f: FrontendAddress): number | string {
  const ip = parseIPv4(f.ip);
  return ip === undefined ? frontendKey(f) : ip * 524288 + f.port * 8 + (f.northSouth ? 4 : 0) + PROTOCOL_INDEX[f.protocol];
}
