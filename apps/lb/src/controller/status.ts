/**
 * The status the controller writes for a Service: `status.loadBalancer.ingress` with the assigned
 * address (MetalLB leaves ipMode unset: VIP), and a condition saying whether it got one and, if
 * not, why (MetalLB's IPAllocated / AllocationFailed events, as a condition that stays readable).
 * Other conditions are left as they are. Pure.
 */
import type { Condition, ServiceStatus } from '@minimesh/api';

export const CONDITION_ALLOCATED = 'LoadBalancerIPAllocated';

export type Outcome =
  | { kind: 'assigned'; ip: string; pool: string }
  | { kind: 'failed'; reason: string; message: string }
  /** No longer a LoadBalancer: the address and the condition go. */
  | { kind: 'cleared' }
  | { kind: 'untouched' };

function condition(outcome: Outcome): Omit<Condition, 'lastTransitionTime'> | undefined {
  if (outcome.kind === 'assigned') return { type: CONDITION_ALLOCATED, status: 'True', reason: 'IPAllocated', message: `Assigned IP "${outcome.ip}"` };
  if (outcome.kind === 'failed') return { type: CONDITION_ALLOCATED, status: 'False', reason: outcome.reason, message: outcome.message };
  return undefined;
}

export function desiredLoadBalancerStatus(current: ServiceStatus | undefined, outcome: Outcome, now: string): ServiceStatus {
  if (outcome.kind === 'untouched') return current ?? {};
  const others = (current?.conditions ?? []).filter((c) => c.type !== CONDITION_ALLOCATED);
  const old = current?.conditions?.find((c) => c.type === CONDITION_ALLOCATED);
  const want = condition(outcome);
  const conditions = want ? [...others, { ...want, lastTransitionTime: old && old.status === want.status ? old.lastTransitionTime : now }] : others;
  return {
    ...current,
    loadBalancer: outcome.kind === 'assigned' ? { ingress: [{ ip: outcome.ip }] } : {},
    ...(conditions.length ? { conditions } : { conditions: undefined }),
  };
}

/** Whether writing `next` would change anything (transition times aside). */
export function statusDiffers(current: ServiceStatus | undefined, next: ServiceStatus): boolean {
  const norm = (s: ServiceStatus | undefined) =>
    JSON.stringify({
      ingress: s?.loadBalancer?.ingress ?? [],
      conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
    });
  return norm(current) !== norm(next);
}
