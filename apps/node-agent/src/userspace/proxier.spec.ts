/**
 * The userspace proxier's syncs with a recording `iptables` and real listeners on loopback: the
 * portal rules point at the ports the proxy listens on, traffic to those ports reaches the
 * Service's endpoints, the ports stay put across endpoint changes (live connections survive), a
 * removed Service's listener closes after its rules are gone.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { createLogger, type Exec } from '@minimesh/runtime';
import { proxyMetrics } from '../metrics.js';
import { Iptables } from '../iptables/iptables.js';
import { UserspaceProxier } from './proxier.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function backend(name: string): Promise<number> {
  const server = net.createServer((s) => s.end(`${name}\n`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

const svc = (name: string, spec: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'study', uid: name },
  spec: { type: 'ClusterIP', clusterIP: '10.97.97.97', clusterIPs: ['10.97.97.97'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], ...spec },
});

const slice = (svcName: string, port: number, nodes: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-abcde`, namespace: 'study', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: nodes.map((nodeName, i) => ({ addresses: [`127.0.0.${i + 1}`], nodeName })),
  ports: [{ name: '', port, protocol: 'TCP' }],
});

function setup(saved = '') {
  const restores: string[] = [];
  const commands: string[][] = [];
  const exec: Exec = async (file, args, input) => {
    commands.push([file, ...args]);
    if (file === 'iptables-restore') restores.push(input ?? '');
    if (file === 'iptables-save') return { code: 0, stdout: saved, stderr: '' };
    if (file === 'iptables' && args.includes('-C')) return { code: 1, stdout: '', stderr: 'Bad rule' };
    return { code: 0, stdout: '', stderr: '' };
  };
  const metrics = proxyMetrics();
  const proxier = new UserspaceProxier({
    nodeName: 'node1',
    nodeAddresses: () => ['192.168.100.11'],
    minSyncMs: 0,
    syncMs: 3600_000,
    exec,
    log: createLogger('test', { level: 'error' }),
    metrics,
    registry: metrics.registry,
    iptables: new Iptables(exec, { restoreBin: 'iptables-restore' }),
    prefix: 'KUBE-',
    scheduler: 'rr',
    udpIdleTimeoutMs: 250,
    maxConnections: 0,
    drainGraceMs: 100,
    listenHost: '127.0.0.1',
  });
  (proxier as unknown as { initialized: boolean }).initialized = true;
  cleanups.push(() => proxier.stop());
  return { proxier, restores, commands, metrics };
}

const ask = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out.trim()));
    s.on('error', reject);
  });

describe('UserspaceProxier', () => {
  it('listens for each Service port, points the portals at it, and proxies to the endpoints', async () => {
    const { proxier, restores, commands } = setup();
    const port = await backend('web');
    proxier.onServiceChange(undefined, svc('web'));
    proxier.onSliceChange(undefined, slice('web', port, ['node1']));
    await proxier.sync();
    const proxyPort = proxier.proxyPort('study/web/TCP')!;
    expect(proxyPort).toBeGreaterThan(0);
    expect(restores[0]).toContain(`-A KUBE-PORTALS-CONTAINER -m comment --comment "study/web" -p tcp -m tcp --dport 80 -d 10.97.97.97/32 -j REDIRECT --to-ports ${proxyPort}`);
    expect(restores[0]).toContain(`-A KUBE-PORTALS-HOST -m comment --comment "study/web" -p tcp -m tcp --dport 80 -d 10.97.97.97/32 -j DNAT --to-destination 192.168.100.11:${proxyPort}`);
    expect(commands.filter((c) => c.includes('-I')).map((c) => c[c.indexOf('-I') + 1])).toEqual(['INPUT', 'FORWARD', 'FORWARD', 'OUTPUT', 'INPUT', 'PREROUTING', 'OUTPUT', 'PREROUTING', 'OUTPUT']);
    expect(await ask(proxyPort)).toBe('web');
    expect(proxier.synced).toBe(true);
  });

  it('keeps the port across endpoint changes, a connection open all along; a removed Service loses rules and listener', async () => {
    const { proxier, restores } = setup();
    const a = await backend('a');
    proxier.onServiceChange(undefined, svc('web'));
    proxier.onSliceChange(undefined, slice('web', a, ['node1']));
    await proxier.sync();
    const port = proxier.proxyPort('study/web/TCP')!;
    const held = net.connect({ port, host: '127.0.0.1' });
    cleanups.push(() => held.destroy());
    await new Promise((r) => held.once('data', r));
    proxier.onSliceChange(slice('web', a, ['node1']), slice('web', a, ['node1', 'node2']));
    await proxier.sync();
    expect(proxier.proxyPort('study/web/TCP')).toBe(port);
    expect(held.destroyed).toBe(false);
    proxier.onServiceChange(svc('web'), undefined);
    await proxier.sync();
    expect(restores.at(-1)).not.toContain('study/web');
    expect(proxier.proxyPort('study/web/TCP')).toBeUndefined();
    await expect(ask(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('externalTrafficPolicy Local: external traffic has its own port with the node\'s endpoints', async () => {
    const { proxier, restores } = setup();
    const port = await backend('any');
    proxier.onServiceChange(undefined, svc('np', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30002 }] }));
    proxier.onSliceChange(undefined, slice('np', port, ['node1', 'node2']));
    await proxier.sync();
    const internal = proxier.proxyPort('study/np/TCP', 'internal')!;
    const external = proxier.proxyPort('study/np/TCP', 'external')!;
    expect(external).not.toBe(internal);
    expect(restores[0]).toContain(`--dport 30002 -j REDIRECT --to-ports ${external}`);
    expect(restores[0]).toContain(`-d 10.97.97.97/32 -j REDIRECT --to-ports ${internal}`);
    // Both endpoints share the backend's port; only 127.0.0.1 (node1's) serves external traffic.
    for (let i = 0; i < 3; i++) expect(await ask(external)).toBe('any');
  });

  it('a restarted agent listens on the ports the rules it finds name, so they stay as they were', async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const saved = `*nat\n-A KUBE-PORTALS-CONTAINER -d 10.97.97.97/32 -p tcp -m comment --comment "study/web" -m tcp --dport 80 -j REDIRECT --to-ports ${free}\nCOMMIT\n`;
    const { proxier, restores } = setup(saved);
    proxier.onServiceChange(undefined, svc('web'));
    proxier.onSliceChange(undefined, slice('web', await backend('web'), ['node1']));
    await proxier.sync();
    expect(proxier.proxyPort('study/web/TCP')).toBe(free);
    expect(restores[0]).toContain(`-d 10.97.97.97/32 -j REDIRECT --to-ports ${free}`);
    expect(await ask(free)).toBe('web');
  });
});
