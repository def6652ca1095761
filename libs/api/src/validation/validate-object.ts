/**
 * The entry points the apiserver calls: validate an object on create, on update and on a status
 * update. Each returns every error of the object at once, in Kubernetes' order. A body whose
 * fields have the wrong JSON types gets only those type errors (Kubernetes fails to decode it
 * before any rule runs).
 */
import { formatFieldError, type FieldError } from '../errors/field-error.js';
import { KINDS, type KubeObject } from '../types/object.js';
import { nameIsDNSSubdomain, type NameValidator } from './dns.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './endpoint-slice.js';
import { validateEndpoints, validateEndpointsUpdate } from './endpoints.js';
import { rec, str } from './json-access.js';
import { validateEvent, validateEventUpdate } from './event.js';
import { validateLease, validateLeaseUpdate } from './lease.js';
import { validateIPAddressPool, validateL2Advertisement } from './metallb.js';
import { validateNamespace, validateNamespaceStatusUpdate, validateNamespaceUpdate } from './namespace.js';
import { validateNode, validateNodeUpdate, validateNodeUpdateRules } from './node.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validateClusterRole, validateClusterRoleBinding, validateRbacUpdate, validateRole, validateRoleBinding } from './rbac.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import { validateService } from './service.js';
import { validateServiceStatusUpdate, validateServiceUpdate } from './service-update.js';
import { validateShape } from './shape.js';
import { pushAll } from '../util/arrays.js';

