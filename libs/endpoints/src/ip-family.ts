/**
 * The family a Service's endpoints are taken from. minimesh is single-stack: a Service has exactly
 * one family, its first.
 */
import { isIPv6String, isServiceIPSet, type IPFamily, type Pod, type Service } from '@minimesh/api';

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
