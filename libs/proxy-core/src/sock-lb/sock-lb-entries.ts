/**
 * The entries of the socket load balancer's two maps (ebpf mode), as the agent writes them:
 *
 *   frontends  ip:port/protocol -> backend set id, backend count, flags, affinity timeout
 *   backends   set id, slot     -> backend ip:port
 *
 * and a delta of writes, in the order that keeps every lookup whole (SockLbTables makes them).
 */
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
