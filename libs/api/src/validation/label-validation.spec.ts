import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import { isQualifiedName, isValidLabelValue, validateAnnotations, validateLabels } from './label-validation.js';

const NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('isQualifiedName', () => {
  it.each([
    ['app', []],
    ['App.Name_1', []],
    ['kubernetes.io/metadata.name', []],
    ['a'.repeat(63), []],
    ['', ['name part must be non-empty', `name part ${NAME_MSG}`]],
    ['-app', [`name part ${NAME_MSG}`]],
    ['app name', [`name part ${NAME_MSG}`]],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    ['/app', ['prefix part must be non-empty']],
    ['Example.com/app', [`prefix part ${SUBDOMAIN_MSG}`]],
    ['example.com/', ['name part must be non-empty', `name part ${NAME_MSG}`]],
    [
      'a/b/c',
      [`a qualified name ${NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
    ],
  ])('%j', (value, want) => expect(isQualifiedName(value)).toEqual(want));
});

describe('isValidLabelValue', () => {
  it.each([
    ['', []],
    ['web', []],
    ['my_value.1-x', []],
    ['-web', [VALUE_MSG]],
    ['web app', [VALUE_MSG]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
  ])('%j', (value, want) => expect(isValidLabelValue(value)).toEqual(want));
});

describe('validateLabels', () => {
  it('reports key and value problems at the map path, in insertion order', () => {
    expect(validateLabels({ good: 'ok', 'bad key': 'x', app: '-v' }, 'spec.selector').map(formatFieldError)).toEqual([
      `spec.selector: Invalid value: "bad key": name part ${NAME_MSG}`,
      `spec.selector: Invalid value: "-v": ${VALUE_MSG}`,
    ]);
  });
  it('accepts absent and empty maps', () => {
    expect(validateLabels(undefined, 'metadata.labels')).toEqual([]);
    expect(validateLabels({}, 'metadata.labels')).toEqual([]);
  });
});

describe('validateAnnotations', () => {
  it('lower-cases keys before checking them', () => {
    expect(validateAnnotations({ 'Example.com/Key': 'v' }, 'metadata.annotations')).toEqual([]);
  });
  it('caps the total size at 256 kB', () => {
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024) }, 'metadata.annotations').map(formatFieldError)).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, 'metadata.annotations')).toEqual([]);
  });
});
