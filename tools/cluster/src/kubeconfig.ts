/**
 * A kubeconfig for the local cluster's Kubernetes REST API, so that `kubectl` (and any client
 * library) talks to it as to any cluster: the cluster's CA, the REST address, and the admin's
 * client certificate (kubernetes-admin, group system:masters), as kubeadm's admin.conf has them.
 * `up` writes it to `<state dir>/kubeconfig`; `minimesh-cluster kubeconfig` prints it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminCredentials } from './cli.js';
import { clusterPki, tokenFileOf } from './identities.js';
import type { ClusterState, StateLayout } from './state.js';

export function kubeconfigFile(layout: StateLayout): string {
  return join(layout.dir, 'kubeconfig');
}

/** The kubeconfig text; undefined when the cluster's apiserver serves no REST API. */
export function kubeconfigText(state: ClusterState, layout: StateLayout): string | undefined {
  if (!state.apiserver.rest) return undefined;
  const creds = adminCredentials(layout);
  const name = `minimesh-${state.name}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: https://${state.apiserver.rest}`,
    `    certificate-authority: ${JSON.stringify(creds.caFile)}`,
    'users:',
    `- name: ${name}-admin`,
    '  user:',
    `    client-certificate: ${JSON.stringify(creds.certFile)}`,
    `    client-key: ${JSON.stringify(creds.keyFile)}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}-admin`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

/** Writes `<state dir>/kubeconfig` (mode 0600: it names the admin's key); returns its path, or undefined. */
export function writeKubeconfig(state: ClusterState, layout: StateLayout): string | undefined {
  const text = kubeconfigText(state, layout);
  if (text === undefined) return undefined;
  const file = kubeconfigFile(layout);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/**
 * The kubeconfig a component reads the API with under `up --api rest`: the apiserver's REST
 * socket (it reaches the node namespaces, as the gRPC socket does) and the component's token
 * file. Written on first use, mode 0600.
 */
export function componentKubeconfig(state: ClusterState, layout: StateLayout, holder: string): string {
  const dir = join(clusterPki(layout).dir, 'kubeconfigs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${holder}.kubeconfig`);
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: minimesh-${state.name}`,
    '  cluster:',
    `    server: ${state.apiserver.restUnix}`,
    'users:',
    `- name: ${holder}`,
    '  user:',
    `    token-file: ${JSON.stringify(tokenFileOf(layout, holder))}`,
    'contexts:',
    `- name: ${holder}`,
    '  context:',
    `    cluster: minimesh-${state.name}`,
    `    user: ${holder}`,
    `current-context: ${holder}`,
    '',
  ].join('\n');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/**
 * How a component reaches the API: `--server <gRPC socket> --token-file F`, or under
 * `up --api rest` `--kubeconfig K` (the Kubernetes REST API on the apiserver's socket).
 */
export function apiArgs(state: ClusterState, layout: StateLayout, holder: string): string[] {
  if (state.apiSource === 'rest' && state.apiserver.restUnix) return ['--kubeconfig', componentKubeconfig(state, layout, holder)];
  return ['--server', state.apiserver.unix, '--token-file', tokenFileOf(layout, holder)];
}
