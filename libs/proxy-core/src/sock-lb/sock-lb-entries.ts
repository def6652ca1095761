/**
 * The entries of the socket load balancer's two maps (ebpf mode), as the agent writes them:
 *
 *   frontends  ip:port/protocol -> backend set id, backend count, flags, affinity timeout
 *   backends   set id, slot     -> backend ip:port
 *
 * and a delta of writes, in the order that keeps every lookup whole (SockLbTables makes them).
 */
import { parseIPv4 } from '@minimesh/api';
import type { ProxyProtocol } from '../service-port.js';

export const SOCK_LB_AFFINITY = 1;
export const SOCK_LB_DROP = 2;

export interface FrontendAddress {
  readonly ip: string;
  readonly port: number;
  readonly protocol: ProxyProtocol;
}

export interface FrontendEntry extends FrontendAddress {
  readonly set: number;
  readonly count: number;
  /** SOCK_LB_AFFINITY, SOCK_LB_DROP. */
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
}

/** What a sync writes, in this order. */
export interface SockLbDelta {
  readonly backends: BackendEntry[];
  readonly frontends: FrontendEntry[];
  readonly frontendDeletes: FrontendAddress[];
  readonly backendDeletes: BackendSlot[];
}

export const frontendKey = (f: FrontendAddress): string => `${f.ip}:${f.port}/${f.protocol}`;

const PROTOCOL_INDEX: Record<ProxyProtocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/**
 * A frontend's address as a map key: for IPv4 one number (address × 2^18 + port × 4 + protocol, 50
 * bits, exact in a double), which a Map hashes far faster than a string built for the purpose (a
 * first sync of 100,000 Services looks up each address several times); any other address keeps its
 * frontendKey string.
 */
export function frontendId(f: FrontendAddress): number | string {
  const ip = parseIPv4(f.ip);
  return ip === undefined ? frontendKey(f) : ip * 262144 + f.port * 4 + PROTOCOL_INDEX[f.protocol];
}
