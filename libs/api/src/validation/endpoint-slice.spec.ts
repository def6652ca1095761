import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { EndpointSlice } from '../types/discovery.js';
import { validateObject, validateObjectUpdate } from './validate-object.js';

const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_3_PARTS =
  "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";

type Mutable = EndpointSlice & { endpoints: any[]; ports: any[] };

function slice(): Mutable {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-x7k2p', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-1' } }],
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

const cases: { name: string; mutate: (s: Mutable) => void; want: string[] }[] = [
  { name: 'valid', mutate: () => {}, want: [] },
  { name: 'empty placeholder slice', mutate: (s) => Object.assign(s, { endpoints: [], ports: [] }), want: [] },
  { name: 'addressType required', mutate: (s) => (s.addressType = ''), want: ['addressType: Required value'] },
  { name: 'addressType supported', mutate: (s) => (s.addressType = 'IP'), want: ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'] },
  {
    name: 'at most 1000 endpoints',
    mutate: (s) => (s.endpoints = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${(i & 255) + 1}`] }))),
    want: ['endpoints: Too many: 1001: must have at most 1000 items'],
  },
  { name: '1000 endpoints', mutate: (s) => (s.endpoints = Array.from({ length: 1000 }, () => ({ addresses: ['10.0.0.1'] }))), want: [] },
  { name: 'an endpoint needs an address', mutate: (s) => (s.endpoints[0].addresses = []), want: ['endpoints[0].addresses: Required value: must contain at least 1 address'] },
  {
    name: 'at most 100 addresses',
    mutate: (s) => (s.endpoints[0].addresses = Array.from({ length: 101 }, (_, i) => `10.0.0.${i + 1}`)),
    want: ['endpoints[0].addresses: Too many: 101: must have at most 100 items'],
  },
  {
    name: 'IPv4 slice with an IPv6 address',
    mutate: (s) => (s.endpoints[0].addresses = ['fd00::1']),
    want: ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
  },
  {
    name: 'IPv4 slice with garbage',
    mutate: (s) => (s.endpoints[0].addresses = ['x']),
    want: ['endpoints[0].addresses[0]: Invalid value: "x": must be a valid IPv4 address', 'endpoints[0].addresses[0]: Invalid value: "x": must be a valid IP address'],
  },
  {
    name: 'IPv4 loopback',
    mutate: (s) => (s.endpoints[0].addresses = ['127.0.0.1']),
    want: ['endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
  },
  {
    name: 'IPv6 slice with an IPv4 address',
    mutate: (s) => Object.assign(s, { addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1'] }] }),
    want: ['endpoints[0].addresses[0]: Invalid value: "10.0.0.1": must be a valid IPv6 address'],
  },
  { name: 'IPv6 slice', mutate: (s) => Object.assign(s, { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] }), want: [] },
  { name: 'FQDN slice', mutate: (s) => Object.assign(s, { addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] }), want: [] },
  {
    name: 'FQDN slice with one label',
    mutate: (s) => Object.assign(s, { addressType: 'FQDN', endpoints: [{ addresses: ['db'] }] }),
    want: ['endpoints[0].addresses[0]: Invalid value: "db": should be a domain with at least two segments separated by dots'],
  },
  { name: 'hostname a DNS label', mutate: (s) => (s.endpoints[0].hostname = 'a.b'), want: ['endpoints[0].hostname: Invalid value: "a.b": must not contain dots'] },
  { name: 'at most 100 ports', mutate: (s) => (s.ports = Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, protocol: 'TCP', port: 1000 + i }))), want: ['ports: Too many: 101: must have at most 100 items'] },
  { name: 'port name a DNS label', mutate: (s) => (s.ports[0].name = 'HTTP'), want: [`ports[0].name: Invalid value: "HTTP": ${LABEL}`] },
  { name: 'port names unique', mutate: (s) => s.ports.push({ name: 'http', protocol: 'UDP', port: 8080 }), want: ['ports[1].name: Duplicate value: "http"'] },
  {
    name: 'two unnamed ports collide',
    mutate: (s) => (s.ports = [{ name: '', protocol: 'TCP', port: 80 }, { name: '', protocol: 'TCP', port: 81 }]),
    want: ['ports[1].name: Duplicate value: ""'],
  },
  { name: 'port protocol required', mutate: (s) => delete s.ports[0].protocol, want: ['ports[0].protocol: Required value'] },
  { name: 'port protocol supported', mutate: (s) => (s.ports[0].protocol = 'tcp'), want: ['ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"'] },
  { name: 'appProtocol a qualified name', mutate: (s) => (s.ports[0].appProtocol = 'a/b/c'), want: [`ports[0].appProtocol: Invalid value: "a/b/c": ${QUALIFIED_3_PARTS}`] },
];

describe('validateObject(EndpointSlice)', () => {
  it.each(cases)('$name', ({ mutate, want }) => {
    const s = slice();
    mutate(s);
    expect(validateObject(s).map(formatFieldError)).toEqual(want);
  });

  it('addressType is immutable', () => {
    const old = slice();
    old.metadata.resourceVersion = '4';
    const next = slice();
    next.metadata.resourceVersion = '4';
    next.addressType = 'IPv6';
    next.endpoints = [{ addresses: ['fd00::1'] }];
    expect(validateObjectUpdate(next, old).map(formatFieldError)).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });
});
