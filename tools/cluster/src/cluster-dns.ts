/**
 * Cluster DNS as a pod, the way a Kubernetes cluster runs CoreDNS: pod `coredns` in kube-system,
 * labelled k8s-app=kube-dns, behind the kube-dns Service at 10.96.0.10 (which minimesh-dns
 * registers itself). It reaches the apiserver over its Unix socket and has no upstream resolver:
 * nothing outside the machine is ever asked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { apiArgs } from './kubeconfig.js';
import type { ContainerPort } from '@minimesh/api';
import { BIN_DIR } from './apps.js';
import { addPod } from './commands/pod-add.js';
import type { ClusterState, StateLayout } from './state.js';
import { podNames } from './topology.js';

export const DNS_POD = { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const DNS_BIN = 'minimesh-dns';
const DNS_PORTS: ContainerPort[] = [
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
  { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
];

/** Starts the DNS pod on the first node; skipped with a warning when the app is not installed. */
export async function startClusterDns(cluster: string, layout: StateLayout, state: ClusterState, warn: (msg: string) => void): Promise<boolean> {
  const bin = join(BIN_DIR, DNS_BIN);
  if (!existsSync(bin)) {
    warn(`${DNS_BIN} is not installed (no ${bin}); the cluster runs without DNS`);
    return false;
  }
  const node = state.plan.nodes[0]!;
  const { netns } = podNames(cluster, DNS_POD.namespace, DNS_POD.name);
  await addPod(cluster, layout, state, {
    ...DNS_POD,
    node,
    ports: DNS_PORTS,
    ready: true,
    program: {
      command: process.execPath,
      args: [bin, ...apiArgs(state, layout, 'dns'), '--listen', '0.0.0.0:53', '--resolv-conf', '/etc/resolv.conf',
        // Forwarding for the pods, the services and the nodes; not for the outside client.
        '--allow-forward-from', ['127.0.0.0/8', '10.244.0.0/16', state.serviceCIDR, ...state.plan.nodes.map((n) => `${n.ip}/32`)].join(',')],
      resolvConf: '# cluster DNS itself: no upstream resolver inside the local cluster\n',
      startTimeoutMs: 30_000,
      started: (log) => {
        // Ready once its caches synced (/ready answers 200), as a readiness probe would say.
        if (!log.includes('dns running')) return false;
        const r = spawnSync('ip', ['netns', 'exec', netns, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:8181/ready']);
        return r.stdout?.toString() === '200';
      },
    },
  });
  return true;
}
