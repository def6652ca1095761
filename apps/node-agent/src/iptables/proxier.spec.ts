/**
 * The proxier's sync decisions with a fake kernel: what it restores (full or partial), when it
 * ensures the jumps and the canary, and how it recovers from a failed restore or a flushed table.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { createLogger } from '@minimesh/runtime';
import type { Exec, ExecResult } from '@minimesh/runtime';
import { proxyMetrics } from '../metrics.js';
import { Iptables } from './iptables.js';
import { IptablesProxier } from './proxier.js';

class FakeKernel {
  calls: string[][] = [];
  restores: string[] = [];
  chains = new Set<string>();
  failNextRestore = false;
  /** Resolves a held restore; set holdRestore to make the next restore wait for it. */
  holdRestore = false;
  release?: () => void;
  exec: Exec = async (file, args, input): Promise<ExecResult> => {
    this.calls.push([file, ...args]);
    const ok = { code: 0, stdout: '', stderr: '' };
    if (file === 'iptables-restore') {
      if (this.holdRestore) {
        this.holdRestore = false;
        await new Promise<void>((r) => (this.release = r));
      }
      if (this.failNextRestore) {
        this.failNextRestore = false;
        return { code: 2, stdout: '', stderr: 'iptables-restore: line 3 failed' };
      }
      this.restores.push(input ?? '');
      return ok;
    }
    if (file === 'iptables-save') return { ...ok, stdout: '*nat\n:KUBE-SVC-OLDOLDOLDOLDOLD1 - [0:0]\nCOMMIT\n' };
    if (file === 'iptables') {
      const t = args[args.indexOf('-t') + 1]!;
      if (args.includes('-S')) return this.chains.has(`${t}/${args[args.indexOf('-S') + 1]}`) ? ok : { code: 1, stdout: '', stderr: 'No chain' };
      if (args.includes('-N')) this.chains.add(`${t}/${args[args.indexOf('-N') + 1]}`);
      if (args.includes('-C')) return { code: 1, stdout: '', stderr: 'Bad rule' };
      return ok;
    }
    if (file === 'conntrack') return { code: 1, stdout: '', stderr: '0 flow entries have been deleted.' };
    return ok;
  };
}

const svc = (name: string, ip: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'study', uid: name },
  spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] },
});

