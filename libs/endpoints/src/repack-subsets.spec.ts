import { describe, expect, it } from 'vitest';
import type { EndpointAddress, EndpointSubset } from '@minimesh/api';
import { repackSubsets } from './repack-subsets.js';

const addr = (ip: string, uid?: string): EndpointAddress => (uid ? { ip, targetRef: { kind: 'Pod', uid } } : { ip });
const port = (p: number, name?: string) => (name ? { name, port: p, protocol: 'TCP' } : { port: p, protocol: 'TCP' });

describe('repackSubsets', () => {
  it.each<[string, EndpointSubset[], EndpointSubset[]]>([
    ['empty', [], []],
    ['a subset without addresses disappears', [{ ports: [port(80)] }], []],
    [
      'same address on the same port is de-duplicated',
      [
        { addresses: [addr('10.0.0.1')], ports: [port(80)] },
        { addresses: [addr('10.0.0.1')], ports: [port(80)] },
      ],
      [{ addresses: [addr('10.0.0.1')], ports: [port(80)] }],
    ],
    [
      'same IP, different pods are kept apart (uid)',
      [
        { addresses: [addr('10.0.0.1', 'b')], ports: [port(80)] },
        { addresses: [addr('10.0.0.1', 'a')], ports: [port(80)] },
      ],
      [{ addresses: [addr('10.0.0.1', 'a'), addr('10.0.0.1', 'b')], ports: [port(80)] }],
    ],
    [
      'addresses with identical ports are grouped, ports merged',
      [
        { addresses: [addr('10.0.0.2')], ports: [port(80, 'http')] },
        { addresses: [addr('10.0.0.1')], ports: [port(80, 'http')] },
        { addresses: [addr('10.0.0.1')], ports: [port(443, 'https')] },
        { addresses: [addr('10.0.0.2')], ports: [port(443, 'https')] },
      ],
      [{ addresses: [addr('10.0.0.1'), addr('10.0.0.2')], ports: [port(80, 'http'), port(443, 'https')] }],
    ],
    [
      'different port sets make different subsets',
      [
        { addresses: [addr('10.0.0.1')], ports: [port(80)] },
        { addresses: [addr('10.0.0.2')], ports: [port(8080)] },
      ],
      [
        { addresses: [addr('10.0.0.1')], ports: [port(80)] },
        { addresses: [addr('10.0.0.2')], ports: [port(8080)] },
      ],
    ],
    [
      'not ready trumps ready on the same port',
      [
        { addresses: [addr('10.0.0.1')], ports: [port(80)] },
        { notReadyAddresses: [addr('10.0.0.1')], ports: [port(80)] },
        { addresses: [addr('10.0.0.1')], ports: [port(80)] },
      ],
      [{ notReadyAddresses: [addr('10.0.0.1')], ports: [port(80)] }],
    ],
    [
      'ready and not-ready addresses of the same ports share a subset',
      [
        { addresses: [addr('10.0.0.1')], ports: [port(80)] },
        { notReadyAddresses: [addr('10.0.0.2')], ports: [port(80)] },
      ],
      [{ addresses: [addr('10.0.0.1')], notReadyAddresses: [addr('10.0.0.2')], ports: [port(80)] }],
    ],
    [
      'subsets without ports survive (headless without ports)',
      [{ addresses: [addr('10.0.0.2')] }, { addresses: [addr('10.0.0.1')] }, { notReadyAddresses: [addr('10.0.0.3')] }],
      [{ addresses: [addr('10.0.0.1'), addr('10.0.0.2')], notReadyAddresses: [addr('10.0.0.3')] }],
    ],
    [
      'addresses sort by IP in byte order',
      [{ addresses: [addr('10.0.0.9'), addr('10.0.0.10'), addr('9.0.0.1')], ports: [port(80)] }],
      [{ addresses: [addr('10.0.0.10'), addr('10.0.0.9'), addr('9.0.0.1')], ports: [port(80)] }],
    ],
  ])('%s', (_name, input, want) => {
    expect(repackSubsets(input)).toEqual(want);
  });

  it('does not modify its input and is idempotent', () => {
    const input: EndpointSubset[] = [
      { addresses: [addr('10.0.0.2'), addr('10.0.0.1')], ports: [port(443), port(80)] },
      { notReadyAddresses: [addr('10.0.0.3')], ports: [port(80)] },
    ];
    const copy = structuredClone(input);
    const once = repackSubsets(input);
    expect(input).toEqual(copy);
    expect(repackSubsets(once)).toEqual(once);
    expect(repackSubsets([...input].reverse())).toEqual(once);
  });
});
