/**
 * Every renderer at 50,000 Services × 2 endpoints: nothing on the way may spread the whole
 * ruleset into one call's arguments (V8 throws "Maximum call stack size exceeded" well before
 * that, earlier on a deep stack), and the result still has a chain per service.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { renderIptables } from './iptables/render-iptables.js';
import { NftablesRuleset } from './nftables/nftables-ruleset.js';
import { ep, makeService, makeSlice, NODE1, stateOf } from './testing/fixtures.js';

const N = 50_000;

function cluster(): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  const podIP = (k: number) => `10.${1 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
  for (let i = 0; i < N; i++) {
    const nodePort = i % 10 === 0;
    services.push(
      makeService('scale', `svc-${i}`, {
        type: nodePort ? 'NodePort' : 'ClusterIP',
        clusterIP: `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
        ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, ...(nodePort ? { nodePort: 30000 + (i % 2700) } : {}) }],
      }),
    );
    slices.push(
      makeSlice('scale', `svc-${i}`, {
        ports: [{ name: '', port: 8080, protocol: 'TCP' }],
        endpoints: [ep(podIP(2 * i), 'node1'), ep(podIP(2 * i + 1), 'node2')],
      }),
    );
  }
  return { services, slices };
}

describe(`rendering ${N.toLocaleString('en')} Services`, () => {
  const { services, slices } = cluster();
  const state = stateOf(services, slices, 'node1');

  it('iptables, full and partial', () => {
    const full = renderIptables({ ...state, node: NODE1 });
    expect([...full.natChains].filter((c) => c.startsWith('KUBE-SVC-'))).toHaveLength(N);
    const partial = renderIptables({ ...state, node: NODE1, changedServices: new Set(['scale/svc-7']), existingNatChains: full.natChains });
    expect(partial.partial).toBe(true);
    expect(partial.nat.length).toBeLessThan(full.nat.length);
  });

  it('nftables, fresh and partial', () => {
    const rs = new NftablesRuleset();
    const fresh = rs.transaction({ ...state, node: NODE1, now: 0 });
    expect(fresh.kind).toBe('fresh');
    expect(fresh.elementCount).toBeGreaterThanOrEqual(2 * N);
    expect(fresh.script.match(/^add chain ip kube-proxy service-[A-Z2-7]{8}-\S+$/gm)).toHaveLength(N);
    // Services sharing a NodePort (this fixture gives 5,000 NodePort Services 270 ports) resolve to one element per port.
    expect(fresh.script.match(/^add element ip kube-proxy service-nodeports /gm)).toHaveLength(270);
    const partial = rs.transaction({ ...state, node: NODE1, now: 1, changedServices: new Set(['scale/svc-7']) });
    expect(partial.kind).toBe('partial');
    expect(partial.servicePortsWritten).toBe(0);
    expect(partial.script).toBe('');
  });
}, 120_000);
