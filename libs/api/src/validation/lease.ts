/** ValidateLease and ValidateLeaseUpdate (coordination.k8s.io/v1), for leader election. */
import { field, type FieldError } from '../errors/field-error.js';
import type { Lease } from '../types/coordination.js';
import { nameIsDNSSubdomain } from './dns.js';
import { isSet, num, rec } from './json-access.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

function validateLeaseSpec(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(spec.leaseDurationSeconds) && num(spec.leaseDurationSeconds) <= 0) {
    errs.push(field.invalid('spec.leaseDurationSeconds', num(spec.leaseDurationSeconds), 'must be greater than 0'));
  }
  if (isSet(spec.leaseTransitions) && num(spec.leaseTransitions) < 0) {
    errs.push(field.invalid('spec.leaseTransitions', num(spec.leaseTransitions), 'must be greater than or equal to 0'));
  }
  return errs;
}

/** ValidateLease: metadata (name a DNS subdomain, namespaced) and the spec numbers. */
export function validateLease(lease: Lease): FieldError[] {
  const l = rec(lease);
  return [...validateObjectMeta(l.metadata, true, nameIsDNSSubdomain), ...validateLeaseSpec(rec(l.spec))];
}

/** ValidateLeaseUpdate: metadata update rules and the spec numbers. */
export function validateLeaseUpdate(lease: Lease, old: Lease): FieldError[] {
  const l = rec(lease);
  return [...validateObjectMetaUpdate(l.metadata, rec(old).metadata), ...validateLeaseSpec(rec(l.spec))];
}
