export { validateObject, validateObjectUpdate, validateStatusUpdate } from './validate-object.js';
export { validateServiceIPFamilies, effectiveIPFamilyPolicy, CLUSTER_IP_FAMILIES } from './service-ip-families.js';
export {
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1035Label,
  isFullyQualifiedDomainName,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  nameIsDNSSubdomain,
  nameIsDNSLabel,
  nameIsDNS1035Label,
  regexError,
  maxLenError,
  inclusiveRangeError,
  type NameValidator,
} from './dns.js';
export {
  isQualifiedName,
  isValidLabelValue,
  validateQualifiedName,
  validateLabelName,
  validateLabels,
  validateAnnotations,
} from './label-validation.js';
export { isValidPortNum, isValidPortName, validatePortNumOrName } from './ports.js';
export {
  isValidIP,
  isValidIPv4Address,
  isValidIPv6Address,
  isValidCIDR,
  validateNonSpecialIP,
} from './ip.js';
export { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
export { validateService } from './service.js';
export { validateServiceUpdate, validateServiceStatusUpdate, validateLoadBalancerStatus } from './service-update.js';
export { validateServiceClusterIPsRelatedFields } from './service-cluster-ips.js';
export { validateEndpoints } from './endpoints.js';
export { validateEndpointSlice } from './endpoint-slice.js';
export { validatePod } from './pod.js';
export { validateNode } from './node.js';
export { validateNamespace } from './namespace.js';
export { validateLease } from './lease.js';
export { validateEvent } from './event.js';
export { validateShape } from './shape.js';
export { validateIPAddressPool, validateL2Advertisement, validateLabelSelector, validatePoolOverlaps, poolRanges } from './metallb.js';
export { isServerAllocatedField } from './service-traffic.js';
export { RBAC_GROUP, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.js';
