import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Endpoints } from '../types/core.js';
import { validateObject, validateObjectUpdate } from './validate-object.js';

const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

type Mutable = Endpoints & { subsets: any[] };

function ep(): Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'my-service', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '1.2.3.4', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } }], ports: [{ port: 9376, protocol: 'TCP' }] }],
  };
}

const cases: { name: string; mutate: (e: Mutable) => void; want: string[] }[] = [
  { name: 'valid', mutate: () => {}, want: [] },
  { name: 'no subsets', mutate: (e) => (e.subsets = []), want: [] },
  { name: 'only notReadyAddresses', mutate: (e) => (e.subsets[0] = { notReadyAddresses: [{ ip: '10.244.1.5' }] }), want: [] },
  { name: 'subset needs addresses', mutate: (e) => (e.subsets[0].addresses = []), want: ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'] },
  {
    name: 'address not an IP (reported twice, as upstream)',
    mutate: (e) => (e.subsets[0].addresses[0].ip = 'web-1'),
    want: [
      'subsets[0].addresses[0].ip: Invalid value: "web-1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "web-1": must be a valid IP address',
    ],
  },
  { name: 'loopback address', mutate: (e) => (e.subsets[0].addresses[0].ip = '127.0.0.1'), want: ['subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
  {
    name: 'link-local not-ready address',
    mutate: (e) => (e.subsets[0].notReadyAddresses = [{ ip: '169.254.169.254' }]),
    want: ['subsets[0].notReadyAddresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
  },
  {
    name: 'link-local multicast',
    mutate: (e) => (e.subsets[0].addresses[0].ip = '224.0.0.5'),
    want: ['subsets[0].addresses[0].ip: Invalid value: "224.0.0.5": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
  },
  { name: 'hostname a DNS label', mutate: (e) => (e.subsets[0].addresses[0].hostname = 'web.1'), want: ['subsets[0].addresses[0].hostname: Invalid value: "web.1": must not contain dots'] },
  { name: 'nodeName a DNS subdomain', mutate: (e) => (e.subsets[0].addresses[0].nodeName = 'Node_1'), want: [`subsets[0].addresses[0].nodeName: Invalid value: "Node_1": ${SUBDOMAIN}`] },
  { name: 'several ports need names', mutate: (e) => e.subsets[0].ports.push({ name: 'metrics', port: 9090, protocol: 'TCP' }), want: ['subsets[0].ports[0].name: Required value'] },
  { name: 'port name a DNS label', mutate: (e) => (e.subsets[0].ports[0].name = 'Web'), want: [`subsets[0].ports[0].name: Invalid value: "Web": ${LABEL}`] },
  { name: 'port number', mutate: (e) => (e.subsets[0].ports[0].port = 0), want: ['subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
  { name: 'port protocol required', mutate: (e) => delete e.subsets[0].ports[0].protocol, want: ['subsets[0].ports[0].protocol: Required value'] },
  {
    name: 'port protocol supported',
    mutate: (e) => (e.subsets[0].ports[0].protocol = 'ICMP'),
    want: ['subsets[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
  },
  { name: 'name a DNS subdomain', mutate: (e) => (e.metadata.name = 'My_Service'), want: [`metadata.name: Invalid value: "My_Service": ${SUBDOMAIN}`] },
];

describe('validateObject(Endpoints)', () => {
  it.each(cases)('$name', ({ mutate, want }) => {
    const e = ep();
    mutate(e);
    expect(validateObject(e).map(formatFieldError)).toEqual(want);
  });

  it('update: metadata rules first, then the whole object', () => {
    const old = { ...ep(), metadata: { ...ep().metadata, uid: 'u1', resourceVersion: '3' } };
    const next = ep();
    next.metadata = { ...old.metadata, uid: 'u2' };
    next.subsets[0].addresses[0].ip = '0.0.0.0';
    expect(validateObjectUpdate(next, old).map(formatFieldError)).toEqual([
      'metadata.uid: Invalid value: "u2": field is immutable',
      'subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    ]);
  });
});
