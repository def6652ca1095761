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
}

export function attributesOf(user: UserInfo, verb: Verb, kind: Kind, namespace: string, name = '', subresource = ''): RequestAttributes {
  const info = KINDS[kind];
  return { user, verb, apiGroup: info.group, resource: info.resource, subresource, namespace: info.namespaced ? namespace : '', name };
}
