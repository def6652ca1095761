import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { IPAddressPool, L2Advertisement } from '../types/metallb.js';
import { validatePoolOverlaps } from './metallb.js';
import { validateObject } from './validate-object.js';

const pool = (name: string, addresses: string[], extra: Partial<IPAddressPool['spec']> = {}): IPAddressPool => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name, namespace: 'metallb-system' },
  spec: { addresses, autoAssign: true, ...extra },
});
const messages = (o: IPAddressPool | L2Advertisement) => validateObject(o).map(formatFieldError);

describe('MetalLB objects', () => {
  it('pools take CIDRs and ranges of either family', () => {
    expect(messages(pool('first', ['192.168.10.0/24', '192.168.9.1-192.168.9.5', 'fc00:f853:ccd:e799::/124']))).toEqual([]);
  });

  it('refuses bad entries and overlaps in MetalLB’s words', () => {
    expect(messages(pool('p', ['10.0.0.0/33', '10.0.1.9-10.0.1.1', '10.0.0.0/24', '10.0.0.128/25', 'x-y']))).toEqual([
      'spec.addresses[0]: Invalid value: "10.0.0.0/33": invalid CIDR "10.0.0.0/33" in pool "p": invalid CIDR address: 10.0.0.0/33',
      'spec.addresses[1]: Invalid value: "10.0.1.9-10.0.1.1": invalid IP range "10.0.1.9-10.0.1.1": start IP "10.0.1.9" is after the end IP "10.0.1.1"',
      'spec.addresses[3]: Invalid value: "10.0.0.128/25": CIDR "10.0.0.128/25" in pool "p" overlaps with already defined CIDR "10.0.0.0/24"',
      'spec.addresses[4]: Invalid value: "x-y": invalid IP range "x-y": invalid start IP "x"',
    ]);
    expect(messages(pool('empty', []))).toEqual(['spec.addresses: Required value: pool has no prefixes defined']);
  });

  it('a pool may not overlap another pool', () => {
    const other = pool('other', ['192.168.100.200-192.168.100.210']);
    expect(validatePoolOverlaps(pool('mine', ['192.168.100.208/29']), [other]).map(formatFieldError)).toEqual([
      'spec.addresses[0]: Invalid value: "192.168.100.208/29": CIDR "192.168.100.208/29" in pool "mine" overlaps with already defined CIDR "192.168.100.200-192.168.100.210" in pool "other"',
    ]);
    expect(validatePoolOverlaps(pool('other', ['192.168.100.200/30']), [other])).toEqual([]);
  });

  it('advertisements: pool names and selectors', () => {
    const adv: L2Advertisement = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'l2', namespace: 'metallb-system' },
      spec: { ipAddressPools: ['first'], nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': 'node1' } }, { matchExpressions: [{ key: 'zone', operator: 'In' }] }] },
    };
    expect(messages(adv)).toEqual(["spec.nodeSelectors[1].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]);
  });
});
