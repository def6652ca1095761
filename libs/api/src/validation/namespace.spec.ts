import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Namespace } from '../types/core.js';
import { validateObject, validateStatusUpdate } from './validate-object.js';

function ns(): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study', resourceVersion: '2' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

describe('validateObject(Namespace)', () => {
  it.each([
    [['kubernetes'], []],
    [['example.com/cleanup'], []],
    [['cleanup'], ['spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified']],
    [
      ['a/b/c'],
      [
        'spec.finalizers: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\') with an optional DNS subdomain prefix and \'/\' (e.g. \'example.com/MyName\')',
      ],
    ],
  ])('finalizers %j', (finalizers, want) => {
    const n = ns();
    n.spec = { finalizers };
    expect(validateObject(n).map(formatFieldError)).toEqual(want);
  });
});

describe('Namespace status updates', () => {
  it.each([
    [undefined, 'Active', []],
    [undefined, 'Terminating', ['status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty']],
    ['2024-05-06T07:08:09Z', 'Terminating', []],
    ['2024-05-06T07:08:09Z', 'Active', ['status.Phase: Invalid value: "Active": may only be \'Terminating\' if `deletionTimestamp` is not empty']],
  ])('deletionTimestamp %j, phase %s', (deletionTimestamp, phase, want) => {
    const old = ns();
    old.metadata.deletionTimestamp = deletionTimestamp;
    const next = ns();
    next.metadata.deletionTimestamp = deletionTimestamp;
    next.status = { phase };
    expect(validateStatusUpdate(next, old).map(formatFieldError)).toEqual(want);
  });
});
