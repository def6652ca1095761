/**
 * Validation of rbac.authorization.k8s.io/v1 objects, after kubernetes/kubernetes
 * pkg/apis/rbac/validation/validation.go: names are path segments (so `system:node-proxier` is a
 * valid name), every rule names verbs and either resources (with API groups) or non-resource URLs,
 * a binding's roleRef is complete and never changes, its subjects are Users, Groups or
 * ServiceAccounts.
 */
import { GoValue, field, goQuote, type FieldError } from '../errors/field-error.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../types/rbac.js';
import type { NameValidator } from './dns.js';
import { isSet, list, rec, str, strings } from './json-access.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** ValidateRBACName: path.IsValidPathSegmentName. */
const rbacName: NameValidator = (name) => {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

const goStrings = (values: string[]) => new GoValue(`[]string{${values.map(goQuote).join(', ')}}`);

function validatePolicyRule(rule: Record<string, unknown>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (strings(rule.verbs).length === 0) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = strings(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(field.invalid(`${path}.nonResourceURLs`, goStrings(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if (strings(rule.apiGroups).length > 0 || strings(rule.resources).length > 0 || strings(rule.resourceNames).length > 0) {
      errs.push(field.invalid(`${path}.nonResourceURLs`, goStrings(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (strings(rule.apiGroups).length === 0) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (strings(rule.resources).length === 0) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: Record<string, unknown>, namespaced: boolean): FieldError[] {
  return list(obj.rules).flatMap((r, i) => validatePolicyRule(rec(r), namespaced, `rules[${i}]`));
}

export function validateRole(role: Role): FieldError[] {
  const r = rec(role);
  return [...validateObjectMeta(r.metadata, true, rbacName), ...validateRules(r, true)];
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const r = rec(role);
  return [...validateObjectMeta(r.metadata, false, rbacName), ...validateRules(r, false)];
}

function validateRoleRef(ref: Record<string, unknown>, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (str(ref.apiGroup) !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  if (!kinds.includes(str(ref.kind))) errs.push(field.notSupported('roleRef.kind', str(ref.kind), kinds));
  if (str(ref.name) === '') errs.push(field.required('roleRef.name'));
  else for (const msg of rbacName(str(ref.name), false)) errs.push(field.invalid('roleRef.name', str(ref.name), msg));
  return errs;
}

function validateSubject(s: Record<string, unknown>, clusterScoped: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(s.name) === '') errs.push(field.required(`${path}.name`));
  switch (str(s.kind)) {
    case 'ServiceAccount':
      if (isSet(s.apiGroup) && str(s.apiGroup) !== '') errs.push(field.notSupported(`${path}.apiGroup`, str(s.apiGroup), ['']));
      if (clusterScoped && str(s.namespace) === '') errs.push(field.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (str(s.apiGroup) !== RBAC_GROUP) errs.push(field.notSupported(`${path}.apiGroup`, str(s.apiGroup), [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, str(s.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(b: Record<string, unknown>, clusterScoped: boolean): FieldError[] {
  return [
    ...validateObjectMeta(b.metadata, !clusterScoped, rbacName),
    ...validateRoleRef(rec(b.roleRef), clusterScoped ? ['ClusterRole'] : ['ClusterRole', 'Role']),
    ...list(b.subjects).flatMap((s, i) => validateSubject(rec(s), clusterScoped, `subjects[${i}]`)),
  ];
}

export function validateRoleBinding(b: RoleBinding): FieldError[] {
  return validateBinding(rec(b), false);
}

export function validateClusterRoleBinding(b: ClusterRoleBinding): FieldError[] {
  return validateBinding(rec(b), true);
}

/** A role's rules may change; a binding's roleRef may not (delete and re-create the binding). */
export function validateRbacUpdate(obj: Role | ClusterRole | RoleBinding | ClusterRoleBinding, old: Role | ClusterRole | RoleBinding | ClusterRoleBinding): FieldError[] {
  const o = rec(obj);
  const errs = validateObjectMetaUpdate(o.metadata, rec(old).metadata);
  switch (obj.kind) {
    case 'Role':
      return [...errs, ...validateRules(o, true)];
    case 'ClusterRole':
      return [...errs, ...validateRules(o, false)];
    default: {
      const clusterScoped = obj.kind === 'ClusterRoleBinding';
      errs.push(...validateBinding(o, clusterScoped).filter((e) => !e.field.startsWith('metadata')));
      const ref = rec(o.roleRef);
      const oldRef = rec(rec(old).roleRef);
      if (str(ref.apiGroup) !== str(oldRef.apiGroup) || str(ref.kind) !== str(oldRef.kind) || str(ref.name) !== str(oldRef.name)) {
        errs.push(
          field.invalid('roleRef', new GoValue(`rbac.RoleRef{APIGroup:${goQuote(str(ref.apiGroup))}, Kind:${goQuote(str(ref.kind))}, Name:${goQuote(str(ref.name))}}`), 'cannot change roleRef'),
        );
      }
      return errs;
    }
  }
}
