/**
 * The iptables proxier against a real kernel, in a network namespace this test creates: partial
 * syncs that leave unchanged top-level chains out and edit KUBE-SERVICES in place (`-I n`, `-D`)
 * are taken by iptables-restore, and leave the chains exactly as a full restore writes them, with a
 * restore process per sync and through processes that wait for their sync (restore-session.ts).
 * Needs root and iptables (skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { exec as realExec, createLogger, type Exec } from '@minimesh/runtime';
import { proxyMetrics } from '../metrics.js';
import { Iptables } from './iptables.js';
import { IptablesProxier } from './proxier.js';

const NS = `mmiptk${process.pid}`;
const skip = process.getuid?.() !== 0 ? 'needs root (a network namespace)' : spawnSync('iptables-restore', ['--version']).status !== 0 ? 'needs iptables' : undefined;
const inNs: Exec = (file, args, input) => realExec('ip', ['netns', 'exec', NS, file, ...args], input);
const save = (table: string) => spawnSync('ip', ['netns', 'exec', NS, 'iptables-save', '-t', table], { encoding: 'utf8' }).stdout;
/** A chain's rules as iptables-save prints them, in order. */
const chainRules = (table: string, chain: string) => save(table).split('\n').filter((l) => l.startsWith(`-A ${chain} `));

const svc = (name: string, ip: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'study' },
  spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] },
});
const slice = (name: string, ip: string): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${name}-abc`, namespace: 'study', labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node1' }],
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
});

describe.skipIf(skip !== undefined)(`IptablesProxier in a namespace of its own${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    spawnSync('ip', ['netns', 'add', NS]);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  // Each case starts from an empty namespace: the first sync of the next one is a full restore again.
  it.each([
    ['a restore process per sync', false],
    ['a restore process waiting for each sync (restore-session.ts)', true],
  ])('partial syncs edit KUBE-SERVICES in place (new rules at the top) and end with the rules a full restore writes: %s', async (_via, session) => {
    spawnSync('ip', ['netns', 'del', NS]);
    spawnSync('ip', ['netns', 'add', NS]);
    const restores: string[] = [];
    const programs: string[] = [];
    const exec: Exec = (file, args, input) => {
      programs.push(`${file} ${args.join(' ')}`);
      return inNs(file, args, input);
    };
    const iptables = new Iptables(exec, { restoreBin: 'iptables-restore', session: session ? { prefix: ['ip', 'netns', 'exec', NS] } : undefined });
    const restore = iptables.restore.bind(iptables);
    iptables.restore = (input) => {
      restores.push(input);
      return restore(input);
    };
    const metrics = proxyMetrics();
    const make = () =>
      new IptablesProxier({
        nodeName: 'node1',
        nodeAddresses: () => ['192.168.100.11'],
        render: { prefix: 'KUBE-', clusterCIDR: '10.244.0.0/16' },
        minSyncMs: 0,
        syncMs: 3600_000,
        iptables,
        exec,
        log: createLogger('test', { level: 'error' }),
        metrics,
      });
    const proxier = make();
    try {
      for (const [name, ip, ep] of [['b', '10.96.0.21', '10.244.1.2'], ['d', '10.96.0.23', '10.244.1.4']] as const) {
        proxier.onServiceChange(undefined, svc(name, ip));
        proxier.onSliceChange(undefined, slice(name, ep));
      }
      (proxier as unknown as { initialized: boolean }).initialized = true;
      await proxier.sync();
      // Services before, between and after the existing ones; one removed; one loses its endpoints.
      proxier.onServiceChange(undefined, svc('a', '10.96.0.20'));
      proxier.onSliceChange(undefined, slice('a', '10.244.1.1'));
      proxier.onServiceChange(undefined, svc('c', '10.96.0.22'));
      proxier.onSliceChange(undefined, slice('c', '10.244.1.3'));
      await proxier.sync();
      proxier.onServiceChange(undefined, svc('e', '10.96.0.24'));
      proxier.onSliceChange(undefined, slice('e', '10.244.1.5'));
      proxier.onServiceChange(svc('b', '10.96.0.21'), undefined);
      proxier.onSliceChange(slice('b', '10.244.1.2'), undefined);
      await proxier.sync();
      proxier.onSliceChange(slice('d', '10.244.1.4'), undefined);
      await proxier.sync();
      const failures = (await metrics.partialRestoreFailures.get()).values.reduce((n, v) => n + v.value, 0);
      expect(failures).toBe(0);
      expect(restores.slice(1).some((r) => /^-I KUBE-SERVICES 1 /m.test(r))).toBe(true);
      expect(restores.slice(1).every((r) => !/^-I \S+ (?!1 )/m.test(r))).toBe(true);
      expect(restores.slice(1).some((r) => /^-D KUBE-SERVICES /m.test(r))).toBe(true);
      expect(restores.slice(1).every((r) => !/^:KUBE-SERVICES /m.test(r.split('*nat')[1] ?? ''))).toBe(true);

      const edited = { nat: chainRules('nat', 'KUBE-SERVICES'), filter: chainRules('filter', 'KUBE-SERVICES') };
      const services = (rules: string[]) => rules.map((r) => /study\/(\w):http/.exec(r)?.[1] ?? 'nodeports');
      // New Services' rules went in at the top, in the order they came: e after a and c.
      expect(services(edited.nat)).toEqual(['e', 'a', 'c', 'nodeports']);
      expect(services(edited.filter)).toEqual(['d']); // no endpoints: REJECT
      // What the proxier believes the kernel holds is what it holds, in its order; one more
      // Service is again an edit, on top.
      const tracked = (proxier as unknown as { restored: Map<string, readonly string[]> }).restored;
      expect(services([...tracked.get('nat:KUBE-SERVICES')!])).toEqual(services(edited.nat));
      proxier.onServiceChange(undefined, svc('f', '10.96.0.25'));
      proxier.onSliceChange(undefined, slice('f', '10.244.1.6'));
      await proxier.sync();
      expect(restores.at(-1)).toMatch(/^-I KUBE-SERVICES 1 .*study\/f:http/m);
      expect(restores.at(-1)).not.toMatch(/^:KUBE-SERVICES /m);
      expect(services(chainRules('nat', 'KUBE-SERVICES'))).toEqual(['f', 'e', 'a', 'c', 'nodeports']);
      // A full restore of the same state writes the same rules, in the rendered order.
      (proxier as unknown as { needFullSync: boolean }).needFullSync = true;
      await proxier.sync();
      expect(services(chainRules('nat', 'KUBE-SERVICES'))).toEqual(['a', 'c', 'e', 'f', 'nodeports']);
      expect(chainRules('filter', 'KUBE-SERVICES')).toEqual(edited.filter);
      expect(save('filter') + save('nat')).not.toContain('MINIMESH-RESTORE-SENTINEL');
      expect(programs.some((p) => /^iptables-restore .*--noflush/.test(p))).toBe(!session);
    } finally {
      await proxier.stop();
    }
  });
});
