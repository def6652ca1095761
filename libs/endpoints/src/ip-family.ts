/**
 * Just enough IP handling for endpoints: which family an address is, Go's ParseIPSloppy for
 * IPv4 (leading zeros read as decimal), and the family a Service's endpoints are taken from.
 * minimesh is single-stack: a Service has exactly one family, its first.
 */
import type { Pod, Service } from '@minimesh/api';

export type IPFamily = 'IPv4' | 'IPv6';

/** utilnet.IsIPv6String, loosely: anything with a colon is treated as IPv6. */
export function isIPv6String(ip: string | undefined): boolean {
  return ip !== undefined && ip.includes(':');
}

/**
 * An IPv4 address in canonical dotted form, accepting what Go's ParseIPSloppy accepts
 * (`01.02.03.04` → `1.2.3.4`); undefined when it is not an IPv4 address.
 */
export function normalizeIPv4(s: string): string | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets.join('.');
}

/** True when the Service has a cluster IP (helper.IsServiceIPSet): not headless, not unset. */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/**
 * The family a Service's endpoints use (podToEndpointAddressForService): spec.ipFamilies[0];
 * without it the family of the cluster IP; for a headless Service without families, the family
 * of the pod's primary IP.
 */
export function serviceIPFamily(svc: Service, pod?: Pod): IPFamily {
  const families = svc.spec?.ipFamilies;
  if (families && families.length > 0) return families[0] === 'IPv6' ? 'IPv6' : 'IPv4';
  if (isServiceIPSet(svc)) return isIPv6String(svc.spec?.clusterIP) ? 'IPv6' : 'IPv4';
  return isIPv6String(pod?.status?.podIP ?? pod?.status?.podIPs?.[0]?.ip) ? 'IPv6' : 'IPv4';
}

export function ipFamilyOf(ip: string): IPFamily {
  return isIPv6String(ip) ? 'IPv6' : 'IPv4';
}
