import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import { isValidPortName, isValidPortNum, validatePortNumOrName, validateProtocol } from './ports.js';

describe('isValidPortNum', () => {
  it.each([
    [1, []],
    [80, []],
    [65535, []],
    [0, ['must be between 1 and 65535, inclusive']],
    [-1, ['must be between 1 and 65535, inclusive']],
    [65536, ['must be between 1 and 65535, inclusive']],
  ])('%d', (port, want) => expect(isValidPortNum(port)).toEqual(want));
});

describe('isValidPortName', () => {
  it.each([
    ['http', []],
    ['h2c', []],
    ['web-8080', []],
    ['a'.repeat(15), []],
    ['a'.repeat(16), ['must be no more than 15 characters']],
    ['Http', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
    ['8080', ['must contain at least one letter (a-z)']],
    ['', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['a--b', ['must not contain consecutive hyphens']],
    ['-ab', ['must not begin or end with a hyphen']],
    ['ab-', ['must not begin or end with a hyphen']],
    ['my_port', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
  ])('%j', (name, want) => expect(isValidPortName(name)).toEqual(want));
});

describe('validatePortNumOrName', () => {
  it.each([
    [8080, []],
    ['http', []],
    [undefined, ['p: Invalid value: 0: must be between 1 and 65535, inclusive']],
    [70000, ['p: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['80', ['p: Invalid value: "80": must contain at least one letter (a-z)']],
  ])('%j', (port, want) => expect(validatePortNumOrName(port, 'p').map(formatFieldError)).toEqual(want));
});

describe('validateProtocol', () => {
  it.each([
    ['TCP', []],
    ['UDP', []],
    ['SCTP', []],
    ['', ['p: Required value']],
    ['tcp', ['p: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"']],
  ])('%j', (protocol, want) => expect(validateProtocol(protocol, 'p').map(formatFieldError)).toEqual(want));
});
