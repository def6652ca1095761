/** The defaults MetalLB's CRD schema gives an IPAddressPool: autoAssign true, avoidBuggyIPs false. */
import { isRecord, isSet, type JsonRecord } from '../validation/json-access.js';

export function defaultIPAddressPoolInPlace(pool: JsonRecord): void {
  if (!isSet(pool.spec)) pool.spec = {};
  if (!isRecord(pool.spec)) return;
  if (!isSet(pool.spec.autoAssign)) pool.spec.autoAssign = true;
  if (!isSet(pool.spec.avoidBuggyIPs)) pool.spec.avoidBuggyIPs = false;
}
