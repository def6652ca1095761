/**
 * Small questions about a Pod that the controllers, the cluster tool and the data plane all ask,
 * answered as Kubernetes' pkg/api/v1/pod/util.go answers them.
 */
import type { Pod, PodCondition } from '../types/core.js';

/** The pod's Ready condition, if it has one (GetPodReadyCondition). */
export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** IsPodReady: the Ready condition is present and True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Succeeded or Failed: the pod's containers will never run again (IsPodTerminal). */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The pod has a deletionTimestamp (it is shutting down). */
export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== '';
}

/** status.podIPs, falling back to status.podIP when only the singular field is filled. */
export function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => ip !== undefined && ip !== '');
  if (ips.length > 0) return ips;
  const ip = pod.status?.podIP;
  return ip ? [ip] : [];
}
