/**
 * What a DELETE does to an object (apiserver `rest.BeforeDelete` and the pod strategy's
 * CheckGracefulDelete): delete it now, or mark it with deletionTimestamp and
 * deletionGracePeriodSeconds and keep it readable until whoever runs it confirms, its grace
 * period ends, or its finalizers are gone.
 *
 * - Pods are deleted gracefully: the grace period is the request's gracePeriodSeconds, else the
 *   pod's terminationGracePeriodSeconds, else 30 s; a pod never scheduled to a node, or one that
 *   already Succeeded or Failed, goes at once (0).
 * - Every other kind has no grace period.
 * - An object with finalizers is only marked (grace 0): it goes when an update removes the last one.
 * - A second delete of an object being deleted may shorten its grace period, never lengthen it.
 * - The deletionTimestamp is now + the grace period (kube-apiserver's BeforeDelete), but never
 *   after the last second of year 9999: any grace period a delete may give (up to 2^53-1 s) is
 *   taken and kept in deletionGracePeriodSeconds, and the time written is always one Go can read.
 */
import { ConflictError, InvalidError } from '../errors/api-errors.js';
import { field, goQuote, type FieldError } from '../errors/field-error.js';
import type { Pod } from '../types/core.js';
import type { KubeObject } from '../types/object.js';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

export interface DeleteOptions {
  /** Seconds before the object goes; 0 = at once. Absent: the kind's default. */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Orphan, Background or Foreground (dependents; minimesh's kinds own none, so all behave alike). */
  propagationPolicy?: string;
}

export type DeletionPlan =
  /** Remove it from the store now. */
  | { action: 'delete' }
  /** Write this marked version (deletionTimestamp, deletionGracePeriodSeconds) instead. */
  | { action: 'mark'; object: KubeObject; gracePeriodSeconds: number }
  /** Already being deleted at least as soon: nothing to write. */
  | { action: 'none' };

const PROPAGATION = ['Foreground', 'Background', 'Orphan'];

/**
 * ValidateDeleteOptions' refusal of a propagation policy: field.NotSupported with the values in
 * its order, not sorted, and "nil" (none given) last.
 */
export function unsupportedPropagationPolicy(value: string): FieldError {
  return { type: 'FieldValueNotSupported', field: 'propagationPolicy', badValue: value, detail: `supported values: ${[...PROPAGATION, 'nil'].map(goQuote).join(', ')}` };
}

/** ValidateDeleteOptions: a non-negative grace period and a known propagation policy. */
export function validateDeleteOptions(opts: DeleteOptions): void {
  const errs: FieldError[] = [];
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    errs.push(field.invalid('gracePeriodSeconds', opts.gracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  if (opts.propagationPolicy && !PROPAGATION.includes(opts.propagationPolicy)) errs.push(unsupportedPropagationPolicy(opts.propagationPolicy));
  if (errs.length) throw new InvalidError('DeleteOptions.meta.k8s.io', '', errs);
}

/** The preconditions of a delete, refused with the apiserver's Conflict texts; absent ones (undefined) are not checked. */
export function checkDeletePreconditions(obj: KubeObject, opts: DeleteOptions): void {
  const p = opts.preconditions;
  const name = obj.metadata.name ?? '';
  // A precondition given is checked even when empty (Go's *string): uid "" matches no object.
  if (p?.uid !== undefined && p.uid !== (obj.metadata.uid ?? '')) {
    throw new ConflictError(obj.kind, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  }
  if (p?.resourceVersion !== undefined && p.resourceVersion !== (obj.metadata.resourceVersion ?? '')) {
    throw new ConflictError(
      obj.kind,
      name,
      `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`,
    );
  }
}

/** The grace period a delete gives the object (CheckGracefulDelete). */
export function gracePeriodFor(obj: KubeObject, opts: DeleteOptions): number {
  if (obj.kind !== 'Pod') return 0;
  const pod = obj as Pod;
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  return opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
}

/**
 * The latest deletionTimestamp: the last second of year 9999, the last time metav1.Time can write
 * (Go's RFC 3339 formatting stops at year 9999).
 */
export const LATEST_DELETION_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * RFC 3339 in UTC with seconds precision, as metav1.Time marshals; rounded up, so that the time
 * written (which the deletion timer goes by) never cuts a grace period short. A time past
 * LATEST_DELETION_TIMESTAMP_MS (a grace period of thousands of years) is written as that time:
 * the object waits as long as a time can say.
 */
export function deletionTime(ms: number): string {
  const at = Math.min(Math.ceil(ms / 1000) * 1000, LATEST_DELETION_TIMESTAMP_MS);
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

export function planDeletion(obj: KubeObject, opts: DeleteOptions, nowMs: number): DeletionPlan {
  const grace = gracePeriodFor(obj, opts);
  const finalizers = obj.metadata.finalizers ?? [];
  const marked = obj.metadata.deletionTimestamp;
  if (marked) {
    const current = obj.metadata.deletionGracePeriodSeconds ?? 0;
    if (grace >= current) return { action: 'none' };
    if (grace === 0 && finalizers.length === 0) return { action: 'delete' };
  } else if (grace === 0 && finalizers.length === 0) {
    return { action: 'delete' };
  }
  const deletionTimestamp = deletionTime(nowMs + grace * 1000);
  return {
    action: 'mark',
    gracePeriodSeconds: grace,
    object: { ...obj, metadata: { ...obj.metadata, deletionTimestamp, deletionGracePeriodSeconds: grace } } as KubeObject,
  };
}

/**
 * An update that removes the last finalizer of an object marked with grace 0 deletes it
 * (the generic registry's shouldDeleteDuringUpdate).
 */
export function deletesOnUpdate(next: KubeObject, old: KubeObject): boolean {
  return Boolean(next.metadata.deletionTimestamp) && (next.metadata.finalizers ?? []).length === 0 && old.metadata.deletionGracePeriodSeconds === 0;
}
