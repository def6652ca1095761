/**
 * What a request asks to do, in the terms RBAC rules are written in (k8s.io/apiserver's
 * authorizer.Attributes): a verb, an API group, a resource (plural) with an optional
 * subresource, a namespace and an object name.
 */
import { KINDS, type Kind } from '@minimesh/api';
import type { UserInfo } from './user-info.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

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
   * Undefined while the body is not read yet.
   */
  objectName?: string;
}

export function attributesOf(user: UserInfo, verb: Verb, kind: Kind, namespace: string, name = '', subresource = '', objectName?: string): RequestAttributes {
  const info = KINDS[kind];
  return { user, verb, apiGroup: info.group, resource: info.resource, subresource, namespace: info.namespaced ? namespace : '', name, ...(objectName !== undefined ? { objectName } : {}) };
}
