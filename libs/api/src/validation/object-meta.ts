/**
 * ObjectMeta validation on create and on update, as apimachinery's ValidateObjectMeta and
 * ValidateObjectMetaUpdate do it (no managedFields in this model).
 */
import { field, GoValue, goQuote, type FieldError } from '../errors/field-error.js';
import { nameIsDNSLabel, type NameValidator } from './dns.js';
import { goStringSlice, goTime, sameTime } from './go-format.js';
import { isSet, list, num, rec, str, type JsonRecord } from './json-access.js';
import { isQualifiedName, validateAnnotations, validateLabels } from './label-validation.js';
import { pushAll } from '../util/arrays.js';

const FIELD_IMMUTABLE = 'field is immutable';

function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === '') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return undefined;
}

/** Go's %#v of a metav1.OwnerReference (a set *bool prints as its value here; Go prints an address). */
function goOwnerReference(ref: JsonRecord): string {
  const ptr = (v: unknown) => (isSet(v) ? `(*bool)(${String(v)})` : '(*bool)(nil)');
  return (
    `v1.OwnerReference{APIVersion:${goQuote(str(ref.apiVersion))}, Kind:${goQuote(str(ref.kind))}, ` +
    `Name:${goQuote(str(ref.name))}, UID:${goQuote(str(ref.uid))}, Controller:${ptr(ref.controller)}, ` +
    `BlockOwnerDeletion:${ptr(ref.blockOwnerDeletion)}}`
  );
}

/** ValidateOwnerReferences: errors at `metadata.ownerReferences.<field>` (no index, as upstream). */
export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const all = list(refs).map(rec);
  let firstController = '';
  for (const ref of all) {
    const apiVersion = str(ref.apiVersion);
    const gv = parseGroupVersion(apiVersion) ?? { group: '', version: '' };
    const kind = str(ref.kind);
    if (gv.version === '') errs.push(field.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (kind === '') errs.push(field.invalid(`${path}.kind`, kind, 'must not be empty'));
    if (str(ref.name) === '') errs.push(field.invalid(`${path}.name`, str(ref.name), 'must not be empty'));
    if (str(ref.uid) === '') errs.push(field.invalid(`${path}.uid`, str(ref.uid), 'must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && kind === 'Event') {
      errs.push(field.invalid(path, new GoValue(goOwnerReference(ref)), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const name = `${kind}/${str(ref.name)}`;
      if (firstController) {
        errs.push(
          field.invalid(
            path,
            new GoValue(`[]v1.OwnerReference{${all.map(goOwnerReference).join(', ')}}`),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`,
          ),
        );
      } else {
        firstController = name;
      }
    }
  }
  return errs;
}

/** ValidateFinalizers: every finalizer a qualified name (`example.com/cleanup`). */
function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of list(finalizers).map(str)) for (const msg of isQualifiedName(f)) errs.push(field.invalid(path, f, msg));
  return errs;
}

/** The parts of ObjectMeta validated the same way on create and update. */
function validateMetaCommon(meta: JsonRecord): FieldError[] {
  return [
    ...validateLabels(meta.labels, 'metadata.labels'),
    ...validateAnnotations(meta.annotations, 'metadata.annotations'),
    ...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'),
    ...validateFinalizers(meta.finalizers, 'metadata.finalizers'),
  ];
}

/**
 * ValidateObjectMeta: name (or generateName) per the kind's name rule, namespace required for
 * namespaced kinds and forbidden for cluster-scoped ones, labels, annotations, ownerReferences.
 */
export function validateObjectMeta(metadata: unknown, namespaced: boolean, nameFn: NameValidator): FieldError[] {
  const meta = rec(metadata);
  const errs: FieldError[] = [];
  const generateName = str(meta.generateName);
  const name = str(meta.name);
  const namespace = str(meta.namespace);
  if (generateName) {
    for (const msg of nameFn(generateName, true)) errs.push(field.invalid('metadata.generateName', generateName, msg));
  }
  if (!name) errs.push(field.required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameFn(name, false)) errs.push(field.invalid('metadata.name', name, msg));
  if (namespaced) {
    if (!namespace) errs.push(field.required('metadata.namespace'));
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(field.invalid('metadata.namespace', namespace, msg));
  } else if (namespace) {
    errs.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  pushAll(errs, validateMetaCommon(meta));
  return errs;
}

/**
 * ValidateObjectMetaUpdate: a resourceVersion is required, and name, namespace, uid,
 * creationTimestamp and deletionTimestamp may not change (`field is immutable`).
 */
export function validateObjectMetaUpdate(newMetadata: unknown, oldMetadata: unknown): FieldError[] {
  const meta = rec(newMetadata);
  const old = rec(oldMetadata);
  const errs: FieldError[] = [];
  if (!str(meta.resourceVersion)) errs.push(field.invalid('metadata.resourceVersion', '', 'must be specified for an update'));
  for (const key of ['name', 'namespace', 'uid'] as const) {
    if (str(meta[key]) !== str(old[key])) errs.push(field.invalid(`metadata.${key}`, str(meta[key]), FIELD_IMMUTABLE));
  }
  const created = str(meta.creationTimestamp);
  if (!sameTime(created, str(old.creationTimestamp))) errs.push(field.invalid('metadata.creationTimestamp', goTime(created), FIELD_IMMUTABLE));
  const deleted = str(meta.deletionTimestamp);
  if (!sameTime(deleted, str(old.deletionTimestamp))) {
    errs.push(field.invalid('metadata.deletionTimestamp', deleted ? goTime(deleted) : null, FIELD_IMMUTABLE));
  }
  if (isSet(meta.deletionGracePeriodSeconds) !== isSet(old.deletionGracePeriodSeconds) || num(meta.deletionGracePeriodSeconds) !== num(old.deletionGracePeriodSeconds)) {
    errs.push(field.invalid('metadata.deletionGracePeriodSeconds', isSet(meta.deletionGracePeriodSeconds) ? num(meta.deletionGracePeriodSeconds) : null, FIELD_IMMUTABLE));
  }
  if (str(old.deletionTimestamp)) {
    const before = new Set(list(old.finalizers).map(str));
    const added = [...new Set(list(meta.finalizers).map(str))].filter((f) => !before.has(f)).sort();
    if (added.length) {
      errs.push(field.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added).text}`));
    }
  }
  pushAll(errs, validateMetaCommon(meta));
  return errs;
}
