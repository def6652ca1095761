import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import { validateServiceIPFamilies } from './service-ip-families.js';

function svc(spec: Record<string, unknown>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
  } as Service;
}

describe('validateServiceIPFamilies (single-stack IPv4 cluster)', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['nothing asked', {}, []],
    ['IPv4 asked', { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }, []],
    ['PreferDualStack settles for IPv4', { ipFamilyPolicy: 'PreferDualStack' }, []],
    ['an IPv4 clusterIP', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] }, []],
    ['IPv6 family', { ipFamilies: ['IPv6'] }, ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']],
    [
      'IPv6 as the second family',
      { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' },
      ['spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster'],
    ],
    ['an IPv6 clusterIP', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10'] }, ['spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster']],
    [
      'RequireDualStack',
      { ipFamilyPolicy: 'RequireDualStack' },
      ['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'],
    ],
    [
      'SingleStack with two families',
      { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'SingleStack' },
      ["spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"],
    ],
    [
      'two clusterIPs default to SingleStack',
      { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::10'] },
      [
        "spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
        'spec.clusterIPs[1]: Invalid value: []string{"10.96.0.10", "fd00::10"}: IPv6 is not configured on this cluster',
      ],
    ],
    ['headless selector-less may name IPv6', { clusterIP: 'None', clusterIPs: ['None'], selector: undefined, ipFamilies: ['IPv6'] }, []],
    ['headless with a selector may not', { clusterIP: 'None', clusterIPs: ['None'], ipFamilies: ['IPv6'] }, ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']],
    ['ExternalName is not concerned', { type: 'ExternalName', externalName: 'a.b', ipFamilies: ['IPv6'] }, []],
    ['left to validateObject when the fields are inconsistent', { ipFamilies: ['IPv7'] }, []],
  ])('%s', (_name, spec, want) => {
    expect(validateServiceIPFamilies(svc(spec)).map(formatFieldError)).toEqual(want);
  });

  it('on update, an omitted policy is the stored one', () => {
    const old = svc({ ipFamilyPolicy: 'RequireDualStack' });
    expect(validateServiceIPFamilies(svc({}), old).map(formatFieldError)).toEqual([
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
  });
});
