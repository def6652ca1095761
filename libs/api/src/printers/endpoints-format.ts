/**
 * The endpoint lists kubectl prints: `10.244.1.39:80,10.244.1.40:80`, at most three entries, then
 * ` + N more...` (printers.go formatEndpoints / formatDiscovery*, describe.go formatEndpointSlices).
 */
import type { Endpoint, EndpointSlicePort, Endpoints, EndpointSlice } from '../index.js';

const MAX = 3;

/** net.JoinHostPort: brackets around IPv6 addresses. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Endpoints' ENDPOINTS column; `ports` limits to port names (describe), absent for all ports. */
export function formatEndpoints(endpoints: Endpoints, ports?: ReadonlySet<string>): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports || ss.ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === MAX) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ss.ports) {
      if (ports && !ports.has(port.name ?? '')) continue;
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === MAX) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - MAX} more...` : ret;
}

function listWithMore(list: string[], more: boolean, count: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - MAX} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** EndpointSlice's PORTS column. */
export function formatDiscoveryPorts(ports: readonly EndpointSlicePort[] | undefined): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of ports ?? []) {
    if (list.length < MAX) list.push(p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*'));
    else if (list.length === MAX) more = true;
    count++;
  }
  return listWithMore(list, more, count);
}

/** EndpointSlice's ENDPOINTS column. */
export function formatDiscoveryEndpoints(endpoints: readonly Endpoint[] | undefined): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ep of endpoints ?? []) {
    for (const address of ep.addresses ?? []) {
      if (list.length < MAX) list.push(address);
      else if (list.length === MAX) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count);
}

function isReady(ep: Endpoint): boolean {
  // An unset ready condition means "unknown", which consumers treat as ready.
  return ep.conditions?.ready === undefined || ep.conditions.ready === null || ep.conditions.ready;
}

/** describe service's Endpoints line from the Service's EndpointSlices (ready endpoints only). */
export function formatEndpointSlices(slices: readonly EndpointSlice[], ports?: ReadonlySet<string>): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const slice of slices) {
    const endpoints = slice.endpoints ?? [];
    if (!slice.ports || slice.ports.length === 0) {
      for (const ep of endpoints) {
        if (list.length === MAX) more = true;
        if (!isReady(ep)) continue;
        if (!more) list.push(ep.addresses[0] ?? '');
        count++;
      }
      continue;
    }
    for (const port of slice.ports) {
      if (ports && !ports.has(port.name ?? '')) continue;
      for (const ep of endpoints) {
        if (list.length === MAX) more = true;
        if (!isReady(ep)) continue;
        if (!more) list.push(joinHostPort(ep.addresses[0] ?? '', port.port ?? 0));
        count++;
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - MAX} more...` : ret;
}
