import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { KubeObject } from '../types/object.js';
import { defaultObject } from '../defaults/default-object.js';
import { prepareForCreate } from '../strategy/prepare-for-create.js';
import { prepareForUpdate } from '../strategy/prepare-for-update.js';
import { prepareForStatusUpdate } from '../strategy/prepare-for-status-update.js';
import { validateObject, validateObjectUpdate, validateStatusUpdate } from './validate-object.js';
import { validateServiceIPFamilies } from './service-ip-families.js';
import { defaultServiceIPFamilyFields } from '../defaults/ip-families.js';

const run = (o: unknown) => validateObject(defaultObject(prepareForCreate(o as KubeObject))).map(formatFieldError);
const svc = (spec: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec, ...extra });

describe('malformed input gives field errors', () => {
  it.each([
    ['port as a string', svc({ ports: [{ port: '80' }] }), ['spec.ports[0].port: Invalid value: "80": got "string", expected "integer"']],
    ['port as a fraction', svc({ ports: [{ port: 80.5 }] }), ['spec.ports[0].port: Invalid value: 80.5: got "number", expected "integer"']],
    ['ports as a string', svc({ ports: '80' }), ['spec.ports: Invalid value: "80": got "string", expected "array"']],
    ['spec as a string', svc('oops'), ['spec: Invalid value: "oops": got "string", expected "object"']],
    ['targetPort as a boolean', svc({ ports: [{ port: 80, targetPort: true }] }), ['spec.ports[0].targetPort: Invalid value: true: got "boolean", expected "integer or string"']],
    ['selector value as a number', svc({ ports: [{ port: 80 }], selector: { app: 1 } }), ['spec.selector[app]: Invalid value: 1: got "integer", expected "string"']],
    ['labels as a list', svc({ ports: [{ port: 80 }] }, { metadata: { name: 'web', namespace: 'default', labels: ['a'] } }), ['metadata.labels: Invalid value: []string{"a"}: got "array", expected "object"']],
    [
      'several at once',
      svc({ ports: [{ port: '80', nodePort: 'x' }], clusterIPs: 'None' }),
      [
        'spec.ports[0].port: Invalid value: "80": got "string", expected "integer"',
        'spec.ports[0].nodePort: Invalid value: "x": got "string", expected "integer"',
        'spec.clusterIPs: Invalid value: "None": got "string", expected "array"',
      ],
    ],
    [
      'Endpoints address as a string',
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: ['1.2.3.4'] }] },
      ['subsets[0].addresses[0]: Invalid value: "1.2.3.4": got "string", expected "object"'],
    ],
  ])('%s', (_name, obj, want) => {
    expect(run(obj)).toEqual(want);
  });

  it.each([
    ['missing spec', svc(undefined), ['spec.ports: Required value']],
    ['null spec', svc(null), ['spec.ports: Required value']],
    [
      'null port entry (a zero port, as Go decodes it)',
      svc({ ports: [null] }),
      ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive', 'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ],
    ['missing metadata', { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80 }] } }, ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']],
    ['null container', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [null] } }, ['spec.containers[0].name: Required value']],
    ['Pod without spec', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' } }, ['spec.containers: Required value']],
    [
      'null subset',
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'default' }, subsets: [null] },
      ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'],
    ],
    ['null endpoint', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'default' }, addressType: 'IPv4', endpoints: [null] }, ['endpoints[0].addresses: Required value: must contain at least 1 address']],
  ])('%s', (_name, obj, want) => {
    expect(run(obj)).toEqual(want);
  });

  it('never throws, whatever the body', () => {
    const bodies: unknown[] = [
      svc(42),
      svc([1, 2]),
      svc({ ports: [1, 'a', [], {}] }),
      svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: 'x' }),
      svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }, { status: { loadBalancer: { ingress: 'x' } } }),
      svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }, { status: 'x' }),
      { apiVersion: 'v1', kind: 'Service', metadata: 'x', spec: null },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 5 } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDRs: [null, 3] }, status: { addresses: [null] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { containers: 'x' }, status: 'x' },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: null, subsets: 'x' },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {}, endpoints: [{ addresses: 'x' }], ports: [null] },
    ];
    for (const body of bodies) {
      const o = body as KubeObject;
      expect(() => {
        const d = defaultObject(prepareForCreate(o));
        validateObject(d);
        if (d.kind === 'Service') {
          validateServiceIPFamilies(d);
          defaultServiceIPFamilyFields(d);
        }
        validateObjectUpdate(defaultObject(prepareForUpdate(o, o)), o);
        validateStatusUpdate(defaultObject(prepareForStatusUpdate(o, o)), o);
      }).not.toThrow();
      expect(validateObject(defaultObject(o)).length).toBeGreaterThan(0);
    }
  });
});
