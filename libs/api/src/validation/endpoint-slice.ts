/** ValidateEndpointSlice (discovery.k8s.io/v1): addressType, endpoints and their addresses, ports. */
import { field, type FieldError } from '../errors/field-error.js';
import type { EndpointSlice } from '../types/discovery.js';
import { isFullyQualifiedDomainName, nameIsDNSSubdomain, validateDNS1123Label } from './dns.js';
import { isValidIPv4Address, isValidIPv6Address, validateNonSpecialIP } from './ip.js';
import { isSet, list, rec, str, strings } from './json-access.js';
import { validateQualifiedName } from './label-validation.js';
import { validateObjectMeta } from './object-meta.js';
import { SUPPORTED_PORT_PROTOCOLS } from './ports.js';

export const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
export const MAX_ENDPOINTS_PER_SLICE = 1000;
export const MAX_ADDRESSES_PER_ENDPOINT = 100;
export const MAX_PORTS_PER_SLICE = 100;

function validateAddressType(addressType: string): FieldError[] {
  if (addressType === '') return [field.required('addressType')];
  if (!(ADDRESS_TYPES as readonly string[]).includes(addressType)) return [field.notSupported('addressType', addressType, ADDRESS_TYPES)];
  return [];
}

function validateSliceEndpoints(endpoints: unknown, addressType: string): FieldError[] {
  const all = list(endpoints);
  if (all.length > MAX_ENDPOINTS_PER_SLICE) return [field.tooMany('endpoints', all.length, MAX_ENDPOINTS_PER_SLICE)];
  const errs: FieldError[] = [];
  all.map(rec).forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addrPath = `${path}.addresses`;
    const addresses = strings(ep.addresses);
    if (addresses.length === 0) errs.push(field.required(addrPath, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES_PER_ENDPOINT) errs.push(field.tooMany(addrPath, addresses.length, MAX_ADDRESSES_PER_ENDPOINT));
    addresses.forEach((address, j) => {
      const p = `${addrPath}[${j}]`;
      if (addressType === 'IPv4') errs.push(...isValidIPv4Address(p, address), ...validateNonSpecialIP(address, p));
      else if (addressType === 'IPv6') errs.push(...isValidIPv6Address(p, address), ...validateNonSpecialIP(address, p));
      else if (addressType === 'FQDN') errs.push(...isFullyQualifiedDomainName(p, address));
    });
    if (isSet(ep.nodeName)) {
      const nodeName = str(ep.nodeName);
      for (const msg of nameIsDNSSubdomain(nodeName, false)) errs.push(field.invalid(`${path}.nodeName`, nodeName, msg));
    }
    if (isSet(ep.hostname)) errs.push(...validateDNS1123Label(str(ep.hostname), `${path}.hostname`));
  });
  return errs;
}

function validateSlicePorts(ports: unknown): FieldError[] {
  const all = list(ports);
  if (all.length > MAX_PORTS_PER_SLICE) return [field.tooMany('ports', all.length, MAX_PORTS_PER_SLICE)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  all.map(rec).forEach((port, i) => {
    const path = `ports[${i}]`;
    const name = str(port.name);
    if (name !== '') errs.push(...validateDNS1123Label(name, `${path}.name`));
    if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    else names.add(name);
    if (!isSet(port.protocol)) errs.push(field.required(`${path}.protocol`));
    else if (!(SUPPORTED_PORT_PROTOCOLS as readonly string[]).includes(str(port.protocol))) {
      errs.push(field.notSupported(`${path}.protocol`, str(port.protocol), SUPPORTED_PORT_PROTOCOLS));
    }
    if (isSet(port.appProtocol)) errs.push(...validateQualifiedName(str(port.appProtocol), `${path}.appProtocol`));
  });
  return errs;
}

/** ValidateEndpointSlice (create). */
export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const s = rec(slice);
  const addressType = str(s.addressType);
  return [
    ...validateObjectMeta(s.metadata, true, nameIsDNSSubdomain),
    ...validateAddressType(addressType),
    ...validateSliceEndpoints(s.endpoints, addressType),
    ...validateSlicePorts(s.ports),
  ];
}

/** ValidateEndpointSliceUpdate: ValidateEndpointSlice, then addressType is immutable. */
export function validateEndpointSliceUpdate(slice: EndpointSlice, old: EndpointSlice): FieldError[] {
  const errs = validateEndpointSlice(slice);
  const addressType = str(rec(slice).addressType);
  if (addressType !== str(rec(old).addressType)) errs.push(field.invalid('addressType', addressType, 'field is immutable'));
  return errs;
}
