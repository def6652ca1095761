/**
 * The Service fields that steer traffic and load balancers: externalTrafficPolicy and
 * healthCheckNodePort, internalTrafficPolicy, trafficDistribution, loadBalancerClass.
 */
import { field, type FieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import { isExternallyAccessible, needsHealthCheck } from '../helpers/service.js';
import { isSet, num, rec, str } from './json-access.js';
import { validateQualifiedName } from './label-validation.js';
import { isValidPortNum } from './ports.js';

const spec = (svc: Service) => rec(rec(svc).spec);

/** validateServiceExternalTrafficPolicy (step 17). */
export function validateServiceExternalTrafficPolicy(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const s = spec(svc);
  const etp = str(s.externalTrafficPolicy);
  if (!isExternallyAccessible(svc)) {
    if (etp !== '') errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') {
    errs.push(field.required('spec.externalTrafficPolicy'));
  } else if (etp !== 'Cluster' && etp !== 'Local') {
    errs.push(field.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  }
  const hc = num(s.healthCheckNodePort);
  if (!needsHealthCheck(svc)) {
    if (hc !== 0) {
      errs.push(field.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (hc === 0) {
    errs.push(field.required('spec.healthCheckNodePort'));
  } else {
    for (const msg of isValidPortNum(hc)) errs.push(field.invalid('spec.healthCheckNodePort', hc, msg));
  }
  return errs;
}

/** validateServiceExternalTrafficFieldsUpdate: a health check node port, once allocated, stays. */
export function validateServiceExternalTrafficFieldsUpdate(oldSvc: Service, svc: Service): FieldError[] {
  if (needsHealthCheck(oldSvc) && needsHealthCheck(svc) && num(spec(svc).healthCheckNodePort) !== num(spec(oldSvc).healthCheckNodePort)) {
    return [field.forbidden('spec.healthCheckNodePort', 'field is immutable')];
  }
  return [];
}

/** validateServiceInternalTrafficFieldsValue (step 18): required except for ExternalName. */
export function validateServiceInternalTrafficPolicy(svc: Service): FieldError[] {
  const s = spec(svc);
  const type = str(s.type);
  if (!isSet(s.internalTrafficPolicy)) {
    return type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP' ? [field.required('spec.internalTrafficPolicy')] : [];
  }
  const itp = str(s.internalTrafficPolicy);
  return itp === 'Cluster' || itp === 'Local' ? [] : [field.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local'])];
}

/** validateServiceTrafficDistribution (step 19). */
export function validateServiceTrafficDistribution(svc: Service): FieldError[] {
  const s = spec(svc);
  if (!isSet(s.trafficDistribution)) return [];
  const td = str(s.trafficDistribution);
  return td === 'PreferClose' ? [] : [field.notSupported('spec.trafficDistribution', td, ['PreferClose'])];
}

/** validateLoadBalancerClassField: a qualified name, only for LoadBalancer, fixed once set (on update). */
export function validateLoadBalancerClassField(oldSvc: Service | undefined, svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const s = spec(svc);
  const isLB = (x: Service) => str(spec(x).type) === 'LoadBalancer';
  const cls = isSet(s.loadBalancerClass) ? str(s.loadBalancerClass) : undefined;
  if (oldSvc && isLB(oldSvc) && isLB(svc)) {
    const o = spec(oldSvc);
    const oldCls = isSet(o.loadBalancerClass) ? str(o.loadBalancerClass) : undefined;
    if (oldCls !== cls) errs.push(field.invalid('spec.loadBalancerClass', cls ?? null, 'may not change once set'));
  }
  if (isLB(svc)) {
    if (cls !== undefined) errs.push(...validateQualifiedName(cls, 'spec.loadBalancerClass'));
  } else if (cls !== undefined) {
    errs.push(field.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

/**
 * Errors about a value the server allocates itself before it stores the object (Kubernetes
 * allocates in BeginCreate/BeginUpdate, before validation runs): a missing healthCheckNodePort
 * of a LoadBalancer Service with externalTrafficPolicy Local. A registry that allocates after
 * validating drops these.
 */
export function isServerAllocatedField(e: FieldError): boolean {
  return e.field === 'spec.healthCheckNodePort' && e.type === 'FieldValueRequired';
}
