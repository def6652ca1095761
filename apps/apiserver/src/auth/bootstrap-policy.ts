/**
 * The default roles and bindings, written at start-up as kube-apiserver's RBAC bootstrap does
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): created when missing, and put back to the
 * defaults when they carry `rbac.authorization.kubernetes.io/autoupdate: "true"` (set it to
 * "false" to keep local changes). One role per component, each allowed only what it needs:
 *
 * | identity (user or group)                 | role                              | may                                    |
 * |------------------------------------------|-----------------------------------|----------------------------------------|
 * | group system:masters (kubernetes-admin)  | cluster-admin                     | everything                             |
 * | group system:nodes (system:node:<name>)  | system:node                       | read what kube-proxy reads; write Nodes (only its own: the node restriction) |
 * | user system:kube-proxy                   | system:node-proxier               | read Services, Endpoints(Slices), Nodes |
 * | user system:minimesh:endpoints-controller| system:controller:endpoint-controller | read Services/Pods/Nodes; write Endpoints, EndpointSlices, Leases |
 * | user system:minimesh:dns                 | system:coredns (+ kube-dns registration in kube-system) | read only, except its own kube-dns Service |
 * | user system:minimesh:lb-controller       | metallb-system:controller         | read pools; write Services (the pool annotation) and their status, Leases |
 * | group system:minimesh:lb-speakers        | metallb-system:speaker            | read; write Service status (conditions), Leases |
 * | user system:minimesh:lb-proxy            | minimesh:lb-proxy                 | read Services, Nodes, EndpointSlices   |
 * | user system:minimesh:pod-registrar       | minimesh:pod-registrar            | read and create Namespaces; create, read, delete Pods and their status |
 *
 * Every component but DNS and the lb proxy may also create, update and patch Events.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '@minimesh/api';
import { COMPONENT_USERS, LB_SPEAKERS_GROUP, NODES_GROUP, RBAC_GROUP, SYSTEM_MASTERS } from '@minimesh/api';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const core = (resources: string[], verbs: string[]): PolicyRule => ({ apiGroups: [''], resources, verbs });
const group = (apiGroup: string, resources: string[], verbs: string[]): PolicyRule => ({ apiGroups: [apiGroup], resources, verbs });
const leases = group('coordination.k8s.io', ['leases'], [...READ, 'create', 'update', 'patch', 'delete']);
const slicesRead = group('discovery.k8s.io', ['endpointslices'], READ);
const poolsRead = group('metallb.io', ['ipaddresspools', 'l2advertisements'], READ);
/** kube-apiserver's eventsRule: components report Events (and count repeats up). */
const events: PolicyRule = { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'update', 'patch'] };

const meta = (name: string) => ({ name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } });
const clusterRole = (name: string, rules: PolicyRule[]): ClusterRole => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(name), rules });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const grp = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const clusterBinding = (role: string, subjects: Subject[]): ClusterRoleBinding => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: meta(role),
  roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
  subjects,
});

const DNS_REGISTRATION = 'system:minimesh:kube-dns-registration';

export function bootstrapPolicy(): Array<ClusterRole | ClusterRoleBinding | Role | RoleBinding> {
  const roles: ClusterRole[] = [
    clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]),
    clusterRole('system:node', [
      core(['nodes'], [...READ, 'create', 'update', 'patch', 'delete']),
      core(['nodes/status'], ['update', 'patch']),
      core(['services', 'endpoints', 'pods', 'namespaces'], READ),
      slicesRead,
      group('coordination.k8s.io', ['leases'], [...READ, 'create', 'update', 'patch']),
      events,
    ]),
    clusterRole('system:node-proxier', [core(['services', 'endpoints', 'nodes'], READ), slicesRead, events]),
    clusterRole('system:controller:endpoint-controller', [
      core(['services', 'pods', 'nodes', 'namespaces'], READ),
      core(['endpoints'], [...READ, ...WRITE]),
      group('discovery.k8s.io', ['endpointslices'], [...READ, ...WRITE]),
      leases,
      events,
    ]),
    clusterRole('system:coredns', [core(['endpoints', 'services', 'pods', 'namespaces'], READ), slicesRead]),
    clusterRole('metallb-system:controller', [
      core(['namespaces', 'nodes'], READ),
      // MetalLB's controller records the pool a Service's address came from in an annotation.
      core(['services'], [...READ, 'update', 'patch']),
      core(['services/status'], ['update', 'patch']),
      slicesRead,
      group('metallb.io', ['ipaddresspools', 'l2advertisements'], READ),
      group('metallb.io', ['ipaddresspools/status'], ['update', 'patch']),
      leases,
      events,
    ]),
    clusterRole('metallb-system:speaker', [
      core(['services', 'endpoints', 'nodes', 'namespaces'], READ),
      core(['services/status'], ['update', 'patch']),
      slicesRead,
      poolsRead,
      leases,
      events,
    ]),
    clusterRole('minimesh:lb-proxy', [core(['services', 'nodes', 'endpoints'], READ), slicesRead]),
    // The compose mesh's echo pods: a Pod registers itself (in its namespace, made when missing),
    // is replaced when its container restarts, and deletes itself when it stops.
    clusterRole('minimesh:pod-registrar', [core(['namespaces'], ['get', 'create']), core(['pods'], ['get', 'create', 'delete']), core(['pods/status'], ['update', 'patch'])]),
  ];
  const bindings: ClusterRoleBinding[] = [
    clusterBinding('cluster-admin', [grp(SYSTEM_MASTERS)]),
    clusterBinding('system:node', [grp(NODES_GROUP)]),
    clusterBinding('system:node-proxier', [user(COMPONENT_USERS.kubeProxy.name), grp(NODES_GROUP)]),
    clusterBinding('system:controller:endpoint-controller', [user(COMPONENT_USERS.endpointsController.name)]),
    clusterBinding('system:coredns', [user(COMPONENT_USERS.dns.name)]),
    clusterBinding('metallb-system:controller', [user(COMPONENT_USERS.lbController.name)]),
    clusterBinding('metallb-system:speaker', [grp(LB_SPEAKERS_GROUP)]),
    clusterBinding('minimesh:lb-proxy', [user(COMPONENT_USERS.lbProxy.name)]),
    clusterBinding('minimesh:pod-registrar', [user(COMPONENT_USERS.podRegistrar.name)]),
  ];
  // minimesh-dns keeps the kube-dns Service (kubeadm's manifest) in kube-system: that, and only
  // there. RBAC cannot limit `create` to one name, so the namespace is the bound.
  const dnsRole: Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { ...meta(DNS_REGISTRATION), namespace: 'kube-system' },
    rules: [core(['services'], ['create']), { ...core(['services'], ['get', 'update', 'patch']), resourceNames: ['kube-dns'] }],
  };
  const dnsBinding: RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { ...meta(DNS_REGISTRATION), namespace: 'kube-system' },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: DNS_REGISTRATION },
    subjects: [user(COMPONENT_USERS.dns.name)],
  };
  return [...roles, ...bindings, dnsRole, dnsBinding];
}
