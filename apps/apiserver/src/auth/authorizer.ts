/**
 * The authorization step of every API call: `--authorization-mode` AlwaysAllow, or RBAC (the
 * roles and bindings in the store, kept current from the commit stream), with Node: the node
 * restriction (kube-apiserver's NodeRestriction admission) that lets a `system:node:<name>` user
 * modify only its own Node and its own node Lease.
 */
import type { KubeObject } from '@minimesh/api';
import type { StoredEvent } from '../store/store.js';
import { denied, forbidden } from './forbidden.js';
import { RbacPolicy, type RbacObject } from './rbac-authorizer.js';
import { BODY_NOT_READ, type RequestAttributes } from './request-attributes.js';
import { nodeNameOf } from './user-info.js';

export type AuthorizationMode = 'AlwaysAllow' | 'RBAC' | 'Node';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'Node', 'RBAC'];

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const isRbac = (o: KubeObject): o is RbacObject => RBAC_KINDS.has(o.kind);
const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export class RequestAuthorizer {
  private readonly objects = new Map<string, RbacObject>();
  private policy?: RbacPolicy;

  constructor(private readonly modes: readonly AuthorizationMode[]) {}

  get alwaysAllow(): boolean {
    return this.modes.includes('AlwaysAllow');
  }

  /** Seeds the RBAC objects (the store's, at start-up). */
  load(objects: Iterable<KubeObject>): void {
    for (const o of objects) if (isRbac(o)) this.objects.set(keyOf(o), o);
    this.policy = undefined;
  }

  /** Follows committed changes: the next request sees a new binding. */
  observe(events: StoredEvent[]): void {
    for (const ev of events) {
      if (!isRbac(ev.object)) continue;
      if (ev.type === 'DELETED') this.objects.delete(keyOf(ev.object));
      else this.objects.set(keyOf(ev.object), ev.object);
      this.policy = undefined;
    }
  }

  /** Throws the Kubernetes Forbidden error when the request is not allowed. */
  authorize(a: RequestAttributes): void {
    if (this.alwaysAllow) return;
    if (this.modes.includes('Node')) this.restrictNode(a);
    this.policy ??= new RbacPolicy(this.objects.values());
    if (!this.policy.allows(a)) throw forbidden(a);
  }

  /**
   * NodeRestriction: a node writes only its own Node and its own Lease in kube-node-lease. A create
   * is judged by the name in the object (a kubelet registers its own Node); before a REST body is
   * read (BODY_NOT_READ) only authorization runs, and the check comes again with the name.
   */
  private restrictNode(a: RequestAttributes): void {
    const node = nodeNameOf(a.user);
    if (node === undefined || !WRITES.has(a.verb)) return;
    if (a.verb === 'create' && a.objectName === BODY_NOT_READ) return;
    const target = a.verb === 'create' ? ((a.objectName as string | undefined) ?? '') : a.name;
    // Admission names the object written (kube-apiserver's NewForbidden(resource, name, err)).
    a = { ...a, name: target };
    if (a.resource === 'nodes' && a.apiGroup === '' && target !== node) {
      throw denied(a, target ? `node "${node}" is not allowed to modify node "${target}"` : `node "${node}" is not allowed to modify other nodes`);
    }
    if (a.resource === 'leases' && a.namespace === 'kube-node-lease' && target !== node) {
      throw denied(a, `node "${node}" is not allowed to modify lease "${target}"`);
    }
  }
}

export function parseAuthorizationModes(raw: string): AuthorizationMode[] {
  const modes = raw.split(',').map((m) => m.trim()).filter(Boolean);
  if (modes.length === 0) throw new Error('at least one authorization mode is required');
  for (const m of modes) {
    if (!AUTHORIZATION_MODES.includes(m as AuthorizationMode)) throw new Error(`authorization-mode "${m}" is not a known mode (${AUTHORIZATION_MODES.join(', ')})`);
  }
  if (modes.includes('AlwaysAllow') && modes.length > 1) throw new Error('AlwaysAllow cannot be combined with other modes');
  return modes as AuthorizationMode[];
}
