/**
 * The name of one endpoint under its service (`<hostname>.<svc>.<ns>.svc.<zone>`), CoreDNS's
 * endpointHostname: the endpoint's hostname; else, with endpoint_pod_names, its pod's name; else
 * the IP with dashes (`10-244-1-7`; IPv6 `2001-db8--1`, and a trailing dash gets a `0`).
 */
import type { AddressRecord } from './cluster-snapshot.js';

export function dashedIP(ip: string): string {
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  if (ip.includes(':')) {
    const dashed = ip.replaceAll(':', '-');
    return dashed.endsWith('-') ? `${dashed}0` : dashed;
  }
  return '';
}

export function endpointHostname(addr: AddressRecord, endpointPodNames: boolean): string {
  if (addr.hostname) return addr.hostname;
  if (endpointPodNames && addr.targetRefName) return addr.targetRefName;
  return dashedIP(addr.ip);
}
