import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Lease } from '../types/coordination.js';
import { validateObject, validateObjectUpdate } from './validate-object.js';

function lease(spec: Lease['spec'] = {}): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'endpoints-controller', namespace: 'kube-system', resourceVersion: '4' },
    spec: { holderIdentity: 'ec-1', leaseDurationSeconds: 15, acquireTime: '2024-01-02T03:04:05.000000Z', leaseTransitions: 0, ...spec },
  };
}

describe('validateObject(Lease)', () => {
  it.each<[string, Lease['spec'], string[]]>([
    ['valid', {}, []],
    ['leaseDurationSeconds > 0', { leaseDurationSeconds: 0 }, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']],
    ['leaseTransitions >= 0', { leaseTransitions: -1 }, ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0']],
    ['a duration of the wrong type', { leaseDurationSeconds: '15' as unknown as number }, ['spec.leaseDurationSeconds: Invalid value: "15": got "string", expected "integer"']],
  ])('%s', (_name, spec, want) => {
    expect(validateObject(lease(spec)).map(formatFieldError)).toEqual(want);
  });

  it('namespaced, named as a DNS subdomain', () => {
    const l = lease();
    l.metadata = { name: 'Bad_Name' };
    expect(validateObject(l).map(formatFieldError)).toEqual([
      "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'metadata.namespace: Required value',
    ]);
  });

  it('update: a new holder is fine, a new name is not', () => {
    expect(validateObjectUpdate(lease({ holderIdentity: 'ec-2', leaseTransitions: 1 }), lease())).toEqual([]);
    const renamed = lease();
    renamed.metadata.name = 'other';
    expect(validateObjectUpdate(renamed, lease()).map(formatFieldError)).toEqual(['metadata.name: Invalid value: "other": field is immutable']);
  });
});
