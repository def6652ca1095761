/**
 * Who is asking: a user name and the groups it belongs to, as Kubernetes' user.Info. A client
 * certificate gives them as the subject's CN and O fields; a token file as its columns.
 */
import { NODES_GROUP, NODE_USER_PREFIX } from '@minimesh/api';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export { NODES_GROUP, SYSTEM_MASTERS } from '@minimesh/api';

/** Kubernetes' well-known names (k8s.io/apiserver/pkg/authentication/user). */
export const SYSTEM_AUTHENTICATED = 'system:authenticated';
export const SYSTEM_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';

export const ANONYMOUS: UserInfo = { name: ANONYMOUS_USER, groups: [SYSTEM_UNAUTHENTICATED] };

/** Every authenticated user is also in system:authenticated, as kube-apiserver adds it. */
export function authenticated(user: UserInfo): UserInfo {
  return user.groups.includes(SYSTEM_AUTHENTICATED) ? user : { ...user, groups: [...user.groups, SYSTEM_AUTHENTICATED] };
}

/** The node a `system:node:<name>` user in group system:nodes speaks for; undefined for any other user. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length) || undefined;
}
