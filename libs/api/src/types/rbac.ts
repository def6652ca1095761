import type { ObjectMeta } from './meta.js';

/**
 * rbac.authorization.k8s.io/v1: who may do what. A Role (namespaced) or ClusterRole lists rules;
 * a RoleBinding or ClusterRoleBinding grants a role to subjects. The shapes are Kubernetes'
 * (k8s.io/api/rbac/v1/types.go), so a manifest written for Kubernetes applies as it is.
 */
export interface PolicyRule {
  /** get, list, watch, create, update, patch, delete, deletecollection, or `*`. */
  verbs: string[];
  /** '' is the core group; `*` every group. */
  apiGroups?: string[];
  /** Plural resource names, `resource/subresource`, `*` or `*\/subresource`. */
  resources?: string[];
  /** Only these object names (not for list, watch, create or deletecollection). */
  resourceNames?: string[];
  /** Non-resource URLs (`/healthz`); kept for manifests, matched by the REST API only. */
  nonResourceURLs?: string[];
}

export interface Role {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role';
  metadata: ObjectMeta;
  rules?: PolicyRule[];
}

export interface ClusterRole {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: ObjectMeta;
  rules?: PolicyRule[];
}

/** User, Group or ServiceAccount (the last with a namespace). */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface RoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: ObjectMeta;
  subjects?: Subject[];
  roleRef: RoleRef;
}

export interface ClusterRoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRoleBinding';
  metadata: ObjectMeta;
  subjects?: Subject[];
  roleRef: RoleRef;
}
