/**
 * ValidateService: a Service on create, and the second half of an update. The steps and their
 * order are Kubernetes' (pkg/apis/core/validation/validation.go, ValidateService); every error is reported, none stops the rest.
 */
import { field, type FieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import { nameIsDNS1035Label, validateDNS1123Subdomain } from './dns.js';
import { isValidCIDR, isValidIP, validateNonSpecialIP } from './ip.js';
import { isSet, rec, str, strings, type JsonRecord } from './json-access.js';
import { validateLabels } from './label-validation.js';
import { validateObjectMeta } from './object-meta.js';
import { hasHeadlessClusterIPs, validateServiceClusterIPsRelatedFields } from './service-cluster-ips.js';
import {
  servicePortsOf,
  validateDuplicateNodePorts,
  validateDuplicatePorts,
  validateNoNodePortsForClusterIP,
  validateServicePorts,
} from './service-ports.js';
import {
  validateLoadBalancerClassField,
  validateServiceExternalTrafficPolicy,
  validateServiceInternalTrafficPolicy,
  validateServiceTrafficDistribution,
} from './service-traffic.js';
import { pushAll } from '../util/arrays.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
export const SESSION_AFFINITIES = ['ClientIP', 'None'] as const;
/** core.MaxClientIPServiceAffinitySeconds. */
export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

const TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';
const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

function validateTopologyAnnotations(meta: JsonRecord): FieldError[] {
  const ann = rec(meta.annotations);
  if (TOPOLOGY_MODE in ann && TOPOLOGY_AWARE_HINTS in ann && str(ann[TOPOLOGY_MODE]) !== str(ann[TOPOLOGY_AWARE_HINTS])) {
    return [
      field.invalid(`metadata.annotations[${TOPOLOGY_MODE}]`, str(ann[TOPOLOGY_MODE]), `must match annotations[${TOPOLOGY_AWARE_HINTS}] when both are specified`),
    ];
  }
  return [];
}

/** Step 4: what each type allows of clusterIPs and externalName. */
function validateTypeSpecific(svc: Service, spec: JsonRecord): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(spec.type);
  const headless = hasHeadlessClusterIPs(svc);
  if (type === 'LoadBalancer' && headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
  if (type === 'NodePort' && headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
  if (type === 'ExternalName') {
    if (strings(spec.clusterIPs).length > 0) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (strings(spec.ipFamilies).length > 0) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (isSet(spec.ipFamilyPolicy)) errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const externalName = str(spec.externalName);
    const cname = externalName.endsWith('.') ? externalName.slice(0, -1) : externalName;
    if (cname.length > 0) errs.push(...validateDNS1123Subdomain(cname, 'spec.externalName'));
    else errs.push(field.required('spec.externalName'));
  }
  return errs;
}

/** Step 7: sessionAffinity and its ClientIP config. */
function validateSessionAffinity(spec: JsonRecord): FieldError[] {
  const affinity = str(spec.sessionAffinity);
  const errs: FieldError[] = [];
  if (affinity === '') errs.push(field.required('spec.sessionAffinity'));
  else if (!(SESSION_AFFINITIES as readonly string[]).includes(affinity)) errs.push(field.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));

  const when = 'when session affinity type is ClientIP';
  const path = 'spec.sessionAffinityConfig';
  if (affinity === 'ClientIP') {
    const config = spec.sessionAffinityConfig;
    const clientIP = rec(config).clientIP;
    const timeout = rec(clientIP).timeoutSeconds;
    if (!isSet(config)) errs.push(field.required(path, when));
    else if (!isSet(clientIP)) errs.push(field.required(`${path}.clientIP`, when));
    else if (!isSet(timeout)) errs.push(field.required(`${path}.clientIP.timeoutSeconds`, when));
    else if (typeof timeout === 'number' && (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS)) {
      errs.push(field.invalid(`${path}.clientIP.timeoutSeconds`, timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
    }
  } else if (affinity === 'None' && isSet(spec.sessionAffinityConfig)) {
    errs.push(field.forbidden(path, 'must not be set when session affinity is None'));
  }
  return errs;
}

/** Step 9: externalIPs are valid, non-special IPs. */
function validateExternalIPs(spec: JsonRecord): FieldError[] {
  return strings(spec.externalIPs).flatMap((ip, i) => {
    const path = `spec.externalIPs[${i}]`;
    const errs = isValidIP(path, ip);
    return errs.length ? errs : validateNonSpecialIP(ip, path);
  });
}

/** Step 14: loadBalancerSourceRanges (path spelled `spec.LoadBalancerSourceRanges`, as upstream), or the legacy annotation. */
function validateSourceRanges(spec: JsonRecord, meta: JsonRecord): FieldError[] {
  const errs: FieldError[] = [];
  const isLB = str(spec.type) === 'LoadBalancer';
  const ranges = strings(spec.loadBalancerSourceRanges);
  const ann = rec(meta.annotations);
  if (ranges.length > 0) {
    const path = 'spec.LoadBalancerSourceRanges';
    if (!isLB) errs.push(field.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...isValidCIDR(`${path}[${i}]`, r.trim())));
  } else if (LB_SOURCE_RANGES_ANNOTATION in ann) {
    const path = `metadata.annotations[${LB_SOURCE_RANGES_ANNOTATION}]`;
    if (!isLB) errs.push(field.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    const value = str(ann[LB_SOURCE_RANGES_ANNOTATION]).trim();
    if (value !== '') for (const r of value.split(',')) errs.push(...isValidCIDR(path, r.trim()));
  }
  return errs;
}

/** ValidateService. Expects the defaulted, prepared object (clusterIPs normalized from clusterIP). */
export function validateService(svc: Service): FieldError[] {
  const meta = rec(rec(svc).metadata);
  const spec = rec(rec(svc).spec);
  const type = str(spec.type);
  const ports = servicePortsOf(spec);
  const errs: FieldError[] = [];

  pushAll(errs, validateObjectMeta(meta, true, nameIsDNS1035Label)); // 1
  errs.push(...validateTopologyAnnotations(meta)); // 2
  if (ports.length === 0 && !hasHeadlessClusterIPs(svc) && type !== 'ExternalName') errs.push(field.required('spec.ports')); // 3
  errs.push(...validateTypeSpecific(svc, spec)); // 4
  pushAll(errs, validateServicePorts(ports)); // 5
  if (isSet(spec.selector)) pushAll(errs, validateLabels(spec.selector, 'spec.selector')); // 6
  errs.push(...validateSessionAffinity(spec)); // 7
  pushAll(errs, validateServiceClusterIPsRelatedFields(svc)); // 8
  pushAll(errs, validateExternalIPs(spec)); // 9
  if (type === '') errs.push(field.required('spec.type')); // 10
  else if (!(SERVICE_TYPES as readonly string[]).includes(type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));
  pushAll(errs, validateNoNodePortsForClusterIP(type, ports)); // 11
  pushAll(errs, validateDuplicateNodePorts(ports)); // 12
  pushAll(errs, validateDuplicatePorts(ports)); // 13
  pushAll(errs, validateSourceRanges(spec, meta)); // 14
  if (isSet(spec.allocateLoadBalancerNodePorts) && type !== 'LoadBalancer') {
    errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'")); // 15
  }
  if (type === 'LoadBalancer' && !isSet(spec.allocateLoadBalancerNodePorts)) errs.push(field.required('allocateLoadBalancerNodePorts'));
  errs.push(...validateLoadBalancerClassField(undefined, svc)); // 16
  errs.push(...validateServiceExternalTrafficPolicy(svc)); // 17
  errs.push(...validateServiceInternalTrafficPolicy(svc)); // 18
  errs.push(...validateServiceTrafficDistribution(svc)); // 19
  return errs;
}
