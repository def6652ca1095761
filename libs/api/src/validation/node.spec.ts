import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Node } from '../types/core.js';
import { validateObject, validateObjectUpdate, validateStatusUpdate } from './validate-object.js';

const CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

type Mutable = Node & { spec: any; status: any };

function node(): Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', resourceVersion: '5' },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
    status: {
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: 'node-1' },
      ],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

const cases: { name: string; mutate: (n: Mutable) => void; want: string[] }[] = [
  { name: 'valid', mutate: () => {}, want: [] },
  { name: 'no pod CIDR yet', mutate: (n) => (n.spec = {}), want: [] },
  { name: 'podCIDR a CIDR', mutate: (n) => (n.spec = { podCIDR: '10.244.1.0' }), want: [`spec.podCIDRs[0]: Invalid value: "10.244.1.0": ${CIDR}`] },
  { name: 'podCIDRs a CIDR', mutate: (n) => (n.spec = { podCIDRs: ['10.244.1.0/33'] }), want: [`spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": ${CIDR}`] },
  { name: 'dual-stack podCIDRs', mutate: (n) => (n.spec = { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] }), want: [] },
  {
    name: 'one podCIDR per family',
    mutate: (n) => (n.spec = { podCIDRs: ['10.244.1.0/24', '10.244.2.0/24'] }),
    want: ['spec.podCIDRs: Invalid value: []string{"10.244.1.0/24", "10.244.2.0/24"}: may specify no more than one CIDR for each IP family'],
  },
  {
    name: 'duplicate podCIDRs',
    mutate: (n) => (n.spec = { podCIDRs: ['10.244.1.0/24', '10.244.1.0/24'] }),
    want: [
      'spec.podCIDRs: Invalid value: []string{"10.244.1.0/24", "10.244.1.0/24"}: may specify no more than one CIDR for each IP family',
      'spec.podCIDRs[1]: Duplicate value: "10.244.1.0/24"',
    ],
  },
  {
    name: 'a bad CIDR among several',
    mutate: (n) => (n.spec = { podCIDRs: ['10.244.1.0/24', 'bogus'] }),
    want: [
      `spec.podCIDRs[1]: Invalid value: "bogus": ${CIDR}`,
      'spec.podCIDRs: Internal error: invalid PodCIDRs. failed to check with dual stack with error:invalid CIDR[1]: <nil> (invalid CIDR address: bogus)',
      'spec.podCIDRs: Invalid value: []string{"10.244.1.0/24", "bogus"}: may specify no more than one CIDR for each IP family',
    ],
  },
  {
    name: 'duplicate addresses',
    mutate: (n) => n.status.addresses.push({ type: 'InternalIP', address: '172.18.0.2' }),
    want: ['status.addresses[2]: Duplicate value: core.NodeAddress{Type:"InternalIP", Address:"172.18.0.2"}'],
  },
  { name: 'namespace forbidden', mutate: (n) => (n.metadata.namespace = 'default'), want: ['metadata.namespace: Forbidden: not allowed on this type'] },
];

describe('validateObject(Node)', () => {
  it.each(cases)('$name', ({ mutate, want }) => {
    const n = node();
    mutate(n);
    expect(validateObject(n).map(formatFieldError)).toEqual(want);
  });
});

describe('Node updates', () => {
  const POD_CIDR = 'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid';
  it.each([
    ['assigning a podCIDR', (o: Mutable) => (o.spec = {}), (_n: Mutable) => {}, []],
    ['keeping it', (_o: Mutable) => {}, (_n: Mutable) => {}, []],
    ['changing it', (_o: Mutable) => {}, (n: Mutable) => (n.spec = { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] }), [POD_CIDR]],
    ['removing it', (_o: Mutable) => {}, (n: Mutable) => (n.spec = {}), [POD_CIDR]],
    ['adding a second one', (_o: Mutable) => {}, (n: Mutable) => (n.spec = { podCIDRs: ['10.244.1.0/24', 'fd00::/64'] }), [POD_CIDR]],
    [
      'changing providerID',
      (o: Mutable) => (o.spec.providerID = 'kind://node-1'),
      (n: Mutable) => (n.spec.providerID = 'kind://node-2'),
      ['spec.providerID: Forbidden: node updates may not change providerID except from "" to valid'],
    ],
    ['setting providerID', (_o: Mutable) => {}, (n: Mutable) => (n.spec.providerID = 'kind://node-1'), []],
  ])('%s', (_name, mutateOld, mutateNew, want) => {
    const old = node();
    mutateOld(old);
    const next = node();
    mutateNew(next);
    expect(validateObjectUpdate(next, old).map(formatFieldError)).toEqual(want);
  });

  it('a status update also keeps the podCIDR rule', () => {
    const next = node();
    next.spec = { podCIDR: '10.244.9.0/24' };
    expect(validateStatusUpdate(next, node()).map(formatFieldError)).toEqual([POD_CIDR]);
  });
});

describe('node taints (validateNodeTaints)', () => {
  it('takes the cluster autoscaler\'s taint, and says what is wrong with bad ones', () => {
    const node = (taints: unknown[]) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints } }) as never;
    expect(validateObject(node([{ key: 'ToBeDeletedByClusterAutoscaler', value: '1700000000', effect: 'NoSchedule' }]))).toEqual([]);
    expect(validateObject(node([{ key: 'a b', effect: 'Sometimes' }, { key: 'k' }])).map(formatFieldError)).toEqual([
      expect.stringMatching(/^spec\.taints\[0\]\.key: Invalid value: "a b": name part must consist of/),
      'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"',
      'spec.taints[1].effect: Required value',
    ]);
  });
});
