/** ValidateNamespace, ValidateNamespaceUpdate and ValidateNamespaceStatusUpdate. */
import { field, type FieldError } from '../errors/field-error.js';
import type { Namespace } from '../types/core.js';
import { nameIsDNSLabel } from './dns.js';
import { rec, str, strings } from './json-access.js';
import { isQualifiedName } from './label-validation.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/** IsStandardFinalizerName. */
const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

/** validateFinalizerName: a qualified name, and a standard one when it has no prefix. */
function validateFinalizerName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => field.invalid(path, name, msg));
  if (!name.includes('/') && !STANDARD_FINALIZERS.includes(name)) {
    errs.push(field.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

/** ValidateNamespace: metadata (name a DNS-1123 label, no namespace) and spec.finalizers (errors at `spec.finalizers`, unindexed, as upstream). */
export function validateNamespace(ns: Namespace): FieldError[] {
  const n = rec(ns);
  const errs = validateObjectMeta(n.metadata, false, nameIsDNSLabel);
  for (const f of strings(rec(n.spec).finalizers)) errs.push(...validateFinalizerName(f, 'spec.finalizers'));
  return errs;
}

/** The namespace strategy's ValidateUpdate: ValidateNamespace, then the metadata update rules. */
export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldError[] {
  return [...validateNamespace(ns), ...validateObjectMetaUpdate(rec(ns).metadata, rec(old).metadata)];
}

/** ValidateNamespaceStatusUpdate: the phase follows deletionTimestamp (path `status.Phase`, as upstream). */
export function validateNamespaceStatusUpdate(ns: Namespace, old: Namespace): FieldError[] {
  const n = rec(ns);
  const errs = validateObjectMetaUpdate(n.metadata, rec(old).metadata);
  const phase = str(rec(n.status).phase);
  if (!str(rec(n.metadata).deletionTimestamp)) {
    if (phase !== 'Active') errs.push(field.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(field.invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}
