/**
 * normalizeClusterIPs (service storage): keep clusterIP and clusterIPs in step for clients that
 * set only the singular field. Must not consider any other field.
 */
import type { Service } from '../types/core.js';
import { isRecord, rec, sameStrings, str, strings } from '../validation/json-access.js';
import { cloneObject } from '../util/clone-object.js';

/**
 * On create (`old` undefined): clusterIP without clusterIPs gives clusterIPs [clusterIP].
 * On update: clusterIPs dropped with clusterIP unchanged are restored; clearing clusterIP with
 * clusterIPs unchanged clears clusterIPs; changing clusterIP with clusterIPs unchanged makes
 * clusterIPs [clusterIP] (which validation then rejects as a change). Returns a copy.
 */
export function normalizeClusterIPs<T extends Service>(svc: T, old?: Service): T {
  const copy = cloneObject(svc);
  const spec = rec(copy).spec;
  if (!isRecord(spec)) return copy;
  const clusterIP = str(spec.clusterIP);
  const clusterIPs = strings(spec.clusterIPs);

  if (!old) {
    if (clusterIP && clusterIPs.length === 0) spec.clusterIPs = [clusterIP];
    return copy;
  }
  const oldSpec = rec(rec(old).spec);
  const oldClusterIP = str(oldSpec.clusterIP);
  const oldClusterIPs = strings(oldSpec.clusterIPs);

  if (oldClusterIPs.length > 0 && clusterIPs.length === 0 && oldClusterIP === clusterIP) {
    spec.clusterIPs = [...oldClusterIPs];
  }
  if (oldClusterIP !== clusterIP) {
    const unchanged = sameStrings(oldClusterIPs, strings(spec.clusterIPs));
    if (oldClusterIP && !clusterIP) {
      if (unchanged) delete spec.clusterIPs;
    } else if (unchanged) {
      spec.clusterIPs = [clusterIP];
    }
  }
  return copy;
}
