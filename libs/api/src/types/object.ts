import type { Endpoints, Namespace, Node, Pod, Service } from './core.js';
import type { EndpointSlice } from './discovery.js';
import type { Lease } from './coordination.js';
import type { Event } from './event.js';
import type { IPAddressPool, L2Advertisement } from './metallb.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './rbac.js';

/** Every object the API serves. `kind` discriminates. */
export type KubeObject = Namespace | Node | Pod | Service | Endpoints | EndpointSlice | Lease | IPAddressPool | L2Advertisement
  | Role | ClusterRole | RoleBinding | ClusterRoleBinding | Event;
export type Kind = KubeObject['kind'];
export type ObjectOfKind<K extends Kind> = Extract<KubeObject, { kind: K }>;

/** What the API knows of a kind: its REST names and scope, as `kubectl api-resources` shows them. */
export interface KindInfo {
  kind: Kind;
  apiVersion: string;
  /** Plural resource name, used in messages: `services "x" not found`. */
  resource: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** Group for messages (`endpointslices.discovery.k8s.io "x" not found`); '' for core. */
  group: string;
  /** A custom resource (a CRD in Kubernetes): JSON and merge patches only. */
  custom?: boolean;
}

export const KINDS: Record<Kind, KindInfo> = {
  Namespace: { kind: 'Namespace', apiVersion: 'v1', resource: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false, group: '' },
  Node: { kind: 'Node', apiVersion: 'v1', resource: 'nodes', singular: 'node', shortNames: ['no'], namespaced: false, group: '' },
  Pod: { kind: 'Pod', apiVersion: 'v1', resource: 'pods', singular: 'pod', shortNames: ['po'], namespaced: true, group: '' },
  Service: { kind: 'Service', apiVersion: 'v1', resource: 'services', singular: 'service', shortNames: ['svc'], namespaced: true, group: '' },
  Endpoints: { kind: 'Endpoints', apiVersion: 'v1', resource: 'endpoints', singular: 'endpoints', shortNames: ['ep'], namespaced: true, group: '' },
  EndpointSlice: {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    resource: 'endpointslices',
    singular: 'endpointslice',
    shortNames: [],
    namespaced: true,
    group: 'discovery.k8s.io',
  },
  Lease: {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    resource: 'leases',
    singular: 'lease',
    shortNames: [],
    namespaced: true,
    group: 'coordination.k8s.io',
  },
  IPAddressPool: {
    kind: 'IPAddressPool',
    apiVersion: 'metallb.io/v1beta1',
    resource: 'ipaddresspools',
    singular: 'ipaddresspool',
    shortNames: [],
    namespaced: true,
    group: 'metallb.io',
    custom: true,
  },
  L2Advertisement: {
    kind: 'L2Advertisement',
    apiVersion: 'metallb.io/v1beta1',
    resource: 'l2advertisements',
    singular: 'l2advertisement',
    shortNames: [],
    namespaced: true,
    group: 'metallb.io',
    custom: true,
  },
  Role: {
    kind: 'Role',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    resource: 'roles',
    singular: 'role',
    shortNames: [],
    namespaced: true,
    group: 'rbac.authorization.k8s.io',
  },
  ClusterRole: {
    kind: 'ClusterRole',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    resource: 'clusterroles',
    singular: 'clusterrole',
    shortNames: [],
    namespaced: false,
    group: 'rbac.authorization.k8s.io',
  },
  RoleBinding: {
    kind: 'RoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    resource: 'rolebindings',
    singular: 'rolebinding',
    shortNames: [],
    namespaced: true,
    group: 'rbac.authorization.k8s.io',
  },
  ClusterRoleBinding: {
    kind: 'ClusterRoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    resource: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    shortNames: [],
    namespaced: false,
    group: 'rbac.authorization.k8s.io',
  },
  Event: { kind: 'Event', apiVersion: 'v1', resource: 'events', singular: 'event', shortNames: ['ev'], namespaced: true, group: '' },
};

export const ALL_KINDS = Object.keys(KINDS) as Kind[];

export function isKind(value: string): value is Kind {
  return Object.prototype.hasOwnProperty.call(KINDS, value);
}

/** `services`, or `endpointslices.discovery.k8s.io` for grouped kinds: the name Kubernetes puts in messages. */
export function qualifiedResource(kind: Kind): string {
  const info = KINDS[kind];
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** Resolves what a user types (`svc`, `services`, `Service`, `endpointslices.discovery.k8s.io`) to a kind. */
export function kindFromResourceName(name: string): Kind | undefined {
  const lower = name.toLowerCase();
  for (const info of Object.values(KINDS)) {
    if (
      lower === info.resource ||
      lower === info.singular ||
      lower === info.kind.toLowerCase() ||
      info.shortNames.includes(lower) ||
      (info.group !== '' && (lower === `${info.resource}.${info.group}` || lower === `${info.singular}.${info.group}`))
    ) {
      return info.kind;
    }
  }
  return undefined;
}

/** The storage key of an object: `namespace/name`, or `name` for cluster-scoped kinds. */
export function objectKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata.namespace ?? '';
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}
