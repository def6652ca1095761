/**
 * DNS name validators, worded exactly as apimachinery's util/validation words them
 * (IsDNS1123Label, IsDNS1123Subdomain, IsDNS1035Label, IsFullyQualifiedDomainName), plus the
 * ValidateNameFunc family used for `metadata.name`.
 */
import { field, type FieldError } from '../errors/field-error.js';
import { byteLength } from './json-access.js';

/** `must be no more than N characters` (apimachinery MaxLenError). */
export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** `must be non-empty` (apimachinery EmptyError). */
export function emptyError(): string {
  return 'must be non-empty';
}

/**
 * apimachinery's RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 're')`.
 * Each example is followed by ", " and joined with " or ", hence the double space.
 */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

/** `must be between MIN and MAX, inclusive` (apimachinery InclusiveRangeError). */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123_LABEL_MAX_LENGTH = 63;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1035_LABEL_MAX_LENGTH = 63;
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

/** IsDNS1123Label: problems with `value` as an RFC 1123 label (empty list when valid). */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(value)) {
    // A valid subdomain that is not a valid label (the length was checked above) must have dots.
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** IsDNS1123Subdomain: problems with `value` as an RFC 1123 subdomain. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** IsDNS1035Label: problems with `value` as an RFC 1035 label (Service names). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!DNS1035_LABEL_RE.test(value)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

/** ValidateDNS1123Label: one Invalid error per problem, at `path`. */
export function validateDNS1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => field.invalid(path, value, msg));
}

/** ValidateDNS1123Subdomain: one Invalid error per problem, at `path`. */
export function validateDNS1123Subdomain(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((msg) => field.invalid(path, value, msg));
}

/**
 * IsFullyQualifiedDomainName (EndpointSlice FQDN addresses): a subdomain of at least two labels,
 * one trailing dot allowed. Stops at the first problem, as Kubernetes does.
 */
export function isFullyQualifiedDomainName(path: string, name: string): FieldError[] {
  if (name.length === 0) return [field.required(path)];
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(trimmed);
  if (sub.length) return [field.invalid(path, trimmed, sub.join(','))];
  const labels = trimmed.split('.');
  if (labels.length < 2) return [field.invalid(path, trimmed, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length) return [field.invalid(path, label, errs.join(','))];
  }
  return [];
}

/** A ValidateNameFunc: problems with a name; `prefix` is true for `generateName`. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** For generateName prefixes a trailing dash is allowed: apimachinery masks it before checking. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** NameIsDNSSubdomain: Pods, Nodes, Endpoints, EndpointSlices. */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** NameIsDNSLabel (ValidateNamespaceName): Namespaces, and `metadata.namespace` everywhere. */
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** NameIsDNS1035Label (ValidateServiceName): Services. */
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
