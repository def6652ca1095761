import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, IPAddressPool, L2Advertisement, Node, Service } from '@minimesh/api';
import { electAnnouncer, l2Candidates, type ElectionInput } from './l2-election.js';

const node = (name: string, labels?: Record<string, string>, ready = true): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...(labels ? { labels } : {}) },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pool: IPAddressPool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'default', namespace: 'metallb-system', labels: { zone: 'a' } }, spec: { addresses: ['192.168.100.200-192.168.100.250'] } };
const ad = (spec: L2Advertisement['spec'] = {}): L2Advertisement => ({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'l2', namespace: 'metallb-system' }, spec });
const svc = (etp: 'Cluster' | 'Local' = 'Cluster'): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: etp } });
const slice = (...eps: [string, boolean?][]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-x', namespace: 'ns' },
  addressType: 'IPv4',
  endpoints: eps.map(([nodeName, ready = true], i) => ({ addresses: [`10.244.0.${i + 1}`], nodeName, conditions: { ready } })),
});

const base = (o: Partial<ElectionInput> = {}): ElectionInput => ({
  ip: '192.168.100.200',
  service: svc(),
  slices: [slice(['node1'])],
  pool,
  advertisements: [ad()],
  nodes: [node('node1'), node('node2'), node('node3')],
  liveSpeakers: new Set(['node1', 'node2', 'node3']),
  ...o,
});

describe('layer 2 election', () => {
  it('the node whose sha256(node#ip) sorts first wins; every address has one winner', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const nodes = ['node1', 'node2', 'node3'];
    for (let i = 200; i < 210; i++) {
      const ip = `192.168.100.${i}`;
      const want = [...nodes].sort((a, b) => sha(`${a}#${ip}`).localeCompare(sha(`${b}#${ip}`)))[0];
      expect(electAnnouncer(ip, nodes)).toBe(want);
      expect(electAnnouncer(ip, [...nodes].reverse())).toBe(want);
    }
    expect(electAnnouncer('192.168.100.200', [])).toBeUndefined();
    // Different addresses spread over the nodes.
    expect(new Set(Array.from({ length: 20 }, (_, i) => electAnnouncer(`192.168.100.${200 + i}`, nodes))).size).toBe(3);
  });

  it('Cluster policy: every live, Ready, advertised node; nobody without a serving endpoint', () => {
    expect(l2Candidates(base())).toEqual(['node1', 'node2', 'node3']);
    expect(l2Candidates(base({ liveSpeakers: new Set(['node2', 'node3']) }))).toEqual(['node2', 'node3']);
    expect(l2Candidates(base({ nodes: [node('node1'), node('node2', undefined, false)] }))).toEqual(['node1']);
    expect(l2Candidates(base({ nodes: [node('node1', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }), node('node2')] }))).toEqual(['node2']);
    expect(l2Candidates(base({ slices: [slice(['node1', false])] }))).toEqual([]);
    expect(l2Candidates(base({ slices: [] }))).toEqual([]);
  });

  it('Local policy: only nodes with a ready or serving endpoint of the Service', () => {
    expect(l2Candidates(base({ service: svc('Local'), slices: [slice(['node2'], ['node3', false])] }))).toEqual(['node2']);
  });

  it('L2Advertisements: pools by name or selector, nodes by selector; no advertisement, no announcement', () => {
    expect(l2Candidates(base({ advertisements: [] }))).toEqual([]);
    expect(l2Candidates(base({ advertisements: [ad({ ipAddressPools: ['other'] })] }))).toEqual([]);
    expect(l2Candidates(base({ advertisements: [ad({ ipAddressPoolSelectors: [{ matchLabels: { zone: 'a' } }] })] }))).toHaveLength(3);
    const nodes = [node('node1', { edge: 'true' }), node('node2'), node('node3', { edge: 'true' })];
    expect(l2Candidates(base({ nodes, advertisements: [ad({ nodeSelectors: [{ matchLabels: { edge: 'true' } }] })] }))).toEqual(['node1', 'node3']);
    expect(l2Candidates(base({ pool: undefined }))).toEqual([]);
  });
});
