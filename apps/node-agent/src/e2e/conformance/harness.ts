/**
 * The conformance suites' shared cluster: one 2-node local cluster per proxy mode, three `app=web`
 * pods (web-1, web-2 on node1; web-3 on node2) and a client pod on node2, in namespace `conf`,
 * and the helpers every theme uses. Themes register their `it`s through `conformance()`; they run
 * in order on the same cluster, each cleaning up after itself.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { ClusterDriver, e2eSkipReason, tally } from '@minimesh/cluster/testing';
import { eventually } from '@minimesh/runtime/testing';

export type ProxyMode = 'iptables' | 'nftables';

export const NS = 'conf';
export const NODE_IPS = { node1: '192.168.100.11', node2: '192.168.100.12' } as const;
export const OUTSIDE_IP = '192.168.100.100';

export interface Conformance {
  readonly mode: ProxyMode;
  readonly cluster: ClusterDriver;
  readonly api: ApiClient;
  /**
   * `n` requests from `target` (a pod of `conf`, a node, or `outside`), one entry each ('' for a
   * failure): the echo server's two lines joined, `IP: <ip> <pod> <node> from <client ip>:<port>`.
   */
  curlMany(target: string, url: string, n: number): Promise<string[]>;
  /** The pods that answered `n` requests. */
  spread(target: string, url: string, n: number): Promise<string[]>;
  /** Waits until `url` answers from `target`. */
  reachable(target: string, url: string, ms?: number): Promise<string>;
  /** Waits until `url` no longer answers from `target`. */
  unreachable(target: string, url: string, ms?: number): Promise<void>;
  svc(name: string, spec: Service['spec'], labels?: Record<string, string>): Service;
  /** A pod of `conf` in the cluster tool's words: `pod add NAME --node NODE -n conf ...args`. */
  addPod(name: string, node: 'node1' | 'node2', ...args: string[]): Promise<void>;
  podIP(name: string): Promise<string>;
}

const isPod = (t: string) => !['node1', 'node2', 'outside'].includes(t);

function skipReason(mode: ProxyMode): string | undefined {
  const reason = e2eSkipReason();
  if (reason || mode !== 'nftables') return reason;
  return spawnSync('nft', ['--version']).status === 0 ? undefined : 'needs nft (nftables)';
}

export function conformance(mode: ProxyMode, clusterName: string, themes: ((c: Conformance) => void)[]): void {
  const reason = skipReason(mode);
  const cluster = new ClusterDriver(clusterName);
  let api: ApiClient | undefined;

  const c: Conformance = {
    mode,
    cluster,
    get api() {
      if (!api) throw new Error('the cluster is not up');
      return api;
    },
    async curlMany(target, url, n) {
      return cluster.curlMany(target, isPod(target) ? NS : undefined, url, n);
    },
    async spread(target, url, n) {
      return [...tally((await c.curlMany(target, url, n)).filter(Boolean)).keys()].sort();
    },
    async reachable(target, url, ms = 15_000) {
      return eventually(async () => {
        const r = await cluster.curl(target, isPod(target) ? NS : undefined, url, 1);
        return r.stdout.startsWith('IP: ') ? r.stdout : '';
      }, ms, 100);
    },
    async unreachable(target, url, ms = 15_000) {
      await eventually(async () => !(await cluster.curl(target, isPod(target) ? NS : undefined, url, 1)).stdout.startsWith('IP: '), ms, 100);
    },
    svc(name, spec, labels) {
      return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, ...(labels ? { labels } : {}) }, spec };
    },
    async addPod(name, node, ...args) {
      await cluster.must('pod', 'add', name, '--node', node, '-n', NS, ...args);
    },
    async podIP(name) {
      return (await c.api.get('Pod', NS, name)).status!.podIP!;
    },
  };

  describe.skipIf(!!reason)(`Service conformance on a local cluster, ${mode} mode${reason ? ` (skipped: ${reason})` : ''}`, () => {
    beforeAll(async () => {
      await cluster.run('down');
      await cluster.must('up', '--nodes', '2', '--proxy-mode', mode, '--no-dns');
      await c.addPod('web-1', 'node1', '--labels', 'app=web', '--port', '80', '--port', '8080:alt');
      await c.addPod('web-2', 'node1', '--labels', 'app=web', '--port', '80', '--port', '8080:alt');
      await c.addPod('web-3', 'node2', '--labels', 'app=web', '--port', '80', '--port', '8080:alt');
      await c.addPod('client', 'node2', '--labels', 'role=client');
      api = await cluster.apiClient();
    }, 180_000);

    afterAll(async () => {
      api?.close();
      const down = await cluster.run('down');
      if (down.code !== 0) console.error(down.stderr);
    }, 60_000);

    for (const theme of themes) theme(c);
  });
}
