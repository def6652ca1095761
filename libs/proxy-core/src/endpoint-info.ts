/**
 * kube-proxy's Endpoint (pkg/proxy/endpoint.go BaseEndpointInfo): one backend ip:port of a
 * service port, with the EndpointSlice conditions and whether it runs on this node.
 */
import { flat } from '@minimesh/api';

export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** BaseEndpointInfo.String(): net.JoinHostPort(ip, port), e.g. "10.244.1.39:80". */
  readonly endpoint: string;
  /** nodeName from the EndpointSlice ("" when unset). */
  readonly nodeName: string;
  readonly zone: string;
  /** nodeName equals this node's name (never true when either is empty). */
  readonly isLocal: boolean;
  /** conditions.ready (unset means true). */
  readonly ready: boolean;
  /** conditions.serving (unset means true). */
  readonly serving: boolean;
  /** conditions.terminating (unset means false). */
  readonly terminating: boolean;
  /** Topology hints (hints.forZones / hints.forNodes names); empty when the slice has none. */
  readonly zoneHints: readonly string[];
  readonly nodeHints: readonly string[];
}

/** An EndpointsMap: the endpoints of every service port, sorted by `endpoint`, by service-port key. */
export type EndpointsMap = ReadonlyMap<string, readonly EndpointInfo[]>;

export interface EndpointInit {
  ip: string;
  port: number;
  nodeName?: string;
  zone?: string;
  isLocal?: boolean;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  zoneHints?: readonly string[];
  nodeHints?: readonly string[];
}

export function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** An EndpointInfo with kube-proxy's defaults: ready, serving, not terminating, not local. */
export function makeEndpointInfo(init: EndpointInit): EndpointInfo {
  return {
    ip: init.ip,
    port: init.port,
    endpoint: flat(joinHostPort(init.ip, init.port)),
    nodeName: init.nodeName ?? '',
    zone: init.zone ?? '',
    isLocal: init.isLocal ?? false,
    ready: init.ready ?? true,
    serving: init.serving ?? true,
    terminating: init.terminating ?? false,
    zoneHints: init.zoneHints ?? [],
    nodeHints: init.nodeHints ?? [],
  };
}

/** byEndpoint: plain string order of "ip:port" (so "10.0.0.10:80" sorts before "10.0.0.2:80"). */
export function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0;
}

export function endpointInfoEqual(a: EndpointInfo, b: EndpointInfo): boolean {
  return (
    a.endpoint === b.endpoint &&
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.isLocal === b.isLocal &&
    a.ready === b.ready &&
    a.serving === b.serving &&
    a.terminating === b.terminating &&
    sameStrings(a.zoneHints, b.zoneHints) &&
    sameStrings(a.nodeHints, b.nodeHints)
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
