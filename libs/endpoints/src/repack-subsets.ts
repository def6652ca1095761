/**
 * RepackSubsets (pkg/api/v1/endpoints/util.go): the canonical form of Endpoints subsets. Every
 * address is mapped to the ports it serves, then addresses serving the same ports (with the same
 * readiness) are grouped into one subset. An address that is not ready on any port for a given
 * port is not ready there ("not ready always trumps ready"); addresses are de-duplicated by
 * IP + targetRef.uid and sorted by IP (byte order) then uid. Subsets without ports (headless
 * Services without ports) survive, as in Kubernetes (a sentinel port).
 *
 * Ordering of ports and subsets: Kubernetes orders them by an md5 of Go's struct dump; minimesh
 * uses a readable deterministic order instead (ports by name, port, protocol; subsets by their
 * ports, then first address). Both are canonical, only the order differs.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from '@minimesh/api';

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** LessEndpointAddress as a comparator: IP in byte order, then targetRef uid (no targetRef first). */
export function compareEndpointAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const byIP = byteCompare(a.ip, b.ip);
  if (byIP !== 0) return byIP;
  if (!a.targetRef && !b.targetRef) return 0;
  if (!a.targetRef) return -1;
  if (!b.targetRef) return 1;
  return byteCompare(a.targetRef.uid ?? '', b.targetRef.uid ?? '');
}

export function compareEndpointPorts(a: EndpointPort, b: EndpointPort): number {
  return (
    byteCompare(a.name ?? '', b.name ?? '') ||
    a.port - b.port ||
    byteCompare(a.protocol ?? '', b.protocol ?? '') ||
    byteCompare(a.appProtocol ?? '', b.appProtocol ?? '')
  );
}

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? null]);
}

function addressKey(a: EndpointAddress): string {
  return JSON.stringify([a.ip, a.targetRef?.uid ?? '']);
}

function subsetSortKey(s: EndpointSubset): string {
  const first = s.addresses?.[0] ?? s.notReadyAddresses?.[0];
  return JSON.stringify([(s.ports ?? []).map(portKey), first ? addressKey(first) : '']);
}

/** SortSubsets: sorts addresses, ports and subsets in place, and returns the array. */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  for (const s of subsets) {
    s.addresses?.sort(compareEndpointAddresses);
    s.notReadyAddresses?.sort(compareEndpointAddresses);
    s.ports?.sort(compareEndpointPorts);
  }
  return subsets.sort((a, b) => byteCompare(subsetSortKey(a), subsetSortKey(b)));
}

interface PortGroup {
  port: EndpointPort | null; // null: the sentinel for subsets without ports
  ready: Map<string, boolean>; // address key → ready
}

/** RepackSubsets: a new array in canonical form; the input is not modified. Empty lists are omitted. */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const allAddrs = new Map<string, EndpointAddress>();
  const byPort = new Map<string, PortGroup>();

  const mapAddress = (addr: EndpointAddress, port: EndpointPort | null, ready: boolean): void => {
    const aKey = addressKey(addr);
    if (!allAddrs.has(aKey)) allAddrs.set(aKey, structuredClone(addr));
    const pKey = port === null ? '<none>' : portKey(port);
    let group = byPort.get(pKey);
    if (!group) {
      group = { port: port === null ? null : { ...port }, ready: new Map() };
      byPort.set(pKey, group);
    }
    const was = group.ready.get(aKey);
    if (was === undefined || was) group.ready.set(aKey, ready);
  };

  for (const subset of subsets) {
    const ports: (EndpointPort | null)[] = subset.ports && subset.ports.length > 0 ? subset.ports : [null];
    for (const port of ports) {
      for (const a of subset.addresses ?? []) mapAddress(a, port, true);
      for (const a of subset.notReadyAddresses ?? []) mapAddress(a, port, false);
    }
  }

  // Group ports by the identical (address, readiness) set they are served by.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const group of byPort.values()) {
    const setKey = JSON.stringify([...group.ready.entries()].sort((a, b) => byteCompare(a[0], b[0])));
    let g = groups.get(setKey);
    if (!g) {
      g = { ready: group.ready, ports: [] };
      groups.set(setKey, g);
    }
    if (group.port !== null) g.ports.push(group.port);
  }

  const result: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const addresses: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [aKey, ready] of g.ready) (ready ? addresses : notReady).push(structuredClone(allAddrs.get(aKey)!));
    const subset: EndpointSubset = {};
    if (addresses.length > 0) subset.addresses = addresses;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    if (g.ports.length > 0) subset.ports = g.ports;
    result.push(subset);
  }
  return sortSubsets(result);
}
