/**
 * Validation of an object with very long lists (the apiserver takes messages up to 64 MB): every
 * error comes back, none of the error lists is spread into one call's arguments (that threw
 * "Maximum call stack size exceeded" past ~150,000 errors, an Endpoints update with 75,000 bad
 * addresses; see pushAll in util/arrays.ts).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types/object.js';
import { validateObject, validateObjectUpdate } from './validate-object.js';

const N = 200_000;

function endpoints(): KubeObject {
  const addresses = Array.from({ length: N }, () => ({ ip: 'bad' }));
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'big', namespace: 'default', resourceVersion: '1', uid: 'u1' },
    subsets: [{ addresses, ports: [{ port: 80, protocol: 'TCP' }] }],
  } as unknown as KubeObject;
}

describe(`validation of ${N.toLocaleString('en')} bad addresses`, () => {
  const ep = endpoints();

  it('create and update return every error', () => {
    const created = validateObject(ep);
    expect(created.length).toBeGreaterThanOrEqual(N);
    expect(created[0]?.field).toBe('subsets[0].addresses[0].ip');
    const updated = validateObjectUpdate(ep, ep);
    expect(updated).toHaveLength(created.length);
    expect(updated[updated.length - 1]?.field).toBe(`subsets[0].addresses[${N - 1}].ip`);
  });
}, 60_000);
