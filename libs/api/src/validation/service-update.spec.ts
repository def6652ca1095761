import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import { validateObjectUpdate, validateStatusUpdate } from './validate-object.js';

type Mutable = Service & { metadata: any; spec: any; status?: any };

/** A stored (defaulted, allocated) ClusterIP Service. */
function stored(): Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '12', creationTimestamp: '2024-01-02T03:04:05Z' },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      clusterIP: '10.96.0.5',
      clusterIPs: ['10.96.0.5'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  } as Mutable;
}

function storedLB(): Mutable {
  const s = stored();
  Object.assign(s.spec, { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true });
  s.spec.ports[0].nodePort = 30080;
  return s;
}

const update = (next: Service, old: Service) => validateObjectUpdate(next, old).map(formatFieldError);

describe('validateObjectUpdate(Service)', () => {
  it.each<[string, () => Mutable, (s: Mutable) => void, string[]]>([
    ['unchanged', stored, () => {}, []],
    [
      'clusterIPs may not change once set',
      stored,
      (s) => Object.assign(s.spec, { clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.6'] }),
      ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.6"}: may not change once set'],
    ],
    [
      'primary clusterIP can not be unset',
      stored,
      (s) => {
        delete s.spec.clusterIP;
        delete s.spec.clusterIPs;
      },
      ['spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset'],
    ],
    [
      'ClusterIP to headless is a change',
      stored,
      (s) => Object.assign(s.spec, { clusterIP: 'None', clusterIPs: ['None'] }),
      ['spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set'],
    ],
    [
      'adding a secondary clusterIP with a changed primary',
      stored,
      (s) => Object.assign(s.spec, { clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7', 'fd00::7'], ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }),
      ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.7", "fd00::7"}: may not change once set'],
    ],
    [
      'ipFamilies may not change once set',
      stored,
      (s) => Object.assign(s.spec, { clusterIP: 'fd00::5', clusterIPs: ['fd00::5'], ipFamilies: ['IPv6'] }),
      ['spec.clusterIPs[0]: Invalid value: []string{"fd00::5"}: may not change once set', 'spec.ipFamilies[0]: Invalid value: []core.IPFamily{"IPv6"}: may not change once set'],
    ],
    [
      'to ExternalName, with clusterIPs cleared, is allowed',
      stored,
      (s) => {
        s.spec = { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None', ports: s.spec.ports, selector: s.spec.selector };
      },
      [],
    ],
    [
      'loadBalancerClass may not change once set',
      () => {
        const s = storedLB();
        s.spec.loadBalancerClass = 'example.com/a';
        return s;
      },
      (s) => (s.spec.loadBalancerClass = 'example.com/b'),
      ['spec.loadBalancerClass: Invalid value: "example.com/b": may not change once set'],
    ],
    ['loadBalancerClass may not be added', storedLB, (s) => (s.spec.loadBalancerClass = 'example.com/b'), ['spec.loadBalancerClass: Invalid value: "example.com/b": may not change once set']],
    [
      'loadBalancerClass may not be removed',
      () => {
        const s = storedLB();
        s.spec.loadBalancerClass = 'example.com/a';
        return s;
      },
      (s) => delete s.spec.loadBalancerClass,
      ['spec.loadBalancerClass: Invalid value: null: may not change once set'],
    ],
    [
      'healthCheckNodePort is immutable',
      () => {
        const s = storedLB();
        Object.assign(s.spec, { externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 });
        return s;
      },
      (s) => (s.spec.healthCheckNodePort = 30101),
      ['spec.healthCheckNodePort: Forbidden: field is immutable'],
    ],
    ['metadata.uid is immutable', stored, (s) => (s.metadata.uid = 'u2'), ['metadata.uid: Invalid value: "u2": field is immutable']],
    [
      'metadata.creationTimestamp is immutable',
      stored,
      (s) => (s.metadata.creationTimestamp = '2024-01-02T03:04:06Z'),
      ['metadata.creationTimestamp: Invalid value: 2024-01-02 03:04:06 +0000 UTC: field is immutable'],
    ],
    [
      'update errors come before the ValidateService errors',
      stored,
      (s) => {
        s.metadata.uid = 'u2';
        s.spec.ports[0].port = 0;
        Object.assign(s.spec, { clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.6'] });
      },
      [
        'metadata.uid: Invalid value: "u2": field is immutable',
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.6"}: may not change once set',
        'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      ],
    ],
  ])('%s', (_name, old, mutate, want) => {
    const next = old();
    mutate(next);
    expect(update(next, old())).toEqual(want);
  });

  it('releasing a secondary clusterIP needs SingleStack', () => {
    const old = stored();
    Object.assign(old.spec, { clusterIPs: ['10.96.0.5', 'fd00::5'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' });
    const next = stored();
    Object.assign(next.spec, { ipFamilyPolicy: 'PreferDualStack' });
    expect(update(next, old)).toEqual([
      'spec.ipFamilyPolicy: Invalid value: "PreferDualStack": must be set to \'SingleStack\' when releasing the secondary clusterIP',
      'spec.ipFamilyPolicy: Invalid value: "PreferDualStack": must be set to \'SingleStack\' when releasing the secondary ipFamily',
    ]);
    next.spec.ipFamilyPolicy = 'SingleStack';
    expect(update(next, old)).toEqual([]);
  });
});

describe('validateStatusUpdate(Service)', () => {
  it.each<[string, () => Mutable, unknown, string[]]>([
    ['LB ingress with ip and ipMode', storedLB, { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }] }, []],
    ['LB ingress hostname', storedLB, { ingress: [{ hostname: 'lb.example.com' }] }, []],
    [
      'ingress only for LoadBalancer',
      stored,
      { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }] },
      ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"],
    ],
    [
      'ingress ip a valid IP',
      storedLB,
      { ingress: [{ ip: '172.18.255', ipMode: 'VIP' }] },
      ['status.loadBalancer.ingress[0].ip: Invalid value: "172.18.255": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ],
    ['ipMode required with ip', storedLB, { ingress: [{ ip: '172.18.255.200' }] }, ['status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set']],
    [
      'ipMode forbidden without ip',
      storedLB,
      { ingress: [{ hostname: 'lb.example.com', ipMode: 'Proxy' }] },
      ['status.loadBalancer.ingress[0].ipMode: Forbidden: may not be specified when `ip` is not set'],
    ],
    [
      'ipMode supported',
      storedLB,
      { ingress: [{ ip: '172.18.255.200', ipMode: 'DSR' }] },
      ['status.loadBalancer.ingress[0].ipMode: Unsupported value: "DSR": supported values: "Proxy", "VIP"'],
    ],
    [
      'hostname a DNS name',
      storedLB,
      { ingress: [{ hostname: '172.18.255.200' }] },
      ['status.loadBalancer.ingress[0].hostname: Invalid value: "172.18.255.200": must be a DNS name, not an IP address'],
    ],
    [
      'hostname a DNS subdomain',
      storedLB,
      { ingress: [{ hostname: 'LB' }] },
      [
        "status.loadBalancer.ingress[0].hostname: Invalid value: \"LB\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
  ])('%s', (_name, base, loadBalancer, want) => {
    const next = base();
    next.status = { loadBalancer };
    expect(validateStatusUpdate(next, base()).map(formatFieldError)).toEqual(want);
  });

  it('does not judge the spec', () => {
    const next = stored();
    next.spec.ports[0].port = 0;
    expect(validateStatusUpdate(next, stored())).toEqual([]);
  });
});
