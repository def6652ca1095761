/**
 * Traffic policies and source addresses (e2e "should only target nodes with endpoints",
 * "should preserve source pod IP for traffic thru service cluster IP", "should work for type=NodePort
 * with externalTrafficPolicy: Local" / source IP): internalTrafficPolicy Local serves only this
 * node's pods, from a pod and from a node; externalTrafficPolicy Local keeps an outside client's
 * address; Cluster masquerades it.
 */
import { expect, it } from 'vitest';
import { parseEcho } from '@minimesh/cluster/testing';
import { eventually } from '@minimesh/runtime/testing';
import { NODE_IPS, NS, OUTSIDE_IP, type Conformance } from './harness.js';

/** The client address the echo server saw (its second line, `from 10.244.2.11:43210`). */
const peer = (reply: string) => parseEcho(reply)?.from?.ip;

export function trafficPolicyTheme(c: Conformance): void {
  it('internalTrafficPolicy Local: a pod and a node reach only their own node\'s pods', async () => {
    const svc = await c.api.create(c.svc('itp-local', { selector: { app: 'web' }, internalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
    const url = `http://${svc.spec!.clusterIP}/`;
    await c.reachable('client', url);
    expect(await c.spread('client', url, 12)).toEqual(['web-3']); // client runs on node2
    // Random between two: 12 requests miss one with p ≈ 0.05 %, so another round may follow.
    let seen: string[] = [];
    await eventually(async () => (seen = await c.spread('node1', url, 12)).length >= 2);
    expect(seen).toEqual(['web-1', 'web-2']);
    await c.api.delete('Service', NS, 'itp-local');
  }, 60_000);

  it('pod → ClusterIP keeps the pod\'s address; outside → NodePort is masqueraded with Cluster and kept with Local', async () => {
    const svc = await c.api.create(c.svc('source-ip', { selector: { app: 'web' }, type: 'NodePort', ports: [{ port: 80 }] }));
    const clientIP = await c.podIP('client');
    const viaCluster = await c.reachable('client', `http://${svc.spec!.clusterIP}/`);
    expect(peer(viaCluster)).toBe(clientIP);
    const port = svc.spec!.ports![0]!.nodePort!;
    await c.reachable('outside', `http://${NODE_IPS.node1}:${port}/`);
    const masqueraded = (await c.curlMany('outside', `http://${NODE_IPS.node1}:${port}/`, 9)).filter(Boolean);
    expect(masqueraded.every((l) => peer(l) !== OUTSIDE_IP)).toBe(true);
    await c.api.patch('Service', NS, 'source-ip', 'merge', { spec: { externalTrafficPolicy: 'Local' } });
    await expectEventuallyKept(c, `http://${NODE_IPS.node1}:${port}/`);
    await c.api.delete('Service', NS, 'source-ip');
  }, 90_000);
}

async function expectEventuallyKept(c: Conformance, url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = (await c.curlMany('outside', url, 6)).filter(Boolean);
    if (lines.length && lines.every((l) => peer(l) === OUTSIDE_IP && /web-[12]/.test(l))) return;
  }
  expect(lines, 'externalTrafficPolicy Local keeps the outside client\'s address, and node1 serves its own pods only').toEqual(lines.map(() => expect.stringMatching(new RegExp(`web-[12] node1 from ${OUTSIDE_IP.replace(/\./g, '\\.')}:`))));
}
