/**
 * What the service registry fills in besides the v1 defaults (storage/alloc.go
 * initIPFamilyFields), for minimesh's single-stack IPv4 cluster: ipFamilyPolicy and ipFamilies.
 * Not part of defaultObject: the apiserver calls it once the object is validated (see
 * validateServiceIPFamilies), before or after allocating the clusterIP.
 */
import type { Service } from '../types/core.js';
import { ipFamilyOf } from '../net/ip.js';
import { isRecord, rec, strings } from '../validation/json-access.js';
import { CLUSTER_IP_FAMILIES, effectiveIPFamilyPolicy } from '../validation/service-ip-families.js';
import { cloneObject } from '../util/clone-object.js';

/**
 * Returns a copy of `svc` with `ipFamilyPolicy` (given, else the stored one on update, else
 * SingleStack) and `ipFamilies` (inferred from clusterIPs, else the cluster's IPv4) set. ExternalName
 * Services are returned unchanged. Headless Services stay SingleStack/[IPv4] unless they ask for
 * dual-stack (Kubernetes would make a headless selector-less one RequireDualStack).
 */
export function defaultServiceIPFamilyFields<T extends Service>(svc: T, old?: Service): T {
  const copy = cloneObject(svc);
  const spec = rec(copy).spec;
  if (!isRecord(spec) || spec.type === 'ExternalName') return copy;

  spec.ipFamilyPolicy = effectiveIPFamilyPolicy(copy, old);
  const families = strings(spec.ipFamilies);
  const clusterIPs = strings(spec.clusterIPs);
  for (let i = 0; i < clusterIPs.length; i++) {
    if (clusterIPs[i] === 'None') break;
    const family = ipFamilyOf(clusterIPs[i]!);
    if (i >= families.length && family) families.push(family);
  }
  if (families.length === 0) families.push(CLUSTER_IP_FAMILIES[0]!);

  // A headless selector-less Service that asks for dual-stack gets both families, as in Kubernetes.
  const headlessSelectorless = spec.clusterIP === 'None' && Object.keys(rec(spec.selector)).length === 0;
  if (headlessSelectorless && spec.ipFamilyPolicy !== 'SingleStack' && families.length < 2) {
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  }
  spec.ipFamilies = families;
  return copy;
}
