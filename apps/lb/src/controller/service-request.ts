/**
 * What a Service asks of the load balancer controller, read as MetalLB's controller reads it
 * (controller/service.go, internal/k8s/controllers/service_controller.go): whether it is ours
 * (type LoadBalancer, and the load balancer class this controller serves), the addresses it
 * requests (`spec.loadBalancerIP` or `metallb.io/loadBalancerIPs`), the pool it names
 * (`metallb.io/address-pool`), its sharing key (`metallb.io/allow-shared-ip`) and backend key
 * (the selector, when externalTrafficPolicy is Local). The deprecated `metallb.universe.tf/`
 * annotations are honoured too. Pure.
 */
import { formatLabels, type Service } from '@minimesh/api';
import type { AllocationRequest } from '../allocator/allocator.js';

export const ANNOTATION_ADDRESS_POOL = 'metallb.io/address-pool';
export const ANNOTATION_LOAD_BALANCER_IPS = 'metallb.io/loadBalancerIPs';
export const ANNOTATION_ALLOW_SHARED_IP = 'metallb.io/allow-shared-ip';
/** Written by the controller: the pool the address came from. */
export const ANNOTATION_ALLOCATED_FROM_POOL = 'metallb.io/ip-allocated-from-pool';

const DEPRECATED_PREFIX = 'metallb.universe.tf/';

function annotation(svc: Service, name: string): string | undefined {
  const a = svc.metadata.annotations ?? {};
  return a[name] ?? a[DEPRECATED_PREFIX + name.slice('metallb.io/'.length)];
}

export type ServiceDemand =
  /** Not a Service of this controller: leave it alone. */
  | { kind: 'not-ours' }
  /** Not (or no longer) a LoadBalancer: whatever it holds is released and its status cleared. */
  | { kind: 'release' }
  /** A LoadBalancer that cannot be served as written (both ways of requesting an IP...). */
  | { kind: 'invalid'; message: string }
  | { kind: 'allocate'; request: AllocationRequest; requestedIPs: string[]; pool?: string };

/**
 * @param lbClass the `--lb-class` this controller serves; undefined: only Services without a
 *   loadBalancerClass (MetalLB's filterByLoadBalancerClass).
 */
export function readServiceDemand(svc: Service, namespaceLabels: Record<string, string>, lbClass: string | undefined): ServiceDemand {
  const spec = svc.spec ?? {};
  const cls = spec.loadBalancerClass ?? undefined;
  if (spec.type !== 'LoadBalancer') return { kind: 'release' };
  if ((lbClass ?? undefined) !== cls) return { kind: 'not-ours' };
  const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
  const fromAnnotation = (annotation(svc, ANNOTATION_LOAD_BALANCER_IPS) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (fromAnnotation.length && spec.loadBalancerIP) {
    return { kind: 'invalid', message: 'service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP' };
  }
  const requestedIPs = fromAnnotation.length ? fromAnnotation : spec.loadBalancerIP ? [spec.loadBalancerIP] : [];
  const v6 = requestedIPs.filter((ip) => ip.includes(':'));
  if (v6.length) return { kind: 'invalid', message: `requested loadBalancer IP(s) "${v6.join(',')}" does not match the ipFamily of the service` };
  if (!spec.clusterIP || spec.clusterIP === 'None') return { kind: 'invalid', message: 'not enough clusterips' };
  const local = spec.externalTrafficPolicy === 'Local';
  const pool = annotation(svc, ANNOTATION_ADDRESS_POOL);
  return {
    kind: 'allocate',
    requestedIPs,
    ...(pool ? { pool } : {}),
    request: {
      key,
      namespace: svc.metadata.namespace ?? 'default',
      labels: svc.metadata.labels ?? {},
      namespaceLabels,
      ports: (spec.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port })),
      sharingKey: annotation(svc, ANNOTATION_ALLOW_SHARED_IP) ?? '',
      backendKey: local ? formatLabels(spec.selector ?? {}) : '',
    },
  };
}

/** The IPv4 address the Service's status holds, if any (what a restart reads back). */
export function statusIP(svc: Service): string | undefined {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).find((ip): ip is string => !!ip && !ip.includes(':'));
}
