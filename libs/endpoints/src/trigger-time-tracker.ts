/**
 * TriggerTimeTracker (k8s.io/endpointslice/util/trigger_time_tracker.go): the value of the
 * `endpoints.kubernetes.io/last-change-trigger-time` annotation, i.e. when the change that this
 * Endpoints/EndpointSlice write reflects happened. kube-proxy subtracts it from "now" to measure
 * network programming latency.
 *
 * A pod's trigger time is its Ready condition's lastTransitionTime; a Service's is its
 * creationTimestamp. The first time a Service is seen, the result is its creationTimestamp;
 * afterwards it is the earliest trigger time that moved forward since the previous call, or
 * undefined when none did (the annotation is then removed). State is kept per Service and must
 * be dropped with `forget` when the Service is deleted. With ObservedTimes, whole-second times
 * are refined to the millisecond they were seen (see observed-times.ts).
 */
import { podReadyCondition, type Pod, type Service } from '@minimesh/api';
import type { ObservedTimes } from './observed-times.js';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME } from './well-known.js';

export { ANNOTATION_LAST_CHANGE_TRIGGER_TIME };

/** Milliseconds since the epoch, or 0 (Go's zero time) when absent or unparsable. */
function parseTime(s: string | undefined): number {
  if (!s) return 0;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Go's `t.UTC().Format(time.RFC3339Nano)` (`2006-01-02T15:04:05.999999999Z07:00`): UTC with a
 * `Z`, fractional seconds with trailing zeros trimmed and dropped entirely when zero.
 */
export function formatRFC3339Nano(date: Date): string {
  const iso = date.toISOString(); // 2024-01-02T03:04:05.670Z
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  return fraction ? `${m[1]}.${fraction}Z` : `${m[1]}Z`;
}

interface ServiceState {
  lastServiceTriggerTime: number;
  lastPodTriggerTimes: Map<string, number>;
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();
  /** Each Service's state before its last compute(), for undo(). */
  private readonly before = new Map<string, ServiceState | undefined>();

  /** `observed`: refines pods' ("ns/pod") and Services' ("service:ns/name") whole-second times. */
  constructor(private readonly observed?: ObservedTimes) {}

  /**
   * ComputeEndpointLastChangeTriggerTime. Call it on every sync of the Service (even one that
   * writes nothing) with the pods the Service selects, so the recorded state stays current.
   */
  compute(namespace: string, svc: Service, pods: readonly Pod[]): Date | undefined {
    const key = `${namespace}/${svc.metadata.name ?? ''}`;
    const previous = this.states.get(key);
    const lastPods = previous?.lastPodTriggerTimes ?? new Map<string, number>();

    let minChanged = 0;
    const consider = (t: number): void => {
      if (minChanged === 0 || t < minChanged) minChanged = t;
    };

    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const name = pod.metadata.name ?? '';
      const t = parseTime(podReadyCondition(pod)?.lastTransitionTime);
      if (t === 0) continue;
      // Changes are judged on the objects' own times; only the value returned is refined.
      podTimes.set(name, t);
      if (t > (lastPods.get(name) ?? 0)) consider(this.observed?.refine(`${namespace}/${name}`, t) ?? t);
    }
    const serviceTime = parseTime(svc.metadata.creationTimestamp);
    const refinedServiceTime = serviceTime === 0 ? 0 : (this.observed?.refine(`service:${key}`, serviceTime) ?? serviceTime);
    if (serviceTime > (previous?.lastServiceTriggerTime ?? 0)) consider(refinedServiceTime);

    this.before.set(key, previous);
    this.states.set(key, { lastServiceTriggerTime: serviceTime, lastPodTriggerTimes: podTimes });

    if (!previous) return serviceTime === 0 ? undefined : new Date(refinedServiceTime);
    return minChanged === 0 ? undefined : new Date(minChanged);
  }

  /**
   * The writes of the last compute()'s sync failed: back to the state before it, so that the retry
   * computes the same trigger time again. Otherwise a retry would find no change since the failed
   * sync and write the Endpoints or slices without the annotation. (Kubernetes' tracker has no
   * undo: there a failed sync loses the trigger time.)
   */
  undo(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (!this.before.has(key)) return;
    const previous = this.before.get(key);
    this.before.delete(key);
    if (previous) this.states.set(key, previous);
    else this.states.delete(key);
  }

  /** DeleteService: drop the state of a deleted Service. */
  forget(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
    this.before.delete(`${namespace}/${name}`);
  }

  /** How many Services have state (for tests and metrics). */
  get size(): number {
    return this.states.size;
  }
}
