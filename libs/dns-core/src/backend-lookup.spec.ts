/**
 * An in-zone CNAME chase that ends at a very large headless Service: every A record comes back
 * behind the CNAME. The chased records used to be spread into one push() call, which threw
 * "Maximum call stack size exceeded" past ~120,000 records (see pushAll in @minimesh/api).
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@minimesh/api';
import { buildSnapshot } from './cluster-snapshot.js';
import { serveKubernetes } from './kubernetes-handler.js';
import { coreDnsConfig, ep, namespace, SERIAL, service, slice } from './testing/fixtures.js';

const N = 200_000;

describe(`ExternalName to a headless Service with ${N.toLocaleString('en')} endpoints`, () => {
  it('A: the CNAME, then every endpoint', () => {
    const slices: EndpointSlice[] = [];
    for (let i = 0; i < N; i += 1000) {
      const eps = [];
      for (let k = i; k < i + 1000; k++) eps.push(ep(`10.${1 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`));
      slices.push(slice('big', 'testns', eps));
    }
    const snap = buildSnapshot({
      services: [
        service('big', 'testns', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }),
        service('alias', 'testns', { type: 'ExternalName', externalName: 'big.testns.svc.cluster.local' }),
      ],
      slices,
      namespaces: [namespace('testns')],
      pods: [],
      synced: true,
      serial: SERIAL,
    });
    const out = serveKubernetes(snap, coreDnsConfig(), { name: 'alias.testns.svc.cluster.local.', type: 'A', class: 1 });
    expect(out.kind).toBe('reply');
    if (out.kind !== 'reply') return;
    expect(out.message.answer).toHaveLength(N + 1);
    expect(out.message.answer[0]).toMatchObject({ type: 'CNAME', data: 'big.testns.svc.cluster.local.' });
    expect(out.message.answer.filter((r) => r.type === 'A')).toHaveLength(N);
  });
}, 60_000);
