/**
 * The JSON shape of each kind: which fields are strings, integers, booleans, lists, maps and
 * structs. Kubernetes rejects a body that does not decode into its Go types before any rule runs;
 * `validateShape` is that step, reported as field errors.
 */
import type { Kind } from '../types/object.js';

export type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'intOrString'
  | { object: Record<string, Shape> }
  | { array: Shape }
  | { map: Shape };

const obj = (fields: Record<string, Shape>): Shape => ({ object: fields });
const arr = (item: Shape): Shape => ({ array: item });
const stringMap: Shape = { map: 'string' };
const strs = arr('string');

const objectReference = obj({
  kind: 'string',
  namespace: 'string',
  name: 'string',
  uid: 'string',
  apiVersion: 'string',
  resourceVersion: 'string',
  fieldPath: 'string',
});

const objectMeta = obj({
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  uid: 'string',
  resourceVersion: 'string',
  creationTimestamp: 'string',
  deletionTimestamp: 'string',
  labels: stringMap,
  annotations: stringMap,
  ownerReferences: arr(
    obj({ apiVersion: 'string', kind: 'string', name: 'string', uid: 'string', controller: 'boolean', blockOwnerDeletion: 'boolean' }),
  ),
  finalizers: strs,
  deletionGracePeriodSeconds: 'integer',
  generation: 'integer',
});

/** metav1.Condition (Service status). */
const metaCondition = obj({
  type: 'string',
  status: 'string',
  observedGeneration: 'integer',
  lastTransitionTime: 'string',
  reason: 'string',
  message: 'string',
});

const condition = obj({
  type: 'string',
  status: 'string',
  lastHeartbeatTime: 'string',
  lastProbeTime: 'string',
  lastTransitionTime: 'string',
  reason: 'string',
  message: 'string',
});

const serviceSpec = obj({
  type: 'string',
  selector: stringMap,
  ports: arr(obj({ name: 'string', protocol: 'string', appProtocol: 'string', port: 'integer', targetPort: 'intOrString', nodePort: 'integer' })),
  clusterIP: 'string',
  clusterIPs: strs,
  externalIPs: strs,
  externalName: 'string',
  sessionAffinity: 'string',
  sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: 'integer' }) }),
  externalTrafficPolicy: 'string',
  internalTrafficPolicy: 'string',
  healthCheckNodePort: 'integer',
  loadBalancerIP: 'string',
  loadBalancerSourceRanges: strs,
  loadBalancerClass: 'string',
  allocateLoadBalancerNodePorts: 'boolean',
  publishNotReadyAddresses: 'boolean',
  ipFamilies: strs,
  ipFamilyPolicy: 'string',
  trafficDistribution: 'string',
});

const serviceStatus = obj({
  loadBalancer: obj({ ingress: arr(obj({ ip: 'string', hostname: 'string', ipMode: 'string' })) }),
  conditions: arr(metaCondition),
});

const endpointAddress = obj({ ip: 'string', hostname: 'string', nodeName: 'string', targetRef: objectReference });

const container = obj({
  name: 'string',
  image: 'string',
  ports: arr(obj({ name: 'string', containerPort: 'integer', protocol: 'string', hostPort: 'integer' })),
  command: strs,
  args: strs,
  restartPolicy: 'string',
});

const labelSelector = obj({
  matchLabels: stringMap,
  matchExpressions: arr(obj({ key: 'string', operator: 'string', values: strs })),
});

/** The shape of each kind's top-level fields (apiVersion and kind are the caller's business). */
const policyRule = obj({ verbs: strs, apiGroups: strs, resources: strs, resourceNames: strs, nonResourceURLs: strs });
const subject = obj({ kind: 'string', apiGroup: 'string', name: 'string', namespace: 'string' });
const roleRef = obj({ apiGroup: 'string', kind: 'string', name: 'string' });

