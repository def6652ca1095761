/**
 * The checks the service registry makes while it fills in ipFamilyPolicy / ipFamilies
 * (storage/alloc.go initIPFamilyFields), for minimesh's single-stack IPv4 cluster: a family the
 * cluster does not serve fails as Kubernetes fails an unconfigured one.
 */
import { field, type FieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import { ipFamilyOf } from '../net/ip.js';
import { list, rec } from './json-access.js';
import { ipFieldsOf, validateServiceClusterIPsRelatedFields } from './service-cluster-ips.js';

/** The IP families this cluster serves Services in, primary first. */
export const CLUSTER_IP_FAMILIES: readonly string[] = ['IPv4'];

/**
 * The ipFamilyPolicy the registry settles on: the given one, else (on update) the stored one,
 * else SingleStack. (Kubernetes makes headless selector-less Services RequireDualStack; in a
 * single-stack cluster minimesh keeps them SingleStack.)
 */
export function effectiveIPFamilyPolicy(svc: Service, old?: Service): string {
  return ipFieldsOf(svc).ipFamilyPolicy ?? (old ? ipFieldsOf(old).ipFamilyPolicy : undefined) ?? 'SingleStack';
}

/** Headless and selector-less, as the registry tests it (clusterIP "None", no selector). */
function isHeadlessSelectorless(svc: Service): boolean {
  const spec = rec(rec(svc).spec);
  return spec.clusterIP === 'None' && Object.keys(rec(spec.selector)).length === 0;
}

/**
 * Errors Kubernetes' registry reports for the IP-family fields of a Service in this cluster:
 * more than one IP or family with SingleStack, a clusterIP of an unserved family,
 * RequireDualStack, an ipFamilies entry other than IPv4. Call it on the prepared object, before
 * `defaultServiceIPFamilyFields`; pass the stored object on update. Returns [] for ExternalName
 * and when ValidateServiceClusterIPsRelatedFields already fails (validateObject reports those).
 */
export function validateServiceIPFamilies(svc: Service, old?: Service): FieldError[] {
  const f = ipFieldsOf(svc);
  if (f.type === 'ExternalName') return [];
  if (validateServiceClusterIPsRelatedFields(svc).length) return [];
  const policy = effectiveIPFamilyPolicy(svc, old);
  const errs: FieldError[] = [];

  if (policy === 'SingleStack') {
    if (f.clusterIPs.length === 2) {
      errs.push(field.invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    }
    if (f.ipFamilies.length === 2) {
      errs.push(field.invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
    }
  }
  for (let i = 0; i < f.clusterIPs.length; i++) {
    const ip = f.clusterIPs[i]!;
    if (ip === 'None') break;
    const family = ipFamilyOf(ip);
    if (i >= f.ipFamilies.length && family && !CLUSTER_IP_FAMILIES.includes(family)) {
      errs.push(field.invalid(`spec.clusterIPs[${i}]`, f.clusterIPs, `${family} is not configured on this cluster`));
    }
  }
  if (errs.length) return errs;

  // Headless selector-less Services may name any families (Kubernetes allows it even single-stack).
  if (isHeadlessSelectorless(svc)) return [];

  if (policy === 'RequireDualStack' && CLUSTER_IP_FAMILIES.length < 2) {
    errs.push(field.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
  }
  list(f.ipFamilies).forEach((family, i) => {
    if (!CLUSTER_IP_FAMILIES.includes(family as string)) errs.push(field.invalid(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
  });
  return errs;
}
