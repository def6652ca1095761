/**
 * defaultObject: what Kubernetes' v1 defaulters do to an object as it is decoded, per kind.
 * Returns a defaulted deep copy; the input is not touched. Fields of the wrong JSON type are left
 * as they are, for validation to report.
 */
import type { KubeObject } from '../types/object.js';
import { isRecord, type JsonRecord } from '../validation/json-access.js';
import { defaultEndpointSliceInPlace, defaultEndpointsInPlace } from './endpoints.js';
import { defaultIPAddressPoolInPlace } from './metallb.js';
import { defaultNamespaceInPlace } from './namespace.js';
import { defaultPodInPlace } from './pod.js';
import { defaultServiceInPlace } from './service.js';
import { cloneObject } from '../util/clone-object.js';

const DEFAULTERS: Record<string, (obj: JsonRecord) => void> = {
  Service: defaultServiceInPlace,
  Endpoints: defaultEndpointsInPlace,
  EndpointSlice: defaultEndpointSliceInPlace,
  Pod: defaultPodInPlace,
  Namespace: defaultNamespaceInPlace,
  IPAddressPool: defaultIPAddressPoolInPlace,
  // Node: nothing to default.
};

export function defaultObject<T extends KubeObject>(obj: T): T {
  const copy = cloneObject(obj);
  if (!isRecord(copy)) return copy;
  const defaulter = DEFAULTERS[String((copy as JsonRecord).kind)];
  if (defaulter) defaulter(copy as JsonRecord);
  return copy;
}
