/** `down`: stops every process and deletes every namespace and file of the cluster, also after a crash. */
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, clusterRef, print, requireRoot, type Command } from '../cli.js';
import { teardown } from '../teardown.js';

export const down: Command = {
  usage: 'minimesh-cluster down [--name NAME]',
  description:
    'Stops every process of the cluster (control plane, node agents, pods) and deletes its namespaces, their\n' +
    '/etc/netns entries and its state directory. Works after a crash (it finds leftovers by name) and when\n' +
    'nothing is up.',
  flags: [CLUSTER_FLAG],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    requireRoot('down');
    const report = await teardown(cluster, layout);
    if (!report.processes && !report.namespaces.length && !report.stateDir) {
      print(`cluster "${cluster}" is not up: nothing to do`);
      return 0;
    }
    print(
      `cluster "${cluster}" is down: stopped ${report.processes} processes, deleted ${report.namespaces.length} namespaces` +
        `${report.stateDir ? ` and ${layout.dir}` : ''}`,
    );
    return 0;
  },
};
