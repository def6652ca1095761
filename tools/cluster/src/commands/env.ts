/** `env`: the addresses of a running cluster as shell exports, for `eval $(minimesh-cluster env)`. */
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, adminCredentials, clusterRef, print, type Command } from '../cli.js';
import { writeKubeconfig } from '../kubeconfig.js';
import { requireState } from '../state.js';

export const env: Command = {
  usage: 'minimesh-cluster env [--name NAME]',
  description:
    'Prints the apiserver and NATS addresses of the running cluster, and the admin\'s credentials (the CA,\n' +
    'a client certificate of kubernetes-admin in group system:masters), as shell exports, so that\n' +
    '`eval $(npx minimesh-cluster env)` points meshctl (and any minimesh app) at it; KUBECONFIG points\n' +
    'kubectl at its Kubernetes REST API.',
  flags: [CLUSTER_FLAG],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const state = requireState(cluster, layout);
    const creds = adminCredentials(layout);
    print(`export MINIMESH_SERVER=${state.apiserver.address}`);
    print(`export MINIMESH_CERTIFICATE_AUTHORITY=${creds.caFile}`);
    print(`export MINIMESH_CLIENT_CERTIFICATE=${creds.certFile}`);
    print(`export MINIMESH_CLIENT_KEY=${creds.keyFile}`);
    print(`export MINIMESH_NATS_URL=${state.nats.url}`);
    const kubeconfig = writeKubeconfig(state, layout);
    if (kubeconfig) print(`export KUBECONFIG=${kubeconfig}`);
    return 0;
  },
};
