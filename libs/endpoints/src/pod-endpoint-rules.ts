/**
 * The per-pod rules both endpoint controllers share (k8s.io/endpointslice/util): whether a pod is
 * published at all, which of its IPs a Service uses, which port a Service port reaches on it, and
 * whether its hostname is published. Readiness and the pod's IPs are libs/api's pod helpers.
 */
import { ipFamilyOf, isPodTerminal, isPodTerminating, podIPs, selectorFromServiceSelector, type ObjectReference, type Pod, type Service, type ServicePort } from '@minimesh/api';
import { serviceIPFamily } from './ip-family.js';

/**
 * ShouldPodBeInEndpoints: not terminal (Succeeded/Failed), has an IP, and is not terminating
 * unless `includeTerminating` (publishNotReadyAddresses for Endpoints; always for slices).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && isPodTerminating(pod)) return false;
  return true;
}

/** The first pod IP of the Service's family (see serviceIPFamily); undefined when it has none. */
export function podIPForService(pod: Pod, svc: Service): string | undefined {
  const family = serviceIPFamily(svc, pod);
  return podIPs(pod).find((ip) => ipFamilyOf(ip) === family);
}

/**
 * FindPort: the port a Service port reaches on this pod. A numeric targetPort is used as it is
 * (absent or 0 means the Service port, as defaulting would set it); a named one is the first
 * container port with that name and the Service port's protocol, searching containers and then
 * restartable init containers (sidecars, restartPolicy Always). Undefined when none matches.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort;
  if (target === undefined || target === 0 || target === '') return servicePort.port;
  if (typeof target === 'number') return target;
  const protocol = servicePort.protocol ?? 'TCP';
  const candidates = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
  ];
  for (const container of candidates) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/**
 * ShouldSetHostname: the pod asked for a hostname and its subdomain names this Service, in the
 * same namespace (the `<hostname>.<service>.<namespace>.svc` records of headless Services).
 */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  const hostname = pod.spec?.hostname ?? '';
  return (
    hostname.length > 0 &&
    (pod.spec?.subdomain ?? '') === (svc.metadata.name ?? '') &&
    (svc.metadata.namespace ?? '') === (pod.metadata.namespace ?? '')
  );
}

/**
 * The pods a Service selects: same namespace, labels matching spec.selector. A Service without a
 * selector (absent or empty) selects none.
 */
export function selectPodsForService(svc: Service, pods: readonly Pod[]): Pod[] {
  const selector = selectorFromServiceSelector(svc.spec?.selector);
  if (!selector) return [];
  const ns = svc.metadata.namespace ?? '';
  return pods.filter((p) => (p.metadata.namespace ?? '') === ns && selector.matches(p.metadata.labels));
}

/** True when the Service has a selector (neither absent nor empty). */
export function hasSelector(svc: Service): boolean {
  return selectorFromServiceSelector(svc.spec?.selector) !== null;
}

/** The targetRef both controllers put on an address: {kind: Pod, namespace, name, uid} (no resourceVersion). */
export function podReference(pod: Pod): ObjectReference {
  const ref: ObjectReference = { kind: 'Pod' };
  if (pod.metadata.namespace !== undefined) ref.namespace = pod.metadata.namespace;
  if (pod.metadata.name !== undefined) ref.name = pod.metadata.name;
  if (pod.metadata.uid !== undefined) ref.uid = pod.metadata.uid;
  return ref;
}
