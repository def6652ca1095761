/**
 * Names shaped like injections never reach the kernel: a Service whose namespace, name or port
 * name would end a comment or a token is not proxied, and the rendered iptables-restore input and
 * nft script are exactly those of the same cluster without it.
 */
import { describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { renderIptables } from './iptables/render-iptables.js';
import { renderIpvs } from './ipvs/render-ipvs.js';
import { kernelComment, kernelWord, serviceNameProblem } from './kernel-names.js';
import { renderNftables } from './nftables/render-nftables.js';
import { servicePortsFromService } from './service-port.js';
import { ep, makeService, makeSlice, NODE1, stateOf } from './testing/fixtures.js';

const INJECTIONS = [
  'a"\n-A KUBE-SERVICES -j ACCEPT\n#',
  'x; flush ruleset',
  'x}\n table ip evil {',
  'nul\u0000byte',
  'Upper',
  `${'a'.repeat(300)}`,
  'ok\r\nCOMMIT',
];

const good = makeService('default', 'web', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }] });
const goodSlice = makeSlice('default', 'web', { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [ep('10.244.1.5', 'node1')] });

function evilServices(bad: string): Service[] {
  const spec = { type: 'NodePort' as const, clusterIP: '10.96.0.66', ports: [{ name: 'http', port: 80, protocol: 'TCP' as const, targetPort: 8080, nodePort: 30066 }] };
  return [
    makeService(bad, 'evil', spec),
    makeService('default', bad, { ...spec, clusterIP: '10.96.0.67', ports: [{ ...spec.ports[0]!, nodePort: 30067 }] }),
    makeService('default', 'evil-port', { ...spec, clusterIP: '10.96.0.68', ports: [{ ...spec.ports[0]!, name: bad, nodePort: 30068 }] }),
  ];
}

describe('kernel names', () => {
  it('refuses the names the apiserver would refuse, and says why', () => {
    expect(serviceNameProblem({ namespace: 'default', name: 'web', port: 'http' })).toBeUndefined();
    expect(serviceNameProblem({ namespace: 'default', name: 'web', port: '' })).toBeUndefined();
    for (const bad of INJECTIONS) {
      expect(serviceNameProblem({ namespace: bad, name: 'web', port: '' })).toMatch(/^namespace /);
      expect(serviceNameProblem({ namespace: 'default', name: bad, port: '' })).toMatch(/^name /);
      expect(serviceNameProblem({ namespace: 'default', name: 'web', port: bad })).toMatch(/^port name /);
    }
  });

  it('a Service with such a name is not proxied at all', () => {
    for (const bad of INJECTIONS) for (const svc of evilServices(bad)) expect(servicePortsFromService(svc)).toEqual([]);
  });

  it('iptables, nftables and IPVS render exactly what they would without the injection-shaped Services', () => {
    const base = stateOf([good], [goodSlice], 'node1');
    const iptables = renderIptables({ ...base, node: NODE1 });
    const nft = renderNftables({ ...base, node: NODE1 });
    const ipvs = renderIpvs({ ...base, node: NODE1 });
    for (const bad of INJECTIONS) {
      const evil = evilServices(bad);
      const slices = evil.map((s) => makeSlice(s.metadata.namespace!, s.metadata.name!, { ports: [{ name: s.spec!.ports![0]!.name!, port: 8080, protocol: 'TCP' }], endpoints: [ep('10.244.1.9', 'node1')] }));
      const state = stateOf([good, ...evil], [goodSlice, ...slices], 'node1');
      const r = renderIptables({ ...state, node: NODE1 });
      expect(r.nat).toBe(iptables.nat);
      expect(r.filter).toBe(iptables.filter);
      expect(renderNftables({ ...state, node: NODE1 }).script).toBe(nft.script);
      const v = renderIpvs({ ...state, node: NODE1 });
      expect([v.nat, v.filter, v.boundAddresses]).toEqual([ipvs.nat, ipvs.filter, ipvs.boundAddresses]);
    }
    expect(iptables.nat).toContain('-m comment --comment "default/web:http cluster IP"');
  });

  it('a comment is one token on one line whatever it holds', () => {
    expect(kernelComment('default/web:http cluster IP')).toBe('"default/web:http cluster IP"');
    expect(kernelComment('a"\n-A X -j ACCEPT\\')).toBe('"a__-A X -j ACCEPT_"');
    expect(kernelComment('é\u0000x')).toBe('"__x"');
    expect(kernelComment('a'.repeat(400))).toHaveLength(257);
    expect(kernelComment('a'.repeat(400), 127)).toHaveLength(129);
    expect(kernelWord('default/web:http')).toBe('default/web:http');
    expect(kernelWord('a b;c"d\ne')).toBe('a_b_c_d_e');
  });
});
