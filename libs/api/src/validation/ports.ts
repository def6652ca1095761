/** Port numbers and IANA service names, worded as apimachinery's IsValidPortNum / IsValidPortName. */
import { field, type FieldError } from '../errors/field-error.js';
import { inclusiveRangeError, maxLenError } from './dns.js';
import { byteLength } from './json-access.js';

/** IsValidPortNum: 1..65535. */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

const PORT_NAME_CHARSET_RE = /^[-a-z0-9]+$/;
const PORT_NAME_ONE_LETTER_RE = /[a-z]/;

/** IsValidPortName (IANA_SVC_NAME): at most 15 of [-a-z0-9], a letter, no `--`, no edge hyphen. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push(maxLenError(15));
  if (!PORT_NAME_CHARSET_RE.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!PORT_NAME_ONE_LETTER_RE.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** ValidatePortNumOrName (an intstr.IntOrString; absent reads as the integer 0). */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'string') return isValidPortName(port).map((msg) => field.invalid(path, port, msg));
  const n = typeof port === 'number' ? port : 0;
  return isValidPortNum(n).map((msg) => field.invalid(path, n, msg));
}

/** The protocols a port may use, as sets.List() orders them. */
export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

/** protocol: Required when empty, NotSupported when not TCP/UDP/SCTP. */
export function validateProtocol(protocol: string, path: string): FieldError[] {
  if (protocol === '') return [field.required(path)];
  if (!(SUPPORTED_PORT_PROTOCOLS as readonly string[]).includes(protocol)) return [field.notSupported(path, protocol, SUPPORTED_PORT_PROTOCOLS)];
  return [];
}
