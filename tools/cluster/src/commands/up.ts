/** `up`: builds the namespaces, starts the control plane, registers the nodes, returns. */
import { cgroupV2Root } from '../cgroups.js';
import { mkdirSync } from 'node:fs';
import { LB_MODES, NODE_AGENT_PROXY_MODES, type LbMode } from '../apps.js';
import { DEFAULT_POOL, createDefaultPool } from '../load-balancer.js';
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, UserError, clusterRef, print, requireRoot, warn, withApi, type Command } from '../cli.js';
import { startClusterDns } from '../cluster-dns.js';
import { clusterPki, issueIdentities } from '../identities.js';
import { writeNatsConfig } from '../nats-config.js';
import { controlPlaneAddresses, registerNodes, startControlPlane, startControllers } from '../control-plane.js';
import { buildFabric, buildLoadBalancer, buildNode, buildOutside } from '../network.js';
import { kubeconfigFile, writeKubeconfig } from '../kubeconfig.js';
import { stateDirExists, writeState, type ClusterState } from '../state.js';
import { clusterNamespaces, teardown } from '../teardown.js';
import { DEFAULT_NODES, MAX_NODES, SERVICE_CIDR, planCluster } from '../topology.js';
import { pushAll } from '@minimesh/api';

export const up: Command = {
  usage: 'minimesh-cluster up [--nodes N] [--proxy-mode MODE] [--node-agent-arg ARG]... [--lb l2|none] [--api grpc|rest] [--name NAME]',
  description:
    'Builds a local cluster out of network namespaces (a fabric bridge, N nodes, an outside client) and starts\n' +
    'nats-server, the apiserver and the endpoints controller in the root namespace, a node agent inside each\n' +
    'node, and cluster DNS as the pod kube-system/coredns (10.96.0.10), all in the background. Needs root.\n' +
    'Stop it with `minimesh-cluster down`.',
  flags: [
    { name: 'nodes', type: 'string', valueName: 'N', help: `Number of nodes (default ${DEFAULT_NODES}).` },
    { name: 'proxy-mode', type: 'string', valueName: 'MODE', help: `The node agents' proxy mode: ${NODE_AGENT_PROXY_MODES.join(', ')} (default: the agent's, iptables).` },
    {
      name: 'node-agent-arg',
      type: 'strings',
      valueName: 'ARG',
      help: 'One more argument for every node agent, e.g. --node-agent-arg=--userspace-scheduler=lc (repeatable).',
    },
    {
      name: 'lb',
      type: 'string',
      valueName: 'MODE',
      help: `How LoadBalancer Services are served: ${LB_MODES.join(', ')} (default l2: the lb controller and a speaker per node; proxy: the controller and a load balancer outside the nodes at 192.168.100.2; both with the pool ${DEFAULT_POOL.addresses}).`,
    },
    { name: 'no-dns', type: 'bool', help: 'Do not start cluster DNS (the coredns pod in kube-system running minimesh-dns).' },
    {
      name: 'api',
      type: 'string',
      valueName: 'SOURCE',
      help: 'How the components read and write the API: grpc (default: the apiserver\'s gRPC socket) or rest (--kubeconfig: the Kubernetes REST API on the apiserver\'s socket, as on a real cluster).',
    },
    CLUSTER_FLAG,
  ],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const rawNodes = args.optional('nodes') ?? String(DEFAULT_NODES);
    if (!/^\d+$/.test(rawNodes)) throw new UserError(`--nodes must be a whole number from 1 to ${MAX_NODES}, not "${rawNodes}"`);
    const nodes = Number(rawNodes);
    const proxyMode = args.optional('proxy-mode');
    if (proxyMode !== undefined && !(NODE_AGENT_PROXY_MODES as readonly string[]).includes(proxyMode)) {
      throw new UserError(`--proxy-mode must be one of ${NODE_AGENT_PROXY_MODES.join(', ')}, not "${proxyMode}"`);
    }
    if (proxyMode === 'ebpf' && cgroupV2Root() === undefined) throw new UserError('--proxy-mode ebpf needs cgroup v2 (each node\'s agent load-balances its node\'s cgroup), and it is not mounted here');
    const apiSource = args.optional('api') ?? 'grpc';
    if (apiSource !== 'grpc' && apiSource !== 'rest') throw new UserError(`--api must be one of grpc, rest, not "${apiSource}"`);
    const lbMode = (args.optional('lb') ?? 'l2') as LbMode;
    if (!(LB_MODES as readonly string[]).includes(lbMode)) throw new UserError(`--lb must be one of ${LB_MODES.join(', ')}, not "${lbMode}"`);
    let plan;
    try {
      plan = planCluster(cluster, nodes);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    requireRoot('up');
    const leftovers = await clusterNamespaces(cluster);
    if (leftovers.length || stateDirExists(layout)) {
      throw new UserError(
        `cluster "${cluster}" already exists (${leftovers.length} namespaces, state in ${layout.dir}); ` +
          `run \`minimesh-cluster down${cluster === 'minimesh' ? '' : ` --name ${cluster}`}\` first`,
      );
    }
    const started = Date.now();
    mkdirSync(layout.logDir, { recursive: true });
    mkdirSync(layout.pidDir, { recursive: true });
    const state: ClusterState = {
      name: cluster,
      createdAt: new Date().toISOString(),
      status: 'starting',
      plan,
      serviceCIDR: SERVICE_CIDR,
      ...(proxyMode !== undefined ? { proxyMode } : {}),
      ...(args.strings('node-agent-arg').length ? { nodeAgentArgs: args.strings('node-agent-arg') } : {}),
      lbMode,
      ...(apiSource === 'rest' ? { apiSource } : {}),
      ...(await controlPlaneAddresses(layout)),
      processes: [],
      pods: {},
    };
    writeState(layout, state);
    // Ctrl-C half way: remove what is there already, as a failure would.
    const interrupted = () => {
      process.stderr.write(`\ninterrupted: cleaning up cluster "${cluster}"...\n`);
      void teardown(cluster, layout).finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    try {
      await buildFabric(plan);
      for (const node of plan.nodes) await buildNode(plan, node);
      await buildOutside(plan);
      if (lbMode === 'proxy') await buildLoadBalancer(plan);
      const ctx = { state, layout };
      const pki = issueIdentities(layout, plan.nodes.map((n) => n.name));
      writeNatsConfig(layout, pki.ca, Number(new URL(state.nats.url).port), plan.nodes.map((n) => n.name));
      pushAll(state.processes, await startControlPlane(ctx));
      writeState(layout, state);
      await withApi(state, (api) => registerNodes(api, state));
      pushAll(state.processes, startControllers(ctx, warn));
      await withApi(state, (api) => createDefaultPool(api, lbMode));
      state.status = 'up';
      writeState(layout, state);
      writeKubeconfig(state, layout);
      if (!args.bool('no-dns')) await startClusterDns(cluster, layout, state, warn);
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.stderr.write(`cleaning up cluster "${cluster}"...\n`);
      await teardown(cluster, layout);
      return 1;
    } finally {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
    }

    print(`cluster "${cluster}" is up (${((Date.now() - started) / 1000).toFixed(1)} s), state in ${layout.dir}`);
    print(`  fabric   ${plan.fabricNetns} (bridge ${plan.bridge}, 192.168.100.0/24)`);
    for (const n of plan.nodes) print(`  ${n.name.padEnd(8)} ${n.netns.padEnd(24)} ${n.ip.padEnd(16)} pods ${n.podCIDR}`);
    print(`  outside  ${plan.outsideNetns.padEnd(24)} ${plan.outsideIP}`);
    print(`  services ${state.serviceCIDR} (cluster DNS 10.96.0.10)${state.proxyMode ? `, node agents in ${state.proxyMode} mode` : ''}`);
    if (lbMode !== 'none') print(`  load balancers ${DEFAULT_POOL.addresses} (pool ${DEFAULT_POOL.name}, ${lbMode === 'l2' ? 'layer 2 from the nodes' : `proxy in ${plan.lbNetns} ${plan.lbIP}`})`);
    print(`  apiserver ${state.apiserver.address} and ${state.apiserver.unix} (gRPC), https://${state.apiserver.rest} (Kubernetes REST); NATS ${state.nats.url}`);
    for (const p of state.processes) {
      print(`  ${p.skipped ? 'not started' : 'started'} ${p.name}${p.netns ? ` in ${p.netns}` : ''}${p.skipped ? ` (${p.skipped})` : ''}`);
    }
    print();
    print(`MINIMESH_SERVER=${state.apiserver.address} (TLS; admin certificate and CA in ${clusterPki(layout).dir})`);
    print(`Use it with: eval $(npx minimesh-cluster env${cluster === 'minimesh' ? '' : ` --name ${cluster}`}) && npx meshctl get nodes -o wide`);
    print(`        or: kubectl --kubeconfig ${kubeconfigFile(layout)} get nodes -o wide (the same env sets KUBECONFIG)`);
    return 0;
  },
};
