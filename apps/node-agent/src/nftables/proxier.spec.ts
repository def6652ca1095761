/**
 * The nftables proxier's sync decisions with a fake `nft`: a fresh table on the first sync and
 * after a failure, partial transactions afterwards, a full one hourly and when the node's
 * addresses change, stale chains deleted a second later, stale UDP flows cleaned once a sync
 * succeeds, and the failure metric.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { hashAndTruncate } from '@minimesh/proxy-core';
import { createLogger } from '@minimesh/runtime';
import type { Exec, ExecResult } from '@minimesh/runtime';
import { proxyMetrics } from '../metrics.js';
import { Nft } from './nft.js';
import { NftablesProxier } from './proxier.js';

class FakeNft {
  calls: string[][] = [];
  scripts: string[] = [];
  failNext = false;
  exec: Exec = async (file, args, input): Promise<ExecResult> => {
    this.calls.push([file, ...args]);
    if (file === 'nft') {
      if (this.failNext) {
        this.failNext = false;
        return { code: 1, stdout: '', stderr: 'Error: Could not process rule: No such file or directory' };
      }
      this.scripts.push(input ?? '');
      return { code: 0, stdout: '', stderr: '' };
    }
    if (file === 'conntrack') return { code: 1, stdout: '', stderr: '0 flow entries have been deleted.' };
    return { code: 0, stdout: '', stderr: '' };
  };
}

const svc = (name: string, ip: string, protocol = 'TCP', port = 80): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'study', uid: name },
  spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], selector: { app: name }, ports: [{ name: 'p', port, protocol, targetPort: port }] },
});

const slice = (svcName: string, ip: string, protocol = 'TCP', port = 80): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-abcde`, namespace: 'study', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node1' }],
  ports: [{ name: 'p', port, protocol }],
});

function setup() {
  const kernel = new FakeNft();
  const metrics = proxyMetrics();
  const clock = { now: 1_000_000 };
  let addresses = ['192.168.100.11'];
  const proxier = new NftablesProxier({
    nodeName: 'node1',
    nodeAddresses: () => addresses,
    now: () => clock.now,
    render: { clusterCIDR: '10.244.0.0/16' },
    minSyncMs: 0,
    syncMs: 3600_000,
    nft: new Nft(kernel.exec),
    exec: kernel.exec,
    log: createLogger('test', { level: 'error' }),
    metrics,
  });
  const init = () => ((proxier as unknown as { initialized: boolean }).initialized = true);
  const moveNode = (to: string) => {
    addresses = [to];
    proxier.onNodeChange();
  };
  return { kernel, proxier, metrics, init, clock, moveNode };
}

const EP_A = `endpoint-${hashAndTruncate('study/a/tcp/p__10.244.1.5/80')}`;

describe('NftablesProxier', () => {
  it('nft proxier - writes nothing before the caches synced', async () => {
    const { kernel, proxier } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    await proxier.sync();
    expect(kernel.scripts).toEqual([]);
  });

  it('nft proxier - the first sync rebuilds the table with `nft -f -` in one transaction', async () => {
    const { kernel, proxier, init } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    proxier.onSliceChange(undefined, slice('a', '10.244.1.5'));
    init();
    await proxier.sync();
    expect(kernel.calls[0]).toEqual(['nft', '-f', '-']);
    const script = kernel.scripts[0]!;
    expect(script.split('\n').slice(0, 3)).toEqual(['add table ip kube-proxy { comment "rules for kube-proxy" ; }', 'delete table ip kube-proxy', 'add table ip kube-proxy { comment "rules for kube-proxy" ; }']);
    expect(script).toContain('add element ip kube-proxy service-ips { 10.96.0.20 . tcp . 80 comment "study/a:p" : goto service-');
    expect(script).toContain(`add rule ip kube-proxy ${EP_A} meta l4proto tcp dnat to 10.244.1.5:80`);
    expect(proxier.synced).toBe(true);
  });

  it('nft proxier - later syncs send only the change; a stale chain is flushed, then deleted by a sync a second later', async () => {
    const { kernel, proxier, init, clock } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    proxier.onSliceChange(undefined, slice('a', '10.244.1.5'));
    init();
    await proxier.sync();
    proxier.onSliceChange(slice('a', '10.244.1.5'), undefined);
    clock.now += 10;
    await proxier.sync();
    expect(kernel.scripts[1]).toBe(
      [
        'delete element ip kube-proxy service-ips { 10.96.0.20 . tcp . 80 }',
        'add element ip kube-proxy no-endpoint-services { 10.96.0.20 . tcp . 80 comment "study/a:p" : goto reject-chain }',
        `flush chain ip kube-proxy service-${hashAndTruncate('study/a/tcp/p')}`,
        `flush chain ip kube-proxy ${EP_A}`,
        '',
      ].join('\n'),
    );
    clock.now += 500;
    await proxier.sync();
    expect(kernel.scripts).toHaveLength(2); // nothing changed, nothing old enough to delete: no nft run
    clock.now += 500;
    await proxier.sync();
    expect(kernel.scripts[2]).toBe(`delete chain ip kube-proxy service-${hashAndTruncate('study/a/tcp/p')}\ndelete chain ip kube-proxy ${EP_A}\n`);
    await proxier.stop();
  });

  it("nft proxier - a full sync in place hourly and when the node's addresses change", async () => {
    const { kernel, proxier, init, clock, moveNode } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    init();
    await proxier.sync();
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21'));
    await proxier.sync();
    expect(kernel.scripts[1]).not.toContain('flush chain');
    clock.now += 3600_000;
    await proxier.sync();
    expect(kernel.scripts[2]).toContain('flush map ip kube-proxy service-ips\n');
    expect(kernel.scripts[2]).not.toContain('delete table');
    moveNode('192.168.100.12');
    await proxier.sync();
    expect(kernel.scripts[3]).toContain('flush chain ip kube-proxy services\n');
  });

  it('nft proxier - a failed transaction counts a failure, carries nft stderr, and the retry rebuilds the table', async () => {
    const { kernel, proxier, metrics, init } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    init();
    await proxier.sync();
    kernel.failNext = true;
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21'));
    await expect(proxier.sync()).rejects.toThrow(/nft -f - failed \(exit 1\): Error: Could not process rule/);
    expect((await metrics.nftablesSyncFailures.get()).values[0]).toMatchObject({ labels: { ip_family: 'IPv4' }, value: 1 });
    await proxier.sync();
    const retry = kernel.scripts.at(-1)!;
    expect(retry).toContain('delete table ip kube-proxy');
    expect(retry).toContain('10.96.0.21 . tcp . 80 comment "study/b:p" : goto reject-chain');
  });

  it('nft proxier - stale UDP flows of a failed sync are still cleaned once a sync succeeds', async () => {
    const { kernel, proxier, init } = setup();
    proxier.onServiceChange(undefined, svc('dns', '10.96.0.10', 'UDP', 53));
    proxier.onSliceChange(undefined, slice('dns', '10.244.1.9', 'UDP', 53));
    init();
    await proxier.sync();
    proxier.onSliceChange(slice('dns', '10.244.1.9', 'UDP', 53), slice('dns', '10.244.2.9', 'UDP', 53));
    kernel.failNext = true;
    await expect(proxier.sync()).rejects.toThrow();
    expect(kernel.calls.filter((c) => c[0] === 'conntrack')).toEqual([['conntrack', '-D', '-p', 'udp', '--orig-dst', '10.96.0.10']]);
    kernel.calls = [];
    await proxier.sync();
    const deletes = kernel.calls.filter((c) => c[0] === 'conntrack').map((c) => c.join(' '));
    expect(deletes).toContain('conntrack -D -p udp --orig-dst 10.96.0.10 --dst-nat 10.244.1.9');
  });

  it('nft proxier - stopping leaves the table in the kernel', async () => {
    const { kernel, proxier, init } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    init();
    await proxier.sync();
    const before = kernel.calls.length;
    await proxier.stop();
    expect(kernel.calls.length).toBe(before);
  });
});
