/**
 * prepareForUpdate: what the registry does to an updated object before validation. Status is
 * only written through /status, so it is kept from the stored object.
 */
import type { Service } from '../types/core.js';
import type { KubeObject } from '../types/object.js';
import { isRecord, rec, type JsonRecord } from '../validation/json-access.js';
import { dropTypeDependentFields } from './drop-type-dependent-fields.js';
import { copyField, keepServerMetadata } from './keep-server-metadata.js';
import { normalizeClusterIPs } from './normalize-cluster-ips.js';
import { patchAllocatedValues } from './patch-allocated-values.js';
import { cloneObject } from '../util/clone-object.js';

/**
 * Every kind: uid, creationTimestamp (and a missing resourceVersion) from the stored object.
 * Service, Pod, Node: status from the stored object. Namespace: status and spec.finalizers from
 * the stored object. Service also: patchAllocatedValues, normalizeClusterIPs, then
 * dropTypeDependentFields (Kubernetes' order). Returns a copy.
 */
export function prepareForUpdate<T extends KubeObject>(obj: T, old: KubeObject): T {
  const copy = cloneObject(obj);
  if (!isRecord(copy)) return copy;
  const o = copy as JsonRecord;
  keepServerMetadata(o, old);
  switch (o.kind) {
    case 'Service': {
      copyField(o, old, 'status');
      const oldSvc = old as unknown as Service;
      let svc = patchAllocatedValues(copy as Service, oldSvc);
      svc = normalizeClusterIPs(svc, oldSvc);
      svc = dropTypeDependentFields(svc, oldSvc);
      return svc as unknown as T;
    }
    case 'Pod':
    case 'Node':
      copyField(o, old, 'status');
      return copy;
    case 'Namespace': {
      copyField(o, old, 'status');
      const oldFinalizers = rec(rec(old).spec).finalizers;
      if (oldFinalizers !== undefined || isRecord(o.spec)) {
        if (!isRecord(o.spec)) o.spec = {};
        copyField(o.spec as JsonRecord, rec(old).spec, 'finalizers');
      }
      return copy;
    }
    default:
      return copy;
  }
}
