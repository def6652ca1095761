/** ValidateEndpoints: subsets with addresses (valid, non-special IPs) and ports. */
import { field, type FieldError } from '../errors/field-error.js';
import type { Endpoints } from '../types/core.js';
import { nameIsDNSSubdomain, validateDNS1123Label } from './dns.js';
import { isValidIP, validateNonSpecialIP } from './ip.js';
import { isSet, list, num, rec, str, type JsonRecord } from './json-access.js';
import { validateQualifiedName } from './label-validation.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { isValidPortNum, validateProtocol } from './ports.js';

function validateEndpointAddress(addr: JsonRecord, path: string): FieldError[] {
  const ip = str(addr.ip);
  const errs = [...isValidIP(`${path}.ip`, ip)];
  const hostname = str(addr.hostname);
  if (hostname) errs.push(...validateDNS1123Label(hostname, `${path}.hostname`));
  if (isSet(addr.nodeName)) {
    const nodeName = str(addr.nodeName);
    for (const msg of nameIsDNSSubdomain(nodeName, false)) errs.push(field.invalid(`${path}.nodeName`, nodeName, msg));
  }
  errs.push(...validateNonSpecialIP(ip, `${path}.ip`));
  return errs;
}

/** validateEndpointPort (shared with nothing else: Endpoints ports need a name only when there are several). */
function validateEndpointPort(port: JsonRecord, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && name === '') errs.push(field.required(`${path}.name`));
  else if (name !== '') errs.push(...validateDNS1123Label(name, `${path}.name`));
  const n = num(port.port);
  for (const msg of isValidPortNum(n)) errs.push(field.invalid(`${path}.port`, n, msg));
  errs.push(...validateProtocol(str(port.protocol), `${path}.protocol`));
  if (isSet(port.appProtocol)) errs.push(...validateQualifiedName(str(port.appProtocol), `${path}.appProtocol`));
  return errs;
}

function validateEndpointSubsets(subsets: unknown): FieldError[] {
  const errs: FieldError[] = [];
  list(subsets)
    .map(rec)
    .forEach((ss, i) => {
      const path = `subsets[${i}]`;
      const addresses = list(ss.addresses).map(rec);
      const notReady = list(ss.notReadyAddresses).map(rec);
      const ports = list(ss.ports).map(rec);
      if (addresses.length === 0 && notReady.length === 0) errs.push(field.required(path, 'must specify `addresses` or `notReadyAddresses`'));
      addresses.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${path}.addresses[${j}]`)));
      notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${path}.notReadyAddresses[${j}]`)));
      ports.forEach((p, j) => errs.push(...validateEndpointPort(p, ports.length > 1, `${path}.ports[${j}]`)));
    });
  return errs;
}

/** ValidateEndpoints (create, and the second half of an update). */
export function validateEndpoints(ep: Endpoints): FieldError[] {
  return [...validateObjectMeta(rec(ep).metadata, true, nameIsDNSSubdomain), ...validateEndpointSubsets(rec(ep).subsets)];
}

/** ValidateEndpointsUpdate: metadata update rules, then ValidateEndpoints. */
export function validateEndpointsUpdate(ep: Endpoints, old: Endpoints): FieldError[] {
  return [...validateObjectMetaUpdate(rec(ep).metadata, rec(old).metadata), ...validateEndpoints(ep)];
}
