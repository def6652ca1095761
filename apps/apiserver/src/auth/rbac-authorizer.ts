/**
 * RBAC: a request is allowed when some binding that names the user (or one of its groups) grants
 * a role with a rule covering it. ClusterRoleBindings grant everywhere; a RoleBinding grants only
 * in its own namespace, whether it refers to a Role there or to a ClusterRole. Nothing is ever
 * denied by a rule: what no rule allows is refused. Members of system:masters are always
 * allowed, as kube-apiserver's privileged-group authorizer does.
 *
 * The matching follows kubernetes/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go
 * (VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches) and
 * plugin/pkg/auth/authorizer/rbac/rbac.go (appliesTo for subjects).
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '@minimesh/api';
import type { RequestAttributes } from './request-attributes.js';
import { SYSTEM_MASTERS, type UserInfo } from './user-info.js';

export type RbacObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;

const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resourceOk = resources.some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
  if (!resourceOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== '' && names.includes(a.name));
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
    default:
      return false;
  }
}

/** The RBAC objects, indexed for lookups; rebuilt from the store's objects on every change. */
export class RbacPolicy {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly roleBindings: RoleBinding[] = [];
  private readonly clusterRoleBindings: ClusterRoleBinding[] = [];

  constructor(objects: Iterable<RbacObject>) {
    for (const o of objects) {
      switch (o.kind) {
        case 'Role':
          this.roles.set(`${o.metadata.namespace}/${o.metadata.name}`, o.rules ?? []);
          break;
        case 'ClusterRole':
          this.clusterRoles.set(o.metadata.name ?? '', o.rules ?? []);
          break;
        case 'RoleBinding':
          this.roleBindings.push(o);
          break;
        case 'ClusterRoleBinding':
          this.clusterRoleBindings.push(o);
          break;
      }
    }
  }

  allows(a: RequestAttributes): boolean {
    if (a.user.groups.includes(SYSTEM_MASTERS)) return true;
    for (const b of this.clusterRoleBindings) {
      if (b.roleRef?.kind !== 'ClusterRole' || !(b.subjects ?? []).some((s) => subjectMatches(s, a.user, ''))) continue;
      if ((this.clusterRoles.get(b.roleRef.name) ?? []).some((r) => ruleAllows(r, a))) return true;
    }
    if (a.namespace === '') return false;
    for (const b of this.roleBindings) {
      const ns = b.metadata.namespace ?? '';
      if (ns !== a.namespace || !(b.subjects ?? []).some((s) => subjectMatches(s, a.user, ns))) continue;
      const rules = b.roleRef?.kind === 'Role' ? this.roles.get(`${ns}/${b.roleRef.name}`) : b.roleRef?.kind === 'ClusterRole' ? this.clusterRoles.get(b.roleRef.name) : undefined;
      if ((rules ?? []).some((r) => ruleAllows(r, a))) return true;
    }
    return false;
  }
}
