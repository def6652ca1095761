/**
 * dropTypeDependentFields (service strategy). "Services are effectively a discriminated union,
 * where `type` is the discriminator": on update, fields that no longer apply to the new type are
 * cleared — but only those the user left as they were (a field the user also changed is left for
 * validation to judge). Allocated values cleared here are released by the registry.
 */
import type { Service } from '../types/core.js';
import { isRecord, isSet, list, num, rec, sameStrings, str, strings } from '../validation/json-access.js';
import { isExternallyAccessible, needsHealthCheck, serviceNeedsClusterIP, serviceTypeHasNodePorts } from '../helpers/service.js';
import { cloneObject } from '../util/clone-object.js';

type Spec = Record<string, unknown>;

function sameOptionalStrings(a: unknown, b: unknown): boolean {
  return isSet(a) === isSet(b) && sameStrings(strings(a), strings(b));
}

/** Users may add, remove or modify ports, as long as they add no net-new nodePort. */
function noNewNodePorts(oldSpec: Spec, spec: Spec): boolean {
  const oldPorts = new Set(list(oldSpec.ports).map((p) => num(rec(p).nodePort)));
  return list(spec.ports).every((p) => num(rec(p).nodePort) === 0 || oldPorts.has(num(rec(p).nodePort)));
}

const isLB = (svc: Service) => str(rec(rec(svc).spec).type) === 'LoadBalancer';

/** Returns a copy of `svc` without the fields its new type no longer uses (see the file comment). */
export function dropTypeDependentFields<T extends Service>(svc: T, old: Service): T {
  const copy = cloneObject(svc);
  const spec = rec(copy).spec;
  if (!isRecord(spec)) return copy;
  const oldSpec = rec(rec(old).spec);

  if (serviceNeedsClusterIP(old) && !serviceNeedsClusterIP(copy)) {
    if (str(oldSpec.clusterIP) === str(spec.clusterIP) && sameStrings(strings(oldSpec.clusterIPs), strings(spec.clusterIPs))) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameOptionalStrings(oldSpec.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (str(oldSpec.ipFamilyPolicy) === str(spec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }

  if (serviceTypeHasNodePorts(old) && !serviceTypeHasNodePorts(copy) && noNewNodePorts(oldSpec, spec)) {
    for (const p of list(spec.ports)) if (isRecord(p)) delete p.nodePort;
  }

  if (needsHealthCheck(old) && !needsHealthCheck(copy) && num(oldSpec.healthCheckNodePort) === num(spec.healthCheckNodePort)) {
    delete spec.healthCheckNodePort;
  }

  if (isLB(old) && !isLB(copy)) {
    if (isSet(spec.allocateLoadBalancerNodePorts) && isSet(oldSpec.allocateLoadBalancerNodePorts)) {
      if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    }
    const sameClass = isSet(oldSpec.loadBalancerClass) === isSet(spec.loadBalancerClass) && str(oldSpec.loadBalancerClass) === str(spec.loadBalancerClass);
    if (sameClass) delete spec.loadBalancerClass;
  }

  if (isExternallyAccessible(old) && !isExternallyAccessible(copy) && str(oldSpec.externalTrafficPolicy) === str(spec.externalTrafficPolicy)) {
    delete spec.externalTrafficPolicy;
  }

  if (!isLB(copy)) {
    const status = rec(copy).status;
    if (isRecord(status)) status.loadBalancer = {};
    else (copy as { status?: unknown }).status = { loadBalancer: {} };
  }
  return copy;
}
