/**
 * What a request asks to do, in the terms RBAC rules are written in (k8s.io/apiserver's
 * authorizer.Attributes): a verb, an API group, a resource (plural) with an optional
 * subresource, a namespace and an object name.
 */
import { KINDS, type Kind } from '@minimesh/api';
import type { UserInfo } from './user-info.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** A create checked before its body is read: NodeRestriction waits for the name (checked again with it). */
export const BODY_NOT_READ = Symbol('body not read');

export interface RequestAttributes {
  user: UserInfo;
  verb: Verb;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /**
   * For a create, the name in the object written. Authorization sees no name on a create (as in
   * Kubernetes, so RBAC resourceNames never allow one); the NodeRestriction check reads this.
   * `BODY_NOT_READ` before a REST body is read (the check runs again with the name); a create
   * without it counts as a nameless object.
   */
  objectName?: string | typeof BODY_NOT_READ;
}

export function attributesOf(user: UserInfo, verb: Verb, kind: Kind, namespace: string, name = '', subresource = '', objectName?: string | typeof BODY_NOT_READ): RequestAttributes {
  const info = KINDS[kind];
  return { user, verb, apiGroup: info.group, resource: info.resource, subresource, namespace: info.namespaced ? namespace : '', name, ...(objectName !== undefined ? { objectName } : {}) };
}
