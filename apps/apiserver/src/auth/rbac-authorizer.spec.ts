import { describe, expect, it } from 'vitest';
import { RbacPolicy, ruleAllows } from './rbac-authorizer.js';
import type { RequestAttributes } from './request-attributes.js';
import { TokenFile } from './token-file.js';

const attrs = (over: Partial<RequestAttributes>): RequestAttributes => ({
  user: { name: 'bob', groups: ['dev', 'system:authenticated'] },
  verb: 'get',
  apiGroup: '',
  resource: 'services',
  subresource: '',
  namespace: 'default',
  name: 'web',
  ...over,
});

describe('RBAC rule matching (evaluation_helpers.go)', () => {
  it('matches verbs, groups, resources, subresources and names as Kubernetes does', () => {
    const rule = { verbs: ['get', 'update'], apiGroups: [''], resources: ['services', 'services/status'], resourceNames: ['web'] };
    expect(ruleAllows(rule, attrs({}))).toBe(true);
    expect(ruleAllows(rule, attrs({ verb: 'update', subresource: 'status' }))).toBe(true);
    expect(ruleAllows(rule, attrs({ name: 'db' }))).toBe(false);
    expect(ruleAllows(rule, attrs({ verb: 'list', name: '' }))).toBe(false);
    expect(ruleAllows(rule, attrs({ apiGroup: 'discovery.k8s.io' }))).toBe(false);
    expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*/status'] }, attrs({ subresource: 'status' }))).toBe(true);
    expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*/status'] }, attrs({}))).toBe(false);
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['services'] }, attrs({ subresource: 'status' }))).toBe(false);
  });

  it('grants through ClusterRoleBindings everywhere and RoleBindings in their namespace, to users, groups and service accounts', () => {
    const policy = new RbacPolicy([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'read' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['services'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'edit', namespace: 'team' }, rules: [{ verbs: ['update'], apiGroups: [''], resources: ['services'] }] },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'b1', namespace: 'team' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', name: 'ci' }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'b2' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'read' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'dev' }],
      },
    ]);
    expect(policy.allows(attrs({ namespace: 'anywhere' }))).toBe(true);
    expect(policy.allows(attrs({ verb: 'list', name: '', namespace: '' }))).toBe(true);
    expect(policy.allows(attrs({ verb: 'update' }))).toBe(false);
    const ci = { name: 'system:serviceaccount:team:ci', groups: [] };
    expect(policy.allows(attrs({ user: ci, verb: 'update', namespace: 'team' }))).toBe(true);
    expect(policy.allows(attrs({ user: ci, verb: 'update', namespace: 'default' }))).toBe(false);
    expect(policy.allows(attrs({ user: { name: 'root', groups: ['system:masters'] }, verb: 'delete' }))).toBe(true);
  });
});

describe('token file (kube-apiserver --token-auth-file)', () => {
  it('reads token,user,uid,"groups" lines, skipping comments and blank lines', () => {
    const f = TokenFile.parse('# comment\n\nt1,alice,u1,"a,b"\nt2,bob,\n');
    expect(f.lookup('t1')).toEqual({ name: 'alice', uid: 'u1', groups: ['a', 'b'] });
    expect(f.lookup('t2')).toEqual({ name: 'bob', groups: [] });
    expect(f.lookup('t3')).toBeUndefined();
  });

  it('names the line of a bad entry', () => {
    expect(() => TokenFile.parse('t1,alice,u1\nonlytoken\n', 'tokens.csv')).toThrow('tokens.csv, line 2: expected token,user,uid[,"groups"]');
    expect(() => TokenFile.parse('t1,alice,u1\nt1,bob,u2\n', 'tokens.csv')).toThrow('tokens.csv, line 2: duplicate token');
    expect(() => TokenFile.parse('t1,alice,u1,"a\n', 'tokens.csv')).toThrow('tokens.csv, line 1: unterminated quote');
  });
});
