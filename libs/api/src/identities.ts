/**
 * Who the components are to the apiserver: the user names and groups their client certificates
 * (CN, O) or tokens carry, and that the apiserver's default RBAC bindings name. One list, read by
 * the apiserver (its bootstrap policy) and by whoever issues identities (the local cluster tool).
 * The Kubernetes names (k8s.io/apiserver/pkg/authentication/user) are Kubernetes'.
 */
export const SYSTEM_MASTERS = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const LB_SPEAKERS_GROUP = 'system:minimesh:lb-speakers';

export interface Identity {
  name: string;
  groups: string[];
}

export const COMPONENT_USERS = {
  /** kubeadm's admin: everything, through group system:masters. */
  admin: { name: 'kubernetes-admin', groups: [SYSTEM_MASTERS] },
  kubeProxy: { name: 'system:kube-proxy', groups: [] as string[] },
  endpointsController: { name: 'system:minimesh:endpoints-controller', groups: [] as string[] },
  dns: { name: 'system:minimesh:dns', groups: [] as string[] },
  lbController: { name: 'system:minimesh:lb-controller', groups: [] as string[] },
  lbProxy: { name: 'system:minimesh:lb-proxy', groups: [] as string[] },
  /** The docker compose mesh's pods, registering themselves (what a user and a kubelet do together). */
  podRegistrar: { name: 'system:minimesh:pod-registrar', groups: [] as string[] },
} satisfies Record<string, Identity>;

/** The node agent on node `name` speaks for the node, as a kubelet does. */
export const nodeUser = (name: string): Identity => ({ name: `${NODE_USER_PREFIX}${name}`, groups: [NODES_GROUP] });
/** The lb speaker on node `name`. */
export const lbSpeakerUser = (node: string): Identity => ({ name: `system:minimesh:lb-speaker:${node}`, groups: [LB_SPEAKERS_GROUP] });
