/**
 * prepareForCreate: what the registry's strategies do to a new object before validation.
 * (uid, creationTimestamp, resourceVersion and generated names are the server's, not set here.)
 */
import type { Service } from '../types/core.js';
import type { KubeObject } from '../types/object.js';
import { isRecord, type JsonRecord } from '../validation/json-access.js';
import { normalizeClusterIPs } from './normalize-cluster-ips.js';
import { cloneObject } from '../util/clone-object.js';

/**
 * Service: status cleared (it can only be written through /status) and clusterIPs filled from
 * clusterIP. Namespace: created Active. Other kinds: unchanged. Returns a copy.
 */
export function prepareForCreate<T extends KubeObject>(obj: T): T {
  const copy = cloneObject(obj);
  if (!isRecord(copy)) return copy;
  const o = copy as JsonRecord;
  switch (o.kind) {
    case 'Service': {
      o.status = { loadBalancer: {} };
      return normalizeClusterIPs(copy as Service) as unknown as T;
    }
    case 'Namespace':
      o.status = { phase: 'Active' };
      return copy;
    default:
      return copy;
  }
}
