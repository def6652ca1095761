/**
 * What a strategic merge patch needs to know of each kind: which lists merge instead of being
 * replaced, and by which key — the `patchStrategy`/`patchMergeKey` tags of Kubernetes' types
 * (k8s.io/api core/v1 and discovery/v1 types.go). Lists not named here are atomic: a patch
 * replaces them whole.
 *
 * Service ports merge by port and protocol (the list-map keys server-side apply uses), so that a
 * patch of `53/UDP` does not land on `53/TCP`; the older `patchMergeKey: port` alone is the
 * well-known strategic-merge-patch pitfall for services with both protocols on one port.
 */
import type { Kind } from '../types/object.js';

export interface ListStrategy {
  /** Member(s) identifying an item; absent for a merged list of primitives (a set union). */
  mergeKey?: string[];
  /** Defaults of key members a patch may leave out (`protocol: TCP`). */
  keyDefaults?: Record<string, string>;
  item?: PatchSchema;
}

export interface PatchSchema {
  fields?: Record<string, PatchSchema>;
  list?: ListStrategy;
}

const byType: PatchSchema = { list: { mergeKey: ['type'] } };

const objectMeta: PatchSchema = {
  fields: {
    finalizers: { list: {} },
    ownerReferences: { list: { mergeKey: ['uid'] } },
  },
};

const container: PatchSchema = {
  fields: {
    ports: { list: { mergeKey: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } } },
  },
};

export const PATCH_SCHEMAS: Record<Kind, PatchSchema> = {
  Namespace: { fields: { metadata: objectMeta, status: { fields: { conditions: byType } } } },
  Node: { fields: { metadata: objectMeta, status: { fields: { conditions: byType, addresses: byType } } } },
  Pod: {
    fields: {
      metadata: objectMeta,
      spec: {
        fields: {
          containers: { list: { mergeKey: ['name'], item: container } },
          initContainers: { list: { mergeKey: ['name'], item: container } },
        },
      },
      status: { fields: { conditions: byType, podIPs: { list: { mergeKey: ['ip'] } } } },
    },
  },
  Service: {
    fields: {
      metadata: objectMeta,
      spec: { fields: { ports: { list: { mergeKey: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } } } } },
      status: { fields: { conditions: byType } },
    },
  },
  Endpoints: { fields: { metadata: objectMeta } },
  EndpointSlice: { fields: { metadata: objectMeta } },
  Lease: { fields: { metadata: objectMeta } },
  // Custom resources (MetalLB's): no strategic merge patch, as for any CRD.
  IPAddressPool: { fields: { metadata: objectMeta } },
  L2Advertisement: { fields: { metadata: objectMeta } },
  // rules and subjects have no merge key in rbac/v1: a strategic patch replaces the list.
  Role: { fields: { metadata: objectMeta } },
  ClusterRole: { fields: { metadata: objectMeta } },
  RoleBinding: { fields: { metadata: objectMeta } },
  ClusterRoleBinding: { fields: { metadata: objectMeta } },
  Event: { fields: { metadata: objectMeta } },
};
