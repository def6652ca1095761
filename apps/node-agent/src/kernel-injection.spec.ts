/**
 * Injection-shaped names against a real kernel: the assembled agent, in iptables and in nftables
 * mode, programs a network namespace this test creates from objects the apiserver never
 * validated (handed over as a forged event could). The Service with good names is there; the
 * forged ones added no rule, no chain and no table. Needs root (skipped with one line otherwise).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { createLogger, exec as realExec, type Exec } from '@minimesh/runtime';
import { eventually } from '@minimesh/runtime/testing';
import { startNodeAgent, type NodeAgent } from './app.js';
import { defaultNodeAgentOptions } from './options.js';

const NS = `mminj${process.pid}`;
const skip = process.getuid?.() !== 0 ? 'needs root (a network namespace)' : spawnSync('nft', ['--version']).status !== 0 ? 'needs nft' : undefined;
const inNs: Exec = (file, args, input) => realExec('ip', ['netns', 'exec', NS, file, ...args], input);
const run = (...cmd: string[]) => spawnSync('ip', ['netns', 'exec', NS, ...cmd], { encoding: 'utf8' }).stdout;

const svc = (name: string, clusterIP: string, portName = 'http'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'study' },
  spec: { clusterIP, ports: [{ name: portName, port: 80, protocol: 'TCP', targetPort: 80 }] },
});
const slice = (service: string, ip: string, portName = 'http'): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `s-${ip.replace(/\./g, '-')}`, namespace: 'study', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true }, nodeName: 'node1' }],
  ports: [{ name: portName, port: 80, protocol: 'TCP' }],
});

const EVIL_NAME = 'x"\n-A KUBE-SERVICES -j ACCEPT\n#';
const EVIL_PORT = 'h"; flush ruleset; add table ip evil {';

describe.skipIf(skip !== undefined)('injection-shaped names against a real kernel', () => {
  beforeAll(() => {
    spawnSync('ip', ['netns', 'add', NS]);
    spawnSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  for (const mode of ['iptables', 'nftables'] as const) {
    it(`${mode}: the forged Services add nothing`, async () => {
      const api = new FakeApiClient();
      await api.create(svc('good', '10.96.0.50'));
      await api.create(slice('good', '10.244.1.5'));
      const evil = svc('evil', '10.96.0.66');
      evil.metadata.name = EVIL_NAME;
      api.seed(evil, svc('evil-port', '10.96.0.67', EVIL_PORT), slice(EVIL_NAME, '10.244.1.66'), slice('evil-port', '10.244.1.67', EVIL_PORT));
      const o = {
        ...defaultNodeAgentOptions(),
        'node-name': 'node1',
        'proxy-mode': mode,
        'min-sync-period': 0,
        'metrics-bind-address': '127.0.0.1:0',
        'healthz-bind-address': '127.0.0.1:0',
        'nodeport-addresses': '127.0.0.0/8',
      };
      let agent: NodeAgent | undefined;
      try {
        agent = await startNodeAgent(o, createLogger('test', { level: 'error' }), { exec: inNs, helperPrefix: ['ip', 'netns', 'exec', NS], client: api });
        const dump = () => (mode === 'iptables' ? run('iptables-save') : run('nft', 'list', 'ruleset'));
        await eventually(() => dump().includes('10.96.0.50'), 15_000, 100);
        const rules = dump();
        for (const absent of ['10.96.0.66', '10.96.0.67', '10.244.1.66', '10.244.1.67', 'evil', 'flush']) expect(rules, absent).not.toContain(absent);
        if (mode === 'iptables') expect(rules.split('\n').filter((l) => /^-A KUBE-SERVICES -j ACCEPT$/.test(l))).toEqual([]);
        else expect(run('nft', 'list', 'tables').trim().split('\n').sort()).toEqual(['table ip kube-proxy']);
      } finally {
        await agent?.stop();
        // The other mode starts from a clean namespace.
        spawnSync('ip', ['netns', 'exec', NS, 'nft', 'flush', 'ruleset']);
      }
    }, 60_000);
  }
});
if (skip) describe('injection-shaped names against a real kernel', () => it.skip(skip, () => undefined));
