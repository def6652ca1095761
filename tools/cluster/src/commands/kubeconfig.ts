/** `kubeconfig`: the running cluster's kubeconfig (REST address, CA, admin certificate), for kubectl. */
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, clusterRef, print, type Command } from '../cli.js';
import { kubeconfigText } from '../kubeconfig.js';
import { requireState } from '../state.js';

export const kubeconfig: Command = {
  usage: 'minimesh-cluster kubeconfig [--name NAME]',
  description:
    'Prints a kubeconfig for the running cluster\'s Kubernetes REST API, with the admin\'s client\n' +
    'certificate (kubernetes-admin in group system:masters), as `kind get kubeconfig` does:\n' +
    '`npx minimesh-cluster kubeconfig > mm.yaml && kubectl --kubeconfig mm.yaml get svc -A`.',
  flags: [CLUSTER_FLAG],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const text = kubeconfigText(requireState(cluster, layout), layout);
    if (text === undefined) {
      process.stderr.write(`error: cluster "${cluster}" was started before its apiserver served the Kubernetes REST API; start it again (down, then up)\n`);
      return 1;
    }
    print(text.trimEnd());
    return 0;
  },
};
