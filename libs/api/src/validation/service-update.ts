/**
 * ValidateServiceUpdate and ValidateServiceStatusUpdate: what may change between the stored
 * Service and the new one, then the new one in full.
 */
import { field, type FieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import { validateConditions } from './conditions.js';
import { isValidIP } from './ip.js';
import { parseIPSloppy } from '../net/ip.js';
import { isDNS1123Subdomain } from './dns.js';
import { isSet, list, rec, str } from './json-access.js';
import { validateObjectMetaUpdate } from './object-meta.js';
import { validateService } from './service.js';
import { validateUpgradeDowngradeClusterIPs, validateUpgradeDowngradeIPFamilies } from './service-cluster-ips.js';
import { validateLoadBalancerClassField, validateServiceExternalTrafficFieldsUpdate } from './service-traffic.js';


/** ValidateServiceUpdate: metadata update rules, clusterIPs/ipFamilies, loadBalancerClass, healthCheckNodePort, then ValidateService. */
export function validateServiceUpdate(svc: Service, oldSvc: Service): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rec(svc).metadata, rec(oldSvc).metadata),
    ...validateUpgradeDowngradeClusterIPs(oldSvc, svc),
    ...validateUpgradeDowngradeIPFamilies(oldSvc, svc),
    ...validateLoadBalancerClassField(oldSvc, svc),
    ...validateServiceExternalTrafficFieldsUpdate(oldSvc, svc),
    ...validateService(svc),
  ];
}

const IP_MODES = ['Proxy', 'VIP'] as const;

/**
 * ValidateLoadBalancerStatus (LoadBalancerIPMode on, AllowServiceLBStatusOnNonLB off): ingress
 * only for LoadBalancer services; each ip valid and with an ipMode; each hostname a DNS name.
 */
export function validateLoadBalancerStatus(svc: Service): FieldError[] {
  const spec = rec(rec(svc).spec);
  const ingress = list(rec(rec(rec(svc).status).loadBalancer).ingress).map(rec);
  const path = 'status.loadBalancer.ingress';
  if (str(spec.type) !== 'LoadBalancer' && ingress.length !== 0) {
    return [field.forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  const errs: FieldError[] = [];
  ingress.forEach((ing, i) => {
    const p = `${path}[${i}]`;
    const ip = str(ing.ip);
    if (ip) errs.push(...isValidIP(`${p}.ip`, ip));
    if (!isSet(ing.ipMode)) {
      if (ip) errs.push(field.required(`${p}.ipMode`, 'must be specified when `ip` is set'));
    } else if (!ip) {
      errs.push(field.forbidden(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
    } else if (!(IP_MODES as readonly string[]).includes(str(ing.ipMode))) {
      errs.push(field.notSupported(`${p}.ipMode`, str(ing.ipMode), IP_MODES));
    }
    const hostname = str(ing.hostname);
    if (hostname) {
      for (const msg of isDNS1123Subdomain(hostname)) errs.push(field.invalid(`${p}.hostname`, hostname, msg));
      if (parseIPSloppy(hostname)) errs.push(field.invalid(`${p}.hostname`, hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** ValidateServiceStatusUpdate: metadata update rules and the load-balancer status. */
export function validateServiceStatusUpdate(svc: Service, oldSvc: Service): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rec(svc).metadata, rec(oldSvc).metadata),
    ...validateLoadBalancerStatus(svc),
    ...validateConditions(rec(rec(svc).status).conditions, 'status.conditions'),
  ];
}
