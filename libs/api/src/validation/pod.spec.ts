import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Pod } from '../types/core.js';
import { validateObject, validateObjectUpdate, validateStatusUpdate } from './validate-object.js';

const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

type Mutable = Pod & { spec: any; status: any };

function pod(): Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'echo', image: 'echo', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], hostIP: '172.18.0.2' },
  };
}

const cases: { name: string; mutate: (p: Mutable) => void; want: string[] }[] = [
  { name: 'valid', mutate: () => {}, want: [] },
  { name: 'containers required', mutate: (p) => (p.spec.containers = []), want: ['spec.containers: Required value'] },
  { name: 'container name required', mutate: (p) => (p.spec.containers[0].name = ''), want: ['spec.containers[0].name: Required value'] },
  { name: 'container name a DNS label', mutate: (p) => (p.spec.containers[0].name = 'Echo'), want: [`spec.containers[0].name: Invalid value: "Echo": ${LABEL}`] },
  { name: 'container names unique', mutate: (p) => p.spec.containers.push({ name: 'echo' }), want: ['spec.containers[1].name: Duplicate value: "echo"'] },
  { name: 'init container names unique across both lists', mutate: (p) => (p.spec.initContainers = [{ name: 'echo' }]), want: ['spec.initContainers[0].name: Duplicate value: "echo"'] },
  { name: 'containerPort required', mutate: (p) => (p.spec.containers[0].ports[0].containerPort = 0), want: ['spec.containers[0].ports[0].containerPort: Required value'] },
  {
    name: 'containerPort range',
    mutate: (p) => (p.spec.containers[0].ports[0].containerPort = 70000),
    want: ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
  },
  {
    name: 'hostPort range',
    mutate: (p) => (p.spec.containers[0].ports[0].hostPort = -1),
    want: ['spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive'],
  },
  {
    name: 'port name an IANA service name',
    mutate: (p) => (p.spec.containers[0].ports[0].name = 'web_port'),
    want: ['spec.containers[0].ports[0].name: Invalid value: "web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
  },
  {
    name: 'port names unique',
    mutate: (p) => p.spec.containers[0].ports.push({ name: 'http', containerPort: 9090, protocol: 'TCP' }),
    want: ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
  },
  { name: 'port protocol required', mutate: (p) => delete p.spec.containers[0].ports[0].protocol, want: ['spec.containers[0].ports[0].protocol: Required value'] },
  {
    name: 'port protocol supported',
    mutate: (p) => (p.spec.containers[0].ports[0].protocol = 'HTTP'),
    want: ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
  },
  { name: 'nodeName a DNS subdomain', mutate: (p) => (p.spec.nodeName = 'Node 1'), want: [`spec.nodeName: Invalid value: "Node 1": ${SUBDOMAIN}`] },
  { name: 'hostname a DNS label', mutate: (p) => (p.spec.hostname = 'web.0'), want: ['spec.hostname: Invalid value: "web.0": must not contain dots'] },
  { name: 'subdomain a DNS label', mutate: (p) => (p.spec.subdomain = 'Web'), want: [`spec.subdomain: Invalid value: "Web": ${LABEL}`] },
  { name: 'podIP a valid IP', mutate: (p) => Object.assign(p.status, { podIP: '10.244.1', podIPs: [] }), want: [`status.podIPs[0]: Invalid value: "10.244.1": ${IP}`] },
  { name: 'podIP is authoritative over podIPs[0]', mutate: (p) => Object.assign(p.status, { podIP: 'bad', podIPs: [{ ip: '10.244.1.5' }] }), want: [`status.podIPs[0]: Invalid value: "bad": ${IP}`] },
  {
    name: 'podIPs one per family',
    mutate: (p) => Object.assign(p.status, { podIPs: [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }] }),
    want: ['status.podIPs: Invalid value: []core.PodIP{core.PodIP{IP:"10.244.1.5"}, core.PodIP{IP:"10.244.1.6"}}: may specify no more than one IP for each IP family'],
  },
  {
    name: 'podIPs without duplicates',
    mutate: (p) => Object.assign(p.status, { podIPs: [{ ip: '10.244.1.5' }, { ip: '10.244.1.5' }] }),
    want: [
      'status.podIPs: Invalid value: []core.PodIP{core.PodIP{IP:"10.244.1.5"}, core.PodIP{IP:"10.244.1.5"}}: may specify no more than one IP for each IP family',
      'status.podIPs[1]: Duplicate value: core.PodIP{IP:"10.244.1.5"}',
    ],
  },
  { name: 'dual-stack podIPs', mutate: (p) => Object.assign(p.status, { podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00:10:244:1::5' }] }), want: [] },
  { name: 'hostIP a valid IP', mutate: (p) => (p.status.hostIP = 'node-1'), want: [`status.hostIPs[0]: Invalid value: "node-1": ${IP}`] },
  { name: 'pending pod without IPs', mutate: (p) => (p.status = { phase: 'Pending' }), want: [] },
];

describe('validateObject(Pod)', () => {
  it.each(cases)('$name', ({ mutate, want }) => {
    const p = pod();
    mutate(p);
    expect(validateObject(p).map(formatFieldError)).toEqual(want);
  });

  it('update: the generic metadata rules come first, then the Pod', () => {
    const old = pod();
    old.metadata = { ...old.metadata, uid: 'u1', resourceVersion: '9' };
    const next = pod();
    next.metadata = { ...old.metadata, name: 'web-2' };
    next.spec.containers[0].ports[0].containerPort = 0;
    expect(validateObjectUpdate(next, old).map(formatFieldError)).toEqual([
      'metadata.name: Invalid value: "web-2": field is immutable',
      'spec.containers[0].ports[0].containerPort: Required value',
    ]);
  });

  it('status update checks the IPs', () => {
    const old = pod();
    old.metadata.resourceVersion = '9';
    const next = pod();
    next.metadata.resourceVersion = '9';
    next.status.podIP = '10.244.1.999';
    expect(validateStatusUpdate(next, old).map(formatFieldError)).toEqual([`status.podIPs[0]: Invalid value: "10.244.1.999": ${IP}`]);
  });
});
