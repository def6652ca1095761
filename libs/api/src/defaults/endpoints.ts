/** SetDefaults_Endpoints and discovery/v1 SetDefaults_EndpointPort, on mutable copies. */
import { isSet, type JsonRecord } from '../validation/json-access.js';
import { zeroNullEntries } from './null-entries.js';

/** Endpoints: every subsets[].ports[].protocol defaults to TCP. */
export function defaultEndpointsInPlace(ep: JsonRecord): void {
  for (const ss of zeroNullEntries(ep.subsets)) {
    for (const port of zeroNullEntries(ss.ports)) {
      if (!isSet(port.protocol) || port.protocol === '') port.protocol = 'TCP';
    }
  }
}

/** EndpointSlice: every port gets name "" and protocol TCP when unset (both are pointers in discovery/v1). */
export function defaultEndpointSliceInPlace(slice: JsonRecord): void {
  zeroNullEntries(slice.endpoints);
  for (const port of zeroNullEntries(slice.ports)) {
    if (!isSet(port.name)) port.name = '';
    if (!isSet(port.protocol)) port.protocol = 'TCP';
  }
}
