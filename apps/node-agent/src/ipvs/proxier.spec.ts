/**
 * The IPVS applier against a kernel, inside a network namespace this test creates: real
 * iptables, real ipset, a real kube-ipvs0, and, since this kernel has no IPVS, a recording
 * `ipvsadm` (src/testing/fake-ipvsadm.mjs) that speaks ipvsadm's language and keeps the table in
 * a file. Create, update, scheduler change, affinity, graceful removal, restart without flushing.
 * Needs root (skipped with one line otherwise).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { formatIpvsadmList } from '@minimesh/proxy-core';
import { createLogger, exec as realExec, type Exec } from '@minimesh/runtime';
import { Iptables } from '../iptables/iptables.js';
import { proxyMetrics } from '../metrics.js';
import { IpvsProxier } from './proxier.js';

const FAKE = fileURLToPath(new URL('../testing/fake-ipvsadm.mjs', import.meta.url));
const NS = `mmipvs${process.pid}`;
const skip = process.getuid?.() !== 0 ? 'needs root (a network namespace)' : spawnSync('ipset', ['--version']).status !== 0 ? 'needs ipset' : undefined;

const dir = mkdtempSync(join(tmpdir(), 'mmipvs-'));
const STATE = join(dir, 'ipvs.json');
const inNs: Exec = (file, args, input) => realExec('ip', ['netns', 'exec', NS, file, ...args], input);

function fakeBins(): { bin: string; restore: { bin: string; args: string[] } } {
  const bin = join(dir, 'ipvsadm');
  writeFileSync(bin, `#!/bin/sh\nFAKE_IPVS_STATE=${STATE} exec ${process.execPath} ${FAKE} "$@"\n`);
  chmodSync(bin, 0o755);
  return { bin, restore: { bin, args: ['--restore'] } };
}

const svc = (spec: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'service-clusterip', namespace: 'study', uid: 'u1' },
  spec: { type: 'ClusterIP', clusterIP: '10.97.97.97', clusterIPs: ['10.97.97.97'], selector: { app: 'nginx-pod' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], ...spec },
});

const slice = (ips: string[], protocol = 'TCP'): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'service-clusterip-abc', namespace: 'study', labels: { 'kubernetes.io/service-name': 'service-clusterip' } },
  addressType: 'IPv4',
  endpoints: ips.map((ip, i) => ({ addresses: [ip], nodeName: i < 2 ? 'node1' : 'node2', conditions: { ready: true } })),
  ports: [{ name: '', port: 80, protocol }],
});

function proxier(scheduler = 'rr'): IpvsProxier {
  const metrics = proxyMetrics();
  const p = new IpvsProxier({
    nodeName: 'node1',
    nodeAddresses: () => ['192.168.100.11'],
    minSyncMs: 0,
    syncMs: 3600_000,
    exec: inNs,
    log: createLogger('test', { level: 'error' }),
    metrics,
    render: { scheduler, clusterCIDR: '10.244.0.0/16' },
    iptables: new Iptables(inNs, { restoreBin: 'iptables-restore' }),
    ipvsadm: fakeBins(),
    gracefulCheckMs: 3600_000,
  });
  (p as unknown as { initialized: boolean }).initialized = true;
  return p;
}

interface FakeState {
  services: { protocol: string; address: string; port: number; scheduler: string; persistent: number; reals: { address: string; port: number; forward: string; weight: number; activeConn: number; inactConn: number }[] }[];
}
const state = (): FakeState => JSON.parse(readFileSync(STATE, 'utf8')) as FakeState;
const commands = (): string[] => readFileSync(`${STATE}.log`, 'utf8').trim().split('\n');
const clearLog = () => writeFileSync(`${STATE}.log`, '');
const ipvsadmLn = () => spawnSync(fakeBins().bin, ['-Ln'], { encoding: 'utf8' }).stdout;
const setConnections = (address: string, active: number) => {
  const s = state();
  for (const v of s.services) for (const r of v.reals) if (r.address === address) r.activeConn = active;
  writeFileSync(STATE, JSON.stringify(s));
};

describe.skipIf(!!skip)(`IPVS applier against a fake ipvsadm and a real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    spawnSync('ip', ['netns', 'add', NS]);
    spawnSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // kube-ipvs0 is a dummy device; kernels without the dummy module (this one) get a bridge in its place.
    if (spawnSync('ip', ['-n', NS, 'link', 'add', 'kube-ipvs0', 'type', 'dummy']).status !== 0) spawnSync('ip', ['-n', NS, 'link', 'add', 'kube-ipvs0', 'type', 'bridge']);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    rmSync(STATE, { force: true });
    clearLog();
  });

  it('creates the seed\'s virtual server in one batch, with its address, ipsets and iptables rules', async () => {
    const p = proxier();
    p.onServiceChange(undefined, svc());
    p.onSliceChange(undefined, slice(['10.244.1.39', '10.244.1.40', '10.244.2.33']));
    await p.sync();
    expect(ipvsadmLn()).toBe(
      [
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  10.97.97.97:80 rr',
        '  -> 10.244.1.39:80               Masq    1      0          0         ',
        '  -> 10.244.1.40:80               Masq    1      0          0         ',
        '  -> 10.244.2.33:80               Masq    1      0          0         ',
        '',
      ].join('\n'),
    );
    expect(ipvsadmLn()).toBe(formatIpvsadmList(p.desired));
    expect(commands().filter((c) => !c.endsWith('-Ln'))).toEqual(['ipvsadm-restore (4 lines)']);
    expect((await inNs('ip', ['-o', '-4', 'addr', 'show', 'dev', 'kube-ipvs0'])).stdout).toContain('10.97.97.97/32');
    const sets = (await inNs('ipset', ['save'])).stdout;
    expect(sets).toContain('add KUBE-CLUSTER-IP 10.97.97.97,tcp:80');
    expect(sets).toContain('add KUBE-IPVS-IPS 10.97.97.97');
    expect((await inNs('iptables-save', ['-t', 'nat'])).stdout).toMatch(/-A KUBE-SERVICES .*-m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT/);
  });

  it('an update touches only what changed; a new scheduler or affinity edits the virtual server in place', async () => {
    const p = proxier();
    p.onServiceChange(undefined, svc());
    p.onSliceChange(undefined, slice(['10.244.1.39', '10.244.1.40']));
    await p.sync();
    clearLog();
    p.onSliceChange(slice(['10.244.1.39', '10.244.1.40']), slice(['10.244.1.39', '10.244.1.40', '10.244.2.33']));
    await p.sync();
    expect(commands().filter((c) => !c.endsWith('-Ln'))).toEqual(['ipvsadm-restore (1 lines)']);
    clearLog();
    p.onServiceChange(svc(), svc({ sessionAffinity: 'ClientIP' }));
    await p.sync();
    expect(commands().filter((c) => !c.endsWith('-Ln'))).toEqual(['ipvsadm -E -t 10.97.97.97:80 -s rr -p 10800']);
    expect(ipvsadmLn()).toContain('TCP  10.97.97.97:80 rr persistent 10800');
    // A restart with --ipvs-scheduler lc: the same servers, edited, their real servers untouched.
    clearLog();
    const lc = proxier('lc');
    lc.onServiceChange(undefined, svc({ sessionAffinity: 'ClientIP' }));
    lc.onSliceChange(undefined, slice(['10.244.1.39', '10.244.1.40', '10.244.2.33']));
    await lc.sync();
    expect(commands().filter((c) => !c.endsWith('-Ln'))).toEqual(['ipvsadm -E -t 10.97.97.97:80 -s lc -p 10800']);
    expect(state().services[0]!.reals).toHaveLength(3);
  });

  it('a removed TCP real server with connections drains at weight 0 and is deleted once they are gone; UDP goes at once', async () => {
    const p = proxier();
    p.onServiceChange(undefined, svc());
    p.onSliceChange(undefined, slice(['10.244.1.39', '10.244.1.40']));
    await p.sync();
    setConnections('10.244.1.40', 2);
    clearLog();
    p.onSliceChange(slice(['10.244.1.39', '10.244.1.40']), slice(['10.244.1.39']));
    await p.sync();
    expect(commands().filter((c) => !c.endsWith('-Ln'))).toEqual(['ipvsadm -e -t 10.97.97.97:80 -r 10.244.1.40:80 -m -w 0']);
    expect(p.draining).toEqual(['TCP 10.97.97.97:80 -> 10.244.1.40:80']);
    setConnections('10.244.1.40', 0);
    await (p as unknown as { graceful: { check(): Promise<void> } }).graceful.check();
    expect(state().services[0]!.reals.map((r) => r.address)).toEqual(['10.244.1.39']);
    expect(p.draining).toEqual([]);

    const udp = proxier();
    const dns = svc({ ports: [{ port: 53, protocol: 'UDP', targetPort: 53 }] });
    udp.onServiceChange(undefined, dns);
    udp.onSliceChange(undefined, slice(['10.244.1.39', '10.244.1.40'], 'UDP'));
    await udp.sync();
    setConnections('10.244.1.40', 5);
    clearLog();
    udp.onSliceChange(slice(['10.244.1.39', '10.244.1.40'], 'UDP'), slice(['10.244.1.39'], 'UDP'));
    await udp.sync();
    expect(commands().filter((c) => !c.endsWith('-Ln'))).toEqual(['ipvsadm -d -u 10.97.97.97:53 -r 10.244.1.40:80']);
  });

  it('a restarted agent changes nothing that is already right (no flush, no re-adds)', async () => {
    const first = proxier();
    first.onServiceChange(undefined, svc());
    first.onSliceChange(undefined, slice(['10.244.1.39', '10.244.1.40', '10.244.2.33']));
    await first.sync();
    const before = ipvsadmLn();
    clearLog();
    const second = proxier();
    second.onServiceChange(undefined, svc());
    second.onSliceChange(undefined, slice(['10.244.1.39', '10.244.1.40', '10.244.2.33']));
    await second.sync();
    expect(commands()).toEqual(['ipvsadm -Ln']);
    expect(ipvsadmLn()).toBe(before);
    // And a Service gone while it was down is cleaned up: its virtual server deleted.
    const third = proxier();
    await third.sync();
    expect(commands().slice(-1)).toEqual(['ipvsadm -D -t 10.97.97.97:80']);
    expect(state().services).toEqual([]);
  });
});
