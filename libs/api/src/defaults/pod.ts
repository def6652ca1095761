/** Pod defaults: container ports are TCP (SetDefaults_ContainerPort); a Pod without a phase is Pending. */
import { isRecord, isSet, type JsonRecord } from '../validation/json-access.js';
import { zeroNullEntries } from './null-entries.js';

export function defaultPodInPlace(pod: JsonRecord): void {
  if (!isSet(pod.spec)) pod.spec = {};
  if (isRecord(pod.spec)) {
    for (const list of [pod.spec.containers, pod.spec.initContainers]) {
      for (const c of zeroNullEntries(list)) {
        for (const port of zeroNullEntries(c.ports)) {
          if (!isSet(port.protocol) || port.protocol === '') port.protocol = 'TCP';
        }
      }
    }
  }
  if (!isSet(pod.status)) pod.status = {};
  if (isRecord(pod.status) && (!isSet(pod.status.phase) || pod.status.phase === '')) pod.status.phase = 'Pending';
}
