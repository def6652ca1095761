/**
 * Services deleted and created again (e2e "should be able to up and down services", "should release
 * NodePorts on delete", "should prevent NodePort collisions", "should check NodePort out-of-range").
 */
import { expect, it } from 'vitest';
import { InvalidError } from '@minimesh/api';
import { NODE_IPS, NS, type Conformance } from './harness.js';

export function lifecycleTheme(c: Conformance): void {
  it('a deleted Service stops answering; created again it answers on a new ClusterIP unlike any live one', async () => {
    const first = await c.api.create(c.svc('updown', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    const ip1 = first.spec!.clusterIP!;
    await c.reachable('client', `http://${ip1}/`);
    await c.api.delete('Service', NS, 'updown');
    await c.unreachable('client', `http://${ip1}/`);
    const second = await c.api.create(c.svc('updown', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    const live = (await c.api.list('Service')).items.filter((s) => s.metadata.name !== 'updown').map((s) => s.spec?.clusterIP);
    expect(live).not.toContain(second.spec!.clusterIP);
    await c.reachable('client', `http://${second.spec!.clusterIP}/`);
    await c.api.delete('Service', NS, 'updown');
  }, 90_000);

  it('NodePorts are released on delete and reusable at once; a taken or out-of-range one is refused on create and on update', async () => {
    const np = await c.api.create(c.svc('np-release', { selector: { app: 'web' }, type: 'NodePort', ports: [{ port: 80 }] }));
    const port = np.spec!.ports![0]!.nodePort!;
    await c.reachable('outside', `http://${NODE_IPS.node1}:${port}/`);
    const clash = await c.api.create(c.svc('np-clash', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] })).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(InvalidError);
    expect((clash as Error).message).toMatch(new RegExp(`${port}.*port is already allocated`));
    const outOfRange = await c.api.create(c.svc('np-range', { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] })).catch((e: unknown) => e);
    expect((outOfRange as Error).message).toMatch(/29999.*port is not in the valid range/);
    await c.api.create(c.svc('np-other', { selector: { app: 'web' }, type: 'NodePort', ports: [{ port: 80 }] }));
    const onUpdate = await c.api.patch('Service', NS, 'np-other', 'strategic', { spec: { ports: [{ port: 80, nodePort: port }] } }).catch((e: unknown) => e);
    expect((onUpdate as Error).message).toMatch(new RegExp(`${port}.*port is already allocated`));
    await c.api.delete('Service', NS, 'np-release');
    await c.unreachable('outside', `http://${NODE_IPS.node1}:${port}/`);
    const reuse = await c.api.create(c.svc('np-reuse', { selector: { app: 'web' }, type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
    expect(reuse.spec!.ports![0]!.nodePort).toBe(port);
    await c.reachable('outside', `http://${NODE_IPS.node2}:${port}/`);
    for (const n of ['np-other', 'np-reuse']) await c.api.delete('Service', NS, n);
  }, 90_000);
}
