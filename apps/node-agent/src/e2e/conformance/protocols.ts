/**
 * Protocols and pod phases (e2e "should serve endpoints on same port and different protocols",
 * "should not send traffic to evicted pods", SCTP "should create a ClusterIP Service with SCTP
 * ports"): a Failed pod leaves the endpoints; one port on TCP and UDP; SCTP endpoints appear in
 * and disappear from the node's rules.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { eventually } from '@minimesh/runtime/testing';
import { NS, type Conformance } from './harness.js';

const UDP_PROBE = fileURLToPath(new URL('../../../e2e/udp-probe.mjs', import.meta.url));

export function protocolsTheme(c: Conformance): void {
  it('a Failed (evicted) pod is dropped from the endpoints and gets no traffic', async () => {
    await c.addPod('evicted', 'node1', '--labels', 'app=evict');
    await c.addPod('survivor', 'node2', '--labels', 'app=evict');
    const svc = await c.api.create(c.svc('evictions', { selector: { app: 'evict' }, ports: [{ port: 80 }] }));
    const url = `http://${svc.spec!.clusterIP}/`;
    await eventually(async () => (await c.spread('client', url, 12)).length === 2);
    await c.api.patch('Pod', NS, 'evicted', 'merge', { status: { phase: 'Failed', reason: 'Evicted' } }, { subresource: 'status' });
    await eventually(async () => (await c.api.get('Endpoints', NS, 'evictions')).subsets?.[0]?.addresses?.length === 1);
    await eventually(async () => (await c.spread('client', url, 12)).join() === 'survivor');
    await c.api.delete('Service', NS, 'evictions');
    for (const p of ['evicted', 'survivor']) await c.cluster.must('pod', 'delete', p, '-n', NS);
  }, 90_000);

  it('one port on TCP and UDP: both answer', async () => {
    await c.addPod('dual', 'node1', '--labels', 'app=dual', '--port', '5353:tcp-dns', '--port', '5353/udp:udp-dns');
    const svc = await c.api.create(
      c.svc('dual-proto', {
        selector: { app: 'dual' },
        ports: [
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 5353 },
          { name: 'dns-udp', port: 53, protocol: 'UDP', targetPort: 5353 },
        ],
      }),
    );
    const ip = svc.spec!.clusterIP!;
    expect(await c.reachable('client', `http://${ip}:53/`)).toMatch(/ dual /);
    const udp = await eventually(async () => {
      const out = (await c.cluster.exec('client', NS, process.execPath, UDP_PROBE, ip, '53', '40053', '1', '500')).stdout.trim();
      return out.startsWith('IP: ') ? out : '';
    });
    expect(udp).toMatch(/ dual /);
    await c.api.delete('Service', NS, 'dual-proto');
    await c.cluster.must('pod', 'delete', 'dual', '-n', NS);
  }, 90_000);

  it('SCTP endpoints appear in and disappear from the node\'s rules', async () => {
    const dump = async () => (await c.cluster.exec('node1', undefined, ...(c.mode === 'iptables' ? ['iptables-save', '-t', 'nat'] : ['nft', 'list', 'table', 'ip', 'kube-proxy']))).stdout;
    await c.addPod('sctp', 'node1', '--labels', 'app=sctp', '--port', '7777/sctp:assoc');
    const svc = await c.api.create(c.svc('sctp-svc', { selector: { app: 'sctp' }, ports: [{ name: 'assoc', port: 7777, protocol: 'SCTP', targetPort: 7777 }] }));
    const ip = svc.spec!.clusterIP!;
    const podIP = await c.podIP('sctp');
    const dots = (s: string) => s.replace(/\./g, '\\.');
    const dnat = c.mode === 'iptables' ? new RegExp(`-p sctp .*-m sctp -j DNAT --to-destination ${dots(podIP)}:7777`) : new RegExp(`meta l4proto sctp dnat to ${dots(podIP)}:7777`);
    const serviceRule = c.mode === 'iptables' ? new RegExp(`-d ${dots(ip)}/32 -p sctp .*--dport 7777`) : new RegExp(`${dots(ip)} \\. sctp \\. 7777`);
    await eventually(async () => {
      const text = await dump();
      return dnat.test(text) && serviceRule.test(text);
    });
    await c.cluster.must('pod', 'delete', 'sctp', '-n', NS);
    await eventually(async () => !dnat.test(await dump()));
    await c.api.delete('Service', NS, 'sctp-svc');
  }, 90_000);
}
