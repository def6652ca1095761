import { describe, expect, it } from 'vitest';
import { BadRequestError } from '@minimesh/api';
import { decodeStrict } from './strict-decode.js';

function failure(kind: Parameters<typeof decodeStrict>[0], doc: Record<string, unknown>): string {
  try {
    decodeStrict(kind, doc);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestError);
    expect((e as BadRequestError).status.reason).toBe('BadRequest');
    expect((e as BadRequestError).status.code).toBe(400);
    return (e as BadRequestError).message;
  }
  throw new Error('expected a decoding failure');
}

const service = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'x' },
  spec,
  ...extra,
});

describe('decodeStrict', () => {
  it('accepts a Kubernetes manifest field for field and drops nulls', () => {
    const obj = decodeStrict(
      'Service',
      service({
        type: 'NodePort',
        selector: { app: 'MyApp' },
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9376, nodePort: 30036 }],
        clusterIP: null,
        externalIPs: ['80.11.12.10'],
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ipFamilyPolicy: 'SingleStack',
      }, { metadata: { name: 'x', creationTimestamp: null, labels: { a: 'b' } } }),
    );
    expect(obj).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x', labels: { a: 'b' } },
      spec: {
        type: 'NodePort',
        selector: { app: 'MyApp' },
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9376, nodePort: 30036 }],
        externalIPs: ['80.11.12.10'],
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ipFamilyPolicy: 'SingleStack',
      },
    });
  });

  it('uses the Kubernetes JSON names (json_name), not the proto names', () => {
    const node = decodeStrict('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/24', providerID: 'x' } });
    expect(node).toMatchObject({ spec: { podCIDR: '10.244.1.0/24', providerID: 'x' } });
    expect(failure('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCidr: 'x' } })).toContain('unknown field "spec.podCidr"');
  });

  it('accepts targetPort as a number or a name (IntOrString)', () => {
    expect(decodeStrict('Service', service({ ports: [{ port: 80, targetPort: 'http' }] }))).toMatchObject({ spec: { ports: [{ port: 80, targetPort: 'http' }] } });
    expect(decodeStrict('Service', service({ ports: [{ port: 80, targetPort: 8080 }] }))).toMatchObject({ spec: { ports: [{ targetPort: 8080 }] } });
    expect(failure('Service', service({ ports: [{ port: 80, targetPort: true }] }))).toBe(
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type intstr.IntOrString',
    );
    expect(failure('Service', service({ ports: [{ port: 80, targetPort: 80.5 }] }))).toBe(
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 80.5 into Go value of type int32',
    );
  });

  it('reports every unknown field with its path, like strict decoding', () => {
    expect(failure('Service', service({ foo: 1, ports: [{ port: 80 }, { port: 81, bar: 'x' }] }, { extra: true }))).toBe(
      'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "extra", unknown field "spec.foo", unknown field "spec.ports[1].bar"',
    );
  });

  it('fails on the first wrong type, naming the Go struct field', () => {
    expect(failure('Service', service({ ports: [{ port: '80' }] }))).toBe(
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32',
    );
    expect(failure('Service', service({ ports: { port: 80 } }))).toBe(
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort',
    );
    expect(failure('Service', service({ ports: [80] }))).toContain('cannot unmarshal number into Go struct field ServiceSpec.spec.ports of type v1.ServicePort');
    expect(failure('Service', service({ selector: { app: 1 } }))).toContain('cannot unmarshal number into Go struct field ServiceSpec.spec.selector of type string');
    expect(failure('Service', service({ selector: ['a'] }))).toContain('cannot unmarshal array into Go struct field ServiceSpec.spec.selector of type map[string]string');
    expect(failure('Service', service({ ports: [{ port: 3000000000 }] }))).toContain('cannot unmarshal number 3000000000 into Go struct field ServicePort.spec.ports.port of type int32');
    expect(failure('Service', service({ publishNotReadyAddresses: 'yes' }))).toContain('cannot unmarshal string into Go struct field ServiceSpec.spec.publishNotReadyAddresses of type bool');
    expect(failure('Service', service('x' as unknown as Record<string, unknown>))).toContain('cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec');
    expect(failure('Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 5 } })).toContain('cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
  });

  it('refuses an int64 a number cannot hold exactly (beyond ±(2^53-1)) as Go refuses one beyond its range', () => {
    const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...metadata }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
    expect(failure('Pod', pod({ terminationGracePeriodSeconds: 9007199254740994 }))).toBe(
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number 9007199254740994 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64',
    );
    expect(failure('Pod', pod({}, { generation: -9007199254740992 }))).toContain('cannot unmarshal number -9007199254740992 into Go struct field ObjectMeta.metadata.generation of type int64');
    expect(decodeStrict('Pod', pod({ terminationGracePeriodSeconds: 9007199254740991 }))).toMatchObject({ spec: { terminationGracePeriodSeconds: 9007199254740991 } });
  });

  it('decodes Endpoints and discovery.k8s.io/v1 EndpointSlices', () => {
    const ep = decodeStrict('Endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'my-service' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }] });
    expect(ep).toMatchObject({ subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }] });
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'example-abc', labels: { 'kubernetes.io/service-name': 'example' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
      endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true }, hostname: 'pod-1', nodeName: 'node-1', zone: 'us-west2-a' }],
    };
    expect(decodeStrict('EndpointSlice', slice)).toEqual(slice);
    expect(failure('EndpointSlice', { ...slice, ports: [{ port: 'x' }] })).toBe(
      'EndpointSlice in version "v1" cannot be handled as a EndpointSlice: json: cannot unmarshal string into Go struct field EndpointPort.ports.port of type int32',
    );
  });

  it('decodes Pods, Namespaces and Nodes', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', labels: { app: 'web' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'echo', image: 'echo', ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }] }] },
      status: { phase: 'Running', podIP: '10.244.1.10', conditions: [{ type: 'Ready', status: 'True' }] },
    };
    expect(decodeStrict('Pod', pod)).toEqual(pod);
    expect(failure('Pod', { ...pod, spec: { containers: [{ name: 'a', resources: {} }] } })).toContain('unknown field "spec.containers[0].resources"');
    expect(decodeStrict('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } })).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
  });

  it('refuses a time Go would not parse, and keeps good ones as the apiserver writes them (UTC)', () => {
    const lease = (renewTime: unknown) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { renewTime } });
    expect(failure('Lease', lease('garbage'))).toBe(
      'Lease in version "v1" cannot be handled as a Lease: parsing time "garbage" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "garbage" as "2006"',
    );
    expect(failure('Lease', lease(5))).toBe('Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go struct field LeaseSpec.spec.renewTime of type string');
    expect((decodeStrict('Lease', lease('2024-05-01T13:59:59.123456+02:00')) as { spec: { renewTime: string } }).spec.renewTime).toBe('2024-05-01T11:59:59.123456Z');
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', creationTimestamp: '2024-05-01T11:59:59.5Z' }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'yesterday' }] } };
    expect(failure('Node', node)).toBe('Node in version "v1" cannot be handled as a Node: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
  });

  it('keeps a __proto__ map key as a key (for validation to refuse), and makes a null list item its zero value', () => {
    const doc = JSON.parse('{"apiVersion":"v1","kind":"Service","metadata":{"name":"x","labels":{"__proto__":"y"}},"spec":{"selector":{"__proto__":"z"},"ports":[null]}}') as Record<string, unknown>;
    const obj = decodeStrict('Service', doc) as unknown as { metadata: { labels: Record<string, string> }; spec: { selector: Record<string, string>; ports: unknown[] } };
    expect(Object.keys(obj.metadata.labels)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(obj.spec.selector, '__proto__')?.value).toBe('z');
    expect(Object.getPrototypeOf(obj.spec.selector)).toBe(Object.prototype);
    expect(obj.spec.ports).toEqual([{}]);
  });
});
