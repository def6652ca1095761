/**
 * Every type change (e2e "should be able to change the type and ports of a TCP/UDP service",
 * "should be able to update service type to NodePort listening on same port number but different
 * protocols", "should be able to change the type from ExternalName to ClusterIP/NodePort" and back),
 * the data plane following each one.
 */
import { expect, it } from 'vitest';
import { NODE_IPS, NS, type Conformance } from './harness.js';

export function typeChangesTheme(c: Conformance): void {
  it('ClusterIP → NodePort keeps one nodePort for TCP and UDP on the same port; back to ClusterIP the NodePort stops answering', async () => {
    const svc = await c.api.create(
      c.svc('retype', {
        selector: { app: 'web' },
        ports: [
          { name: 'tcp', port: 80, protocol: 'TCP', targetPort: 80 },
          { name: 'udp', port: 80, protocol: 'UDP', targetPort: 80 },
        ],
      }),
    );
    await c.reachable('client', `http://${svc.spec!.clusterIP}/`);
    const np = await c.api.patch('Service', NS, 'retype', 'merge', { spec: { type: 'NodePort' } });
    const [tcp, udp] = np.spec!.ports!;
    expect(tcp!.nodePort).toBeGreaterThan(0);
    expect(udp!.nodePort).toBe(tcp!.nodePort);
    expect(np.spec!.clusterIP).toBe(svc.spec!.clusterIP);
    await c.reachable('outside', `http://${NODE_IPS.node1}:${tcp!.nodePort}/`);
    const back = await c.api.patch('Service', NS, 'retype', 'merge', { spec: { type: 'ClusterIP' } });
    expect(back.spec!.ports!.every((p) => !p.nodePort)).toBe(true);
    await c.unreachable('outside', `http://${NODE_IPS.node1}:${tcp!.nodePort}/`);
    await c.reachable('client', `http://${svc.spec!.clusterIP}/`);
    await c.api.delete('Service', NS, 'retype');
  }, 90_000);

  it('NodePort → LoadBalancer keeps the nodePort', async () => {
    const np = await c.api.create(c.svc('np-to-lb', { selector: { app: 'web' }, type: 'NodePort', ports: [{ port: 80 }] }));
    const port = np.spec!.ports![0]!.nodePort!;
    const lb = await c.api.patch('Service', NS, 'np-to-lb', 'merge', { spec: { type: 'LoadBalancer' } });
    expect(lb.spec!.ports![0]!.nodePort).toBe(port);
    await c.reachable('outside', `http://${NODE_IPS.node2}:${port}/`);
    await c.api.delete('Service', NS, 'np-to-lb');
  }, 60_000);

  it('ExternalName → ClusterIP → NodePort → ExternalName: IPs and ports allocated and released, traffic following', async () => {
    await c.api.create(c.svc('named', { type: 'ExternalName', externalName: 'www.example.com' }));
    const cip = await c.api.patch('Service', NS, 'named', 'merge', { spec: { type: 'ClusterIP', externalName: null, selector: { app: 'web' }, ports: [{ port: 80 }] } });
    expect(cip.spec!.clusterIP).toMatch(/^10\./);
    await c.reachable('client', `http://${cip.spec!.clusterIP}/`);
    const np = await c.api.patch('Service', NS, 'named', 'merge', { spec: { type: 'NodePort' } });
    const port = np.spec!.ports![0]!.nodePort!;
    await c.reachable('outside', `http://${NODE_IPS.node1}:${port}/`);
    const en = await c.api.patch('Service', NS, 'named', 'merge', { spec: { type: 'ExternalName', externalName: 'www.example.com', clusterIP: null, clusterIPs: null, ipFamilies: null, ipFamilyPolicy: null } });
    expect([en.spec!.clusterIP, en.spec!.ports?.[0]?.nodePort]).toEqual([undefined, undefined]);
    await c.unreachable('client', `http://${cip.spec!.clusterIP}/`);
    await c.unreachable('outside', `http://${NODE_IPS.node1}:${port}/`);
    await c.api.delete('Service', NS, 'named');
  }, 90_000);
}
