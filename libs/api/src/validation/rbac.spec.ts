import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../types/rbac.js';
import { validateObject, validateObjectUpdate } from './validate-object.js';

const msgs = (errs: ReturnType<typeof validateObject>) => errs.map(formatFieldError);

describe('RBAC validation (pkg/apis/rbac/validation)', () => {
  it('takes names with colons, as path segments, and a complete rule', () => {
    const role: ClusterRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:node-proxier' },
      rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] }],
    };
    expect(validateObject(role)).toEqual([]);
  });

  it('requires verbs, groups and resources; namespaced roles take no non-resource URLs', () => {
    const role: Role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', namespace: 'default' },
      rules: [{ verbs: [] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    };
    expect(msgs(validateObject(role))).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
      'rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    ]);
  });

  it('checks the roleRef and the subjects of a binding', () => {
    const b: ClusterRoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: '' },
      subjects: [{ kind: 'Robot', name: 'x' }, { kind: 'ServiceAccount', name: 'sa' }, { kind: 'User', name: '' }],
    };
    expect(msgs(validateObject(b))).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'roleRef.name: Required value',
      'subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"',
      'subjects[1].namespace: Required value',
      'subjects[2].name: Required value',
      'subjects[2].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
    ]);
  });

  it('never lets a binding change its roleRef', () => {
    const old: RoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b', namespace: 'default', resourceVersion: '1', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
    };
    const next: RoleBinding = { ...old, roleRef: { ...old.roleRef, name: 'cluster-admin' } };
    expect(msgs(validateObjectUpdate(next, old))).toEqual([
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"cluster-admin"}: cannot change roleRef',
    ]);
  });
});