export const KIND_SHAPES: Record<Kind, Record<string, Shape>> = {
  Namespace: {
    metadata: objectMeta,
    spec: obj({ finalizers: strs }),
    status: obj({ phase: 'string' }),
  },
  Node: {
    metadata: objectMeta,
    spec: obj({ podCIDR: 'string', podCIDRs: strs, unschedulable: 'boolean', providerID: 'string', taints: arr(obj({ key: 'string', value: 'string', effect: 'string', timeAdded: 'string' })) }),
    status: obj({ addresses: arr(obj({ type: 'string', address: 'string' })), conditions: arr(condition) }),
  },
  Pod: {
    metadata: objectMeta,
    spec: obj({
      nodeName: 'string',
      hostname: 'string',
      subdomain: 'string',
      containers: arr(container),
      initContainers: arr(container),
      terminationGracePeriodSeconds: 'integer',
      hostNetwork: 'boolean',
    }),
    status: obj({
      phase: 'string',
      podIP: 'string',
      podIPs: arr(obj({ ip: 'string' })),
      hostIP: 'string',
      conditions: arr(condition),
      startTime: 'string',
    }),
  },
  Service: { metadata: objectMeta, spec: serviceSpec, status: serviceStatus },
  Endpoints: {
    metadata: objectMeta,
    subsets: arr(
      obj({
        addresses: arr(endpointAddress),
        notReadyAddresses: arr(endpointAddress),
        ports: arr(obj({ name: 'string', port: 'integer', protocol: 'string', appProtocol: 'string' })),
      }),
    ),
  },
  EndpointSlice: {
    metadata: objectMeta,
    addressType: 'string',
    endpoints: arr(
      obj({
        addresses: strs,
        conditions: obj({ ready: 'boolean', serving: 'boolean', terminating: 'boolean' }),
        hostname: 'string',
        targetRef: objectReference,
        nodeName: 'string',
        zone: 'string',
      }),
    ),
    ports: arr(obj({ name: 'string', protocol: 'string', port: 'integer', appProtocol: 'string' })),
  },
  Lease: {
    metadata: objectMeta,
    spec: obj({
      holderIdentity: 'string',
      leaseDurationSeconds: 'integer',
      acquireTime: 'string',
      renewTime: 'string',
      leaseTransitions: 'integer',
    }),
  },
  IPAddressPool: {
    metadata: objectMeta,
    spec: obj({
      addresses: strs,
      autoAssign: 'boolean',
      avoidBuggyIPs: 'boolean',
      serviceAllocation: obj({ priority: 'integer', namespaces: strs, namespaceSelectors: arr(labelSelector), serviceSelectors: arr(labelSelector) }),
    }),
    status: obj({ assignedIPv4: 'integer', assignedIPv6: 'integer', availableIPv4: 'integer', availableIPv6: 'integer' }),
  },
  L2Advertisement: {
    metadata: objectMeta,
    spec: obj({ ipAddressPools: strs, ipAddressPoolSelectors: arr(labelSelector), nodeSelectors: arr(labelSelector), interfaces: strs }),
  },
  Role: { metadata: objectMeta, rules: arr(policyRule) },
  ClusterRole: { metadata: objectMeta, rules: arr(policyRule), aggregationRule: obj({ clusterRoleSelectors: arr(labelSelector) }) },
  RoleBinding: { metadata: objectMeta, subjects: arr(subject), roleRef },
  ClusterRoleBinding: { metadata: objectMeta, subjects: arr(subject), roleRef },
  Event: {
    metadata: objectMeta,
    involvedObject: objectReference,
    reason: 'string',
    message: 'string',
    source: obj({ component: 'string', host: 'string' }),
    firstTimestamp: 'string',
    lastTimestamp: 'string',
    count: 'integer',
    type: 'string',
    eventTime: 'string',
    series: obj({ count: 'integer', lastObservedTime: 'string' }),
    action: 'string',
    related: objectReference,
    reportingComponent: 'string',
    reportingInstance: 'string',
  },
};
