/**
 * IP and CIDR validators over the sloppy parser (../net), worded as apimachinery's IsValidIP /
 * IsValidCIDR and core validation's ValidateNonSpecialIP (ValidateEndpointIP).
 */
import { field, type FieldError } from '../errors/field-error.js';
import { isIPv4Bytes, parseCIDRSloppy, parseIPSloppy, type IPBytes } from '../net/ip.js';

export const IP_ERROR_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const CIDR_ERROR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** IsValidIP. */
export function isValidIP(path: string, value: string): FieldError[] {
  return parseIPSloppy(value) ? [] : [field.invalid(path, value, IP_ERROR_MSG)];
}

/** IsValidIPv4Address (EndpointSlice IPv4 addresses). */
export function isValidIPv4Address(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  return ip && isIPv4Bytes(ip) ? [] : [field.invalid(path, value, 'must be a valid IPv4 address')];
}

/** IsValidIPv6Address (EndpointSlice IPv6 addresses). */
export function isValidIPv6Address(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  return ip && !isIPv4Bytes(ip) ? [] : [field.invalid(path, value, 'must be a valid IPv6 address')];
}

/** IsValidCIDR. */
export function isValidCIDR(path: string, value: string): FieldError[] {
  return parseCIDRSloppy(value) ? [] : [field.invalid(path, value, CIDR_ERROR_MSG)];
}

function isUnspecified(ip: IPBytes): boolean {
  const v4 = isIPv4Bytes(ip);
  for (let i = v4 ? 12 : 0; i < 16; i++) if (ip[i] !== 0) return false;
  return true;
}

function isLoopback(ip: IPBytes): boolean {
  if (isIPv4Bytes(ip)) return ip[12] === 127;
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) return false;
  return ip[15] === 1;
}

function isLinkLocalUnicast(ip: IPBytes): boolean {
  if (isIPv4Bytes(ip)) return ip[12] === 169 && ip[13] === 254;
  return ip[0] === 0xfe && (ip[1]! & 0xc0) === 0x80;
}

function isLinkLocalMulticast(ip: IPBytes): boolean {
  if (isIPv4Bytes(ip)) return ip[12] === 224 && ip[13] === 0 && ip[14] === 0;
  return ip[0] === 0xff && (ip[1]! & 0x0f) === 0x02;
}

/**
 * ValidateNonSpecialIP (ValidateEndpointIP): Endpoints / EndpointSlice addresses and externalIPs
 * may not be unspecified, loopback, link-local or link-local multicast.
 */
export function validateNonSpecialIP(value: string, path: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (!ip) return [field.invalid(path, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (isUnspecified(ip)) errs.push(field.invalid(path, value, `may not be unspecified (${value})`));
  if (isLoopback(ip)) errs.push(field.invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (isLinkLocalUnicast(ip)) errs.push(field.invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticast(ip)) errs.push(field.invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}
