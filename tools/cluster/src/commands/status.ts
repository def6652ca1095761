/** `status`: nodes, pods and processes of the cluster, like a small `kubectl get`. */
import { isPodReady, type Node, type Pod } from '@minimesh/api';
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, UserError, clusterRef, print, table, withApi, type Command } from '../cli.js';
import { isAlive, pidFile, readPidFile } from '../processes.js';
import { readState, type ClusterState, type StateLayout } from '../state.js';

export const status: Command = {
  usage: 'minimesh-cluster status [--name NAME]',
  description: 'Shows the nodes, the pods (as the apiserver has them) and the processes of the cluster.',
  flags: [CLUSTER_FLAG],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const state = readState(layout);
    if (!state) throw new UserError(`cluster "${cluster}" is not up (no state in ${layout.dir})`);

    let nodes: Node[] | undefined;
    let pods: Pod[] | undefined;
    let apiProblem = '';
    try {
      [nodes, pods] = await withApi(state, async (api) => [(await api.list('Node')).items, (await api.list('Pod')).items], 3000);
    } catch (e) {
      apiProblem = (e as Error).message;
    }

    print(`cluster "${cluster}": ${state.status}, state in ${layout.dir}`);
    print(`apiserver ${state.apiserver.address} (${state.apiserver.unix}), NATS ${state.nats.url}`);
    if (apiProblem) print(`the apiserver does not answer (${apiProblem}); showing what the state file knows`);
    print();
    print(nodeTable(state, nodes));
    print();
    print(podTable(state, layout, pods));
    print();
    print(processTable(state, layout));
    return 0;
  },
};

function nodeTable(state: ClusterState, nodes: Node[] | undefined): string {
  const byName = new Map((nodes ?? []).map((n) => [n.metadata.name, n]));
  const rows = state.plan.nodes.map((n) => {
    const obj = byName.get(n.name);
    const ready = obj?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const registered = nodes === undefined ? '?' : obj ? (ready === 'True' ? 'Ready' : 'NotReady') : 'not registered';
    return [n.name, registered, n.ip, n.podCIDR, n.netns];
  });
  return table(['NODE', 'STATUS', 'INTERNAL-IP', 'POD-CIDR', 'NETNS'], rows);
}

function podTable(state: ClusterState, layout: StateLayout, pods: Pod[] | undefined): string {
  const local = Object.values(state.pods);
  const rows: string[][] = [];
  if (pods) {
    for (const p of pods) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      const rec = local.find((r) => `${r.namespace}/${r.name}` === key);
      const echo = rec ? (processAlive(layout, rec.process) ? 'running' : 'dead') : 'not local';
      rows.push([p.metadata.namespace ?? '', p.metadata.name ?? '', isPodReady(p) ? 'True' : 'False', p.status?.podIP ?? '', p.spec?.nodeName ?? '', echo]);
    }
    for (const r of local) {
      if (!pods.some((p) => p.metadata.namespace === r.namespace && p.metadata.name === r.name)) {
        rows.push([r.namespace, r.name, '(not in API)', r.ip, r.node, processAlive(layout, r.process) ? 'running' : 'dead']);
      }
    }
  } else {
    for (const r of local) rows.push([r.namespace, r.name, '?', r.ip, r.node, processAlive(layout, r.process) ? 'running' : 'dead']);
  }
  rows.sort((a, b) => a[0]!.localeCompare(b[0]!) || a[1]!.localeCompare(b[1]!));
  if (rows.length === 0) return 'No pods (add one with: minimesh-cluster pod add NAME --node node1).';
  return table(['NAMESPACE', 'NAME', 'READY', 'IP', 'NODE', 'ECHO-SERVER'], rows);
}

function processAlive(layout: StateLayout, name: string): boolean {
  const rec = readPidFile(pidFile(layout.pidDir, name));
  return rec !== undefined && isAlive(rec.pid, rec.startTime);
}

function processTable(state: ClusterState, layout: StateLayout): string {
  const rows = state.processes.map((p) => {
    if (p.skipped) return [p.name, '-', 'not started', p.netns ?? 'root', p.skipped];
    const rec = readPidFile(pidFile(layout.pidDir, p.name));
    const alive = rec !== undefined && isAlive(rec.pid, rec.startTime);
    return [p.name, rec ? String(rec.pid) : '-', alive ? 'alive' : 'dead', p.netns ?? 'root', p.log];
  });
  return table(['PROCESS', 'PID', 'STATE', 'NETNS', 'LOG'], rows);
}
