/**
 * The 403 a denied request gets, worded as kube-apiserver words it
 * (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage, and
 * apierrors.NewForbidden): `services "web" is forbidden: User "bob" cannot update resource
 * "services" in API group "" in the namespace "default"`, or `... at the cluster scope`.
 */
import { AccessDeniedError } from '@minimesh/api';
import type { RequestAttributes } from './request-attributes.js';

function qualified(a: RequestAttributes): string {
  return a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
}

export function forbiddenMessage(a: RequestAttributes): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
}

/** A denial by the authorizer; `reason` (when there is one) follows the message after ": ". */
export function forbidden(a: RequestAttributes, reason = ''): AccessDeniedError {
  return denied(a, forbiddenMessage(a) + (reason ? `: ${reason}` : ''));
}

/** A denial with its own detail (admission's words, e.g. the node restriction). */
export function denied(a: RequestAttributes, detail: string): AccessDeniedError {
  const prefix = a.name ? `${qualified(a)} "${a.name}"` : qualified(a);
  return new AccessDeniedError(`${prefix} is forbidden: ${detail}`, { ...(a.name ? { name: a.name } : {}), group: a.apiGroup, kind: a.resource });
}
