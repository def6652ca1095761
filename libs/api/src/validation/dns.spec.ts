import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isFullyQualifiedDomainName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
} from './dns.js';

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe('regexError', () => {
  it.each([
    [[], "m (regex used for validation is 'r')"],
    [['a'], "m (e.g. 'a', regex used for validation is 'r')"],
    [['a', 'b'], "m (e.g. 'a',  or 'b', regex used for validation is 'r')"],
    [['a', 'b', 'c'], "m (e.g. 'a',  or 'b',  or 'c', regex used for validation is 'r')"],
  ])('examples %j', (examples, want) => {
    expect(regexError('m', 'r', ...examples)).toBe(want);
  });
});

describe('isDNS1123Label', () => {
  it.each([
    ['a', []],
    ['my-name', []],
    ['123-abc', []],
    ['a'.repeat(63), []],
    ['', [LABEL_MSG]],
    ['-a', [LABEL_MSG]],
    ['a-', [LABEL_MSG]],
    ['My', [LABEL_MSG]],
    ['a_b', [LABEL_MSG]],
    ['a.b', ['must not contain dots']],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    [`${'a'.repeat(64)}.b`, ['must be no more than 63 characters', 'must not contain dots']],
  ])('%j', (value, want) => expect(isDNS1123Label(value)).toEqual(want));
});

describe('isDNS1123Subdomain', () => {
  it.each([
    ['example.com', []],
    ['a.b-c.d', []],
    ['a'.repeat(253), []],
    ['', [SUBDOMAIN_MSG]],
    ['a..b', [SUBDOMAIN_MSG]],
    ['.a', [SUBDOMAIN_MSG]],
    ['Example.com', [SUBDOMAIN_MSG]],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ])('%j', (value, want) => expect(isDNS1123Subdomain(value)).toEqual(want));
});

describe('isDNS1035Label', () => {
  it.each([
    ['my-svc', []],
    ['a1', []],
    ['1a', [DNS1035_MSG]],
    ['My_Svc', [DNS1035_MSG]],
    ['a.b', [DNS1035_MSG]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('%j', (value, want) => expect(isDNS1035Label(value)).toEqual(want));
});

describe('name validators', () => {
  it('treat generateName prefixes with a trailing dash as valid', () => {
    expect(nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(nameIsDNSLabel('web-', true)).toEqual([]);
    expect(nameIsDNS1035Label('web-', true)).toEqual([]);
    expect(nameIsDNS1035Label('web-', false)).toEqual([DNS1035_MSG]);
  });
  it('still check the rest of a prefix', () => {
    expect(nameIsDNS1035Label('1web-', true)).toEqual([DNS1035_MSG]);
  });
});

describe('isFullyQualifiedDomainName', () => {
  it.each([
    ['example.com', []],
    ['example.com.', []],
    ['', ['endpoints[0].addresses[0]: Required value']],
    ['localhost', ['endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots']],
    ['Example.com', [`endpoints[0].addresses[0]: Invalid value: "Example.com": ${SUBDOMAIN_MSG}`]],
    [
      `${'a'.repeat(64)}.com`,
      [`endpoints[0].addresses[0]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`],
    ],
  ])('%j', (value, want) => expect(isFullyQualifiedDomainName('endpoints[0].addresses[0]', value).map(formatFieldError)).toEqual(want));
});