const slice = (svcName: string, ip: string): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-abcde`, namespace: 'study', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node1' }],
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
});

function setup(fullSyncPeriodMs?: number) {
  const kernel = new FakeKernel();
  const metrics = proxyMetrics();
  const proxier = new IptablesProxier({
    nodeName: 'node1',
    nodeAddresses: () => ['192.168.100.11'],
    render: { prefix: 'KUBE-', clusterCIDR: '10.244.0.0/16' },
    minSyncMs: 0,
    syncMs: 3600_000,
    fullSyncPeriodMs,
    iptables: new Iptables(kernel.exec, { restoreBin: 'iptables-restore' }),
    exec: kernel.exec,
    log: createLogger('test', { level: 'error' }),
    metrics,
  });
  return { kernel, proxier, metrics };
}

describe('IptablesProxier', () => {
  it('proxier - writes nothing before the caches synced', async () => {
    const { kernel, proxier } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    await proxier.sync();
    expect(kernel.restores).toEqual([]);
  });

  it('proxier - first sync is full: jumps, canary, every chain, stale chains of an earlier run deleted', async () => {
    const { kernel, proxier } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    proxier.onSliceChange(undefined, slice('a', '10.244.1.5'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    expect(kernel.restores).toHaveLength(1);
    const input = kernel.restores[0]!;
    expect(input).toContain('*filter');
    // kube-proxy's restore input order (iptables-save prints it normalized).
    expect(input).toContain('-A KUBE-SERVICES -m comment --comment "study/a:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-');
    expect(input).toContain('-X KUBE-SVC-OLDOLDOLDOLDOLD1');
    expect(kernel.calls.some((c) => c.includes('-I') && c.includes('PREROUTING'))).toBe(true);
    expect(kernel.chains.has('nat/KUBE-PROXY-CANARY')).toBe(true);
    expect(proxier.synced).toBe(true);
  });

  it('proxier - the pending-changes gauges follow the changes and drop to 0 when a sync takes them (kube-proxy)', async () => {
    const { proxier, metrics } = setup();
    const gauge = async (g: typeof metrics.serviceChangesPending) => (await g.get()).values[0]?.value;
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21'));
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21')); // the same again: still 2 Services
    const a1 = slice('a', '10.244.1.5');
    proxier.onSliceChange(undefined, a1);
    proxier.onSliceChange(a1, slice('a', '10.244.1.6')); // endpoint changes count each change
    proxier.onSliceChange(undefined, { ...slice('a', '10.244.1.7'), addressType: 'FQDN' }); // not proxied: not counted
    expect([await gauge(metrics.serviceChangesPending), await gauge(metrics.endpointChangesPending)]).toEqual([2, 2]);
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    expect([await gauge(metrics.serviceChangesPending), await gauge(metrics.endpointChangesPending)]).toEqual([0, 0]);
    const total = async (c: typeof metrics.serviceChangesTotal) => (await c.get()).values[0]?.value;
    expect([await total(metrics.serviceChangesTotal), await total(metrics.endpointChangesTotal)]).toEqual([3, 2]);
  });

  it('proxier - later syncs are partial: only the changed service chains are rewritten', async () => {
    const { kernel, proxier } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    kernel.calls = [];
    proxier.onSliceChange(undefined, slice('b', '10.244.2.7'));
    await proxier.sync();
    const partial = kernel.restores[1]!;
    expect(partial).toContain('10.244.2.7');
    expect(partial).not.toMatch(/^:KUBE-SVC-.*\n(?:.*\n)*.*study\/a:http ->/m);
    expect(kernel.calls.some((c) => c.includes('-I'))).toBe(false); // no jump checks on partial syncs
  });

  it('proxier - a partial sync leaves out the top-level chains whose rules did not change, and edits those where a few did', async () => {
    const { kernel, proxier, metrics } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21'));
    proxier.onSliceChange(undefined, slice('a', '10.244.1.5'));
    proxier.onSliceChange(undefined, slice('b', '10.244.2.6'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    expect(kernel.restores[0]).toMatch(/^:KUBE-SERVICES - \[0:0\]$/m);
    // An endpoint of b moves: b's chains only; KUBE-SERVICES, NODEPORTS and the filter table stay as they are.
    proxier.onSliceChange(slice('b', '10.244.2.6'), slice('b', '10.244.2.7'));
    await proxier.sync();
    const move = kernel.restores[1]!;
    expect(move).toContain('-j DNAT --to-destination 10.244.2.7:80');
    expect(move).not.toMatch(/^:KUBE-(SERVICES|NODEPORTS|POSTROUTING|MARK-MASQ|FORWARD|EXTERNAL-SERVICES|PROXY-FIREWALL) /m);
    expect(move).toMatch(/^\*filter\nCOMMIT\n\*nat\n/);
    expect(move).toMatch(/^-X KUBE-SEP-/m);
    // sync_proxy_rules_iptables_last{table="nat"}: what this restore wrote, b's chains alone.
    const last = (await metrics.rulesLast.get()).values.find((v) => v.labels.table === 'nat')?.value;
    expect(last).toBe((move.match(/^-A /gm) ?? []).length);
    // A new Service: its rule inserted at the top of KUBE-SERVICES (Services' rules match each its
    // own destination, in any order; iptables-nft inserts at 1 without reading the chain), nothing
    // else of KUBE-SERVICES written; the NODEPORTS jump stays last.
    proxier.onServiceChange(undefined, svc('c', '10.96.0.22'));
    proxier.onSliceChange(undefined, slice('c', '10.244.1.8'));
    await proxier.sync();
    const added = kernel.restores[2]!;
    expect(added).not.toMatch(/^:KUBE-SERVICES /m);
    expect(added).toMatch(/^-I KUBE-SERVICES 1 -m comment --comment "study\/c:http cluster IP" -m tcp -p tcp -d 10\.96\.0\.22 --dport 80 -j KUBE-SVC-/m);
    expect(added).not.toMatch(/^-I \S+ (?!1 )/m);
    expect(added).not.toContain('10.96.0.20');
    // A deleted one: its rule deleted by its text, its chains flushed and removed.
    proxier.onServiceChange(svc('a', '10.96.0.20'), undefined);
    await proxier.sync();
    const removed = kernel.restores[3]!;
    expect(removed).toMatch(/^-D KUBE-SERVICES -m comment --comment "study\/a:http cluster IP" .* -d 10\.96\.0\.20 --dport 80 -j KUBE-SVC-/m);
    expect(removed).toMatch(/^-X KUBE-SVC-/m);
    expect(removed.indexOf('-D KUBE-SERVICES')).toBeLessThan(removed.indexOf('-X KUBE-SVC-'));
    // After a failed restore everything is written again.
    kernel.failNextRestore = true;
    proxier.onSliceChange(slice('c', '10.244.1.8'), slice('c', '10.244.1.9'));
    proxier.onServiceChange(undefined, svc('d', '10.96.0.23'));
    await expect(proxier.sync()).rejects.toThrow(/iptables-restore failed/);
    await proxier.sync();
    expect(kernel.restores.at(-1)).toMatch(/^:KUBE-SERVICES - \[0:0\]$/m);
    expect(kernel.restores.at(-1)).toMatch(/^:KUBE-FORWARD - \[0:0\]$/m);
  });

  it('proxier - a failed restore is retried as a full sync', async () => {
    const { kernel, proxier } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    kernel.failNextRestore = true;
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21'));
    await expect(proxier.sync()).rejects.toThrow(/iptables-restore failed/);
    kernel.calls = [];
    await proxier.sync();
    expect(kernel.calls.some((c) => c.includes('-I') && c.includes('PREROUTING'))).toBe(true);
    expect(kernel.restores.at(-1)).toContain('"study/b:http has no endpoints"');
  });

  it('proxier - a flushed table (canary gone) forces a full sync', async () => {
    const { kernel, proxier } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    kernel.chains.clear(); // someone ran iptables -F -X
    kernel.calls = [];
    await proxier.sync(); // a partial sync does not look for the canary
    expect(kernel.calls.some((c) => c.includes('KUBE-PROXY-CANARY'))).toBe(false);
    await proxier.checkCanary(); // the side check does (every 5 s in the agent)
    kernel.calls = [];
    await proxier.sync();
    expect(kernel.chains.has('filter/KUBE-PROXY-CANARY')).toBe(true);
    expect(kernel.calls.some((c) => c.includes('-I') && c.includes('PREROUTING'))).toBe(true);
    kernel.calls = [];
    await proxier.checkCanary(); // there again: nothing to do
    await proxier.sync();
    expect(kernel.calls.some((c) => c.includes('-I') && c.includes('PREROUTING'))).toBe(false);
  });

  it('proxier - a full sync at least every full-sync period', async () => {
    const { kernel, proxier } = setup(0);
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    kernel.calls = [];
    await new Promise((r) => setTimeout(r, 5));
    await proxier.sync();
    expect(kernel.calls.some((c) => c.includes('-I') && c.includes('PREROUTING'))).toBe(true);
  });

  it('proxier - stale UDP flows of a failed sync are still cleaned once a sync succeeds', async () => {
    const { kernel, proxier } = setup();
    const udp = (ip: string): Service => ({
      ...svc('dns', ip),
      spec: { ...svc('dns', ip).spec, ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }] },
    });
    const udpSlice = (epIP: string): EndpointSlice => ({ ...slice('dns', epIP), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    proxier.onServiceChange(undefined, udp('10.96.0.10'));
    proxier.onSliceChange(undefined, udpSlice('10.244.1.9'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    proxier.onSliceChange(udpSlice('10.244.1.9'), udpSlice('10.244.2.9'));
    kernel.failNextRestore = true;
    await expect(proxier.sync()).rejects.toThrow();
    kernel.calls = [];
    await proxier.sync();
    const deletes = kernel.calls.filter((c) => c[0] === 'conntrack').map((c) => c.join(' '));
    expect(deletes).toContain('conntrack -D -p udp --orig-dst 10.96.0.10 --dst-nat 10.244.1.9');
  });

  it('proxier - a full sync asked for during a sync happens next', async () => {
    const { kernel, proxier } = setup();
    proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
    (proxier as unknown as { initialized: boolean }).initialized = true;
    await proxier.sync();
    kernel.holdRestore = true;
    proxier.onServiceChange(undefined, svc('b', '10.96.0.21'));
    const running = proxier.sync();
    await new Promise((r) => setTimeout(r, 20));
    proxier.onNodeChange(); // the node's addresses changed while the restore runs
    kernel.release!();
    await running;
    kernel.calls = [];
    await proxier.sync();
    expect(kernel.calls.some((c) => c.includes('-I') && c.includes('PREROUTING'))).toBe(true);
  });
});
