/**
 * Which pod updates matter to the endpoint controllers, and which Services to resync for them
 * (k8s.io/endpointslice/util podEndpointsChanged, GetServicesToUpdateOnPodChange).
 */
import { isPodReady, objectKey, podIPs, selectorFromServiceSelector, type Pod, type Service } from '@minimesh/api';

export interface PodChange {
  /** The pod's endpoint may differ (deletion, readiness, IPs, node, ports, phase). */
  podChanged: boolean;
  /** The Services it belongs to, or its hostname record, may differ (labels, hostname, subdomain). */
  labelsChanged: boolean;
}

function sameStringMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a![k] === b![k]);
}

function containerPortsKey(pod: Pod): string {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return JSON.stringify(all.map((c) => [c.name, c.restartPolicy ?? '', (c.ports ?? []).map((p) => [p.name ?? '', p.containerPort, p.protocol ?? 'TCP'])]));
}

/**
 * podEndpointsChanged. Kubernetes looks at deletionTimestamp, the Ready flip and the pod IPs
 * (plus labels, hostname and subdomain for membership); minimesh also counts the node name, the
 * container ports, the phase, and hostname/subdomain as endpoint changes, which Kubernetes treats
 * as immutable or implied by readiness (minimesh pods are registered objects that may be rewritten).
 */
export function podEndpointsChanged(oldPod: Pod, newPod: Pod): PodChange {
  const hostnameChanged =
    (oldPod.spec?.hostname ?? '') !== (newPod.spec?.hostname ?? '') || (oldPod.spec?.subdomain ?? '') !== (newPod.spec?.subdomain ?? '');
  const labelsChanged = hostnameChanged || !sameStringMap(oldPod.metadata.labels, newPod.metadata.labels);

  const oldIPs = podIPs(oldPod);
  const newIPs = podIPs(newPod);
  const podChanged =
    hostnameChanged ||
    (oldPod.metadata.deletionTimestamp ?? '') !== (newPod.metadata.deletionTimestamp ?? '') ||
    isPodReady(oldPod) !== isPodReady(newPod) ||
    oldIPs.length !== newIPs.length ||
    oldIPs.some((ip, i) => ip !== newIPs[i]) ||
    (oldPod.spec?.nodeName ?? '') !== (newPod.spec?.nodeName ?? '') ||
    (oldPod.status?.phase ?? '') !== (newPod.status?.phase ?? '') ||
    containerPortsKey(oldPod) !== containerPortsKey(newPod);

  return { podChanged, labelsChanged };
}

/** GetPodServiceMemberships: the Services (with a selector) in the pod's namespace that select it. */
export function servicesSelectingPod(pod: Pod, services: readonly Service[]): Service[] {
  const ns = pod.metadata.namespace ?? '';
  return services.filter((svc) => {
    if ((svc.metadata.namespace ?? '') !== ns) return false;
    const selector = selectorFromServiceSelector(svc.spec?.selector);
    return selector !== null && selector.matches(pod.metadata.labels);
  });
}

/**
 * GetServicesToUpdateOnPodChange: the keys (`namespace/name`, sorted) of the Services to resync.
 * Nothing for a resync (same resourceVersion) or an irrelevant change; the new pod's Services
 * when only the endpoint changed; on a label/hostname change the union of old and new Services
 * if the endpoint changed too, else only their symmetric difference.
 */
export function servicesToSyncForPodChange(oldPod: Pod, newPod: Pod, services: readonly Service[]): string[] {
  if (oldPod.metadata.resourceVersion !== undefined && oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return [];
  const { podChanged, labelsChanged } = podEndpointsChanged(oldPod, newPod);
  if (!podChanged && !labelsChanged) return [];

  const current = new Set(servicesSelectingPod(newPod, services).map(objectKey));
  let keys: Set<string>;
  if (!labelsChanged) {
    keys = current;
  } else {
    const previous = new Set(servicesSelectingPod(oldPod, services).map(objectKey));
    if (podChanged) {
      keys = new Set([...current, ...previous]);
    } else {
      keys = new Set([...current].filter((k) => !previous.has(k)));
      for (const k of previous) if (!current.has(k)) keys.add(k);
    }
  }
  return [...keys].sort();
}