/** Drops errors identical to an earlier one (the same rule reached twice through nested validators). */
function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const key = `${e.type}|${formatFieldError(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function kindOf(obj: KubeObject): string {
  return str(rec(obj).kind);
}

/** IsValidPathSegmentName: the name check the generic registry applies to every object. */
const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

/**
 * The generic registry's checks before every update (rest.BeforeUpdate validateCommonFields):
 * ObjectMeta as on create (names only as path segments) and the ObjectMeta update rules.
 */
function commonUpdateErrors(obj: KubeObject, old: KubeObject): FieldError[] {
  const namespaced = KINDS[obj.kind]?.namespaced ?? true;
  return [...validateObjectMeta(rec(obj).metadata, namespaced, nameIsPathSegment), ...validateObjectMetaUpdate(rec(obj).metadata, rec(old).metadata)];
}

/** Validation of a new object (after defaultObject and prepareForCreate). */
export function validateObject(obj: KubeObject): FieldError[] {
  const shape = validateShape(obj);
  if (shape.length) return shape;
  switch (kindOf(obj)) {
    case 'Service':
      return dedupe(validateService(obj as Extract<KubeObject, { kind: 'Service' }>));
    case 'Endpoints':
      return dedupe(validateEndpoints(obj as Extract<KubeObject, { kind: 'Endpoints' }>));
    case 'EndpointSlice':
      return dedupe(validateEndpointSlice(obj as Extract<KubeObject, { kind: 'EndpointSlice' }>));
    case 'Pod':
      return dedupe(validatePod(obj as Extract<KubeObject, { kind: 'Pod' }>));
    case 'Node':
      return dedupe(validateNode(obj as Extract<KubeObject, { kind: 'Node' }>));
    case 'Namespace':
      return dedupe(validateNamespace(obj as Extract<KubeObject, { kind: 'Namespace' }>));
    case 'Lease':
      return dedupe(validateLease(obj as Extract<KubeObject, { kind: 'Lease' }>));
    case 'IPAddressPool':
      return dedupe(validateIPAddressPool(obj as Extract<KubeObject, { kind: 'IPAddressPool' }>));
    case 'L2Advertisement':
      return dedupe(validateL2Advertisement(obj as Extract<KubeObject, { kind: 'L2Advertisement' }>));
    case 'Role':
      return dedupe(validateRole(obj as Extract<KubeObject, { kind: 'Role' }>));
    case 'ClusterRole':
      return dedupe(validateClusterRole(obj as Extract<KubeObject, { kind: 'ClusterRole' }>));
    case 'RoleBinding':
      return dedupe(validateRoleBinding(obj as Extract<KubeObject, { kind: 'RoleBinding' }>));
    case 'ClusterRoleBinding':
      return dedupe(validateClusterRoleBinding(obj as Extract<KubeObject, { kind: 'ClusterRoleBinding' }>));
    case 'Event':
      return dedupe(validateEvent(obj as Extract<KubeObject, { kind: 'Event' }>));
    default:
      return dedupe(validateObjectMeta(rec(obj).metadata, KINDS[obj.kind]?.namespaced ?? true, nameIsDNSSubdomain));
  }
}

/** Validation of an update (after defaultObject and prepareForUpdate), against the stored object. */
export function validateObjectUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const shape = validateShape(obj);
  if (shape.length) return shape;
  const errs = commonUpdateErrors(obj, old);
  switch (kindOf(obj)) {
    case 'Service':
      pushAll(errs, validateServiceUpdate(obj as Extract<KubeObject, { kind: 'Service' }>, old as Extract<KubeObject, { kind: 'Service' }>));
      break;
    case 'Endpoints':
      pushAll(errs, validateEndpointsUpdate(obj as Extract<KubeObject, { kind: 'Endpoints' }>, old as Extract<KubeObject, { kind: 'Endpoints' }>));
      break;
    case 'EndpointSlice':
      pushAll(
        errs,
        validateEndpointSliceUpdate(obj as Extract<KubeObject, { kind: 'EndpointSlice' }>, old as Extract<KubeObject, { kind: 'EndpointSlice' }>),
      );
      break;
    case 'Pod':
      pushAll(errs, validatePodUpdate(obj as Extract<KubeObject, { kind: 'Pod' }>, old as Extract<KubeObject, { kind: 'Pod' }>));
      break;
    case 'Node':
      pushAll(errs, validateNodeUpdate(obj as Extract<KubeObject, { kind: 'Node' }>, old as Extract<KubeObject, { kind: 'Node' }>));
      break;
    case 'Namespace':
      pushAll(errs, validateNamespaceUpdate(obj as Extract<KubeObject, { kind: 'Namespace' }>, old as Extract<KubeObject, { kind: 'Namespace' }>));
      break;
    case 'Lease':
      pushAll(errs, validateLeaseUpdate(obj as Extract<KubeObject, { kind: 'Lease' }>, old as Extract<KubeObject, { kind: 'Lease' }>));
      break;
    case 'Event':
      pushAll(errs, validateEventUpdate(obj as Extract<KubeObject, { kind: 'Event' }>, old as Extract<KubeObject, { kind: 'Event' }>));
      break;
    case 'IPAddressPool':
      pushAll(errs, validateIPAddressPool(obj as Extract<KubeObject, { kind: 'IPAddressPool' }>));
      break;
    case 'L2Advertisement':
      pushAll(errs, validateL2Advertisement(obj as Extract<KubeObject, { kind: 'L2Advertisement' }>));
      break;
    case 'Role':
    case 'ClusterRole':
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      // The RBAC update rules include ObjectMeta's: keep only what commonUpdateErrors did not say.
      pushAll(errs, validateRbacUpdate(obj as Extract<KubeObject, { kind: 'Role' }>, old as Extract<KubeObject, { kind: 'Role' }>).filter((e) => !e.field.startsWith('metadata')));
      break;
  }
  return dedupe(errs);
}

/**
 * Validation of a status update (after defaultObject and prepareForStatusUpdate): the Service
 * load-balancer status, the Pod IPs, the Node update rules, the Namespace phase; other kinds
 * have no status and get the ObjectMeta update rules only.
 */
export function validateStatusUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const shape = validateShape(obj);
  if (shape.length) return shape;
  const errs = commonUpdateErrors(obj, old);
  switch (kindOf(obj)) {
    case 'Service':
      pushAll(errs, validateServiceStatusUpdate(obj as Extract<KubeObject, { kind: 'Service' }>, old as Extract<KubeObject, { kind: 'Service' }>));
      break;
    case 'Pod':
      pushAll(errs, validatePodStatusUpdate(obj as Extract<KubeObject, { kind: 'Pod' }>, old as Extract<KubeObject, { kind: 'Pod' }>));
      break;
    case 'Node':
      pushAll(errs, validateNodeUpdateRules(obj as Extract<KubeObject, { kind: 'Node' }>, old as Extract<KubeObject, { kind: 'Node' }>));
      break;
    case 'Namespace':
      pushAll(
        errs,
        validateNamespaceStatusUpdate(obj as Extract<KubeObject, { kind: 'Namespace' }>, old as Extract<KubeObject, { kind: 'Namespace' }>),
      );
      break;
  }
  return dedupe(errs);
}
