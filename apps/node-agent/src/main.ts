/** minimesh-node-agent: kube-proxy's role on one node. */
import { exec, runApp } from '@minimesh/runtime';
import { startNodeAgent } from './app.js';
import { cleanupNodeAgent } from './cleanup.js';
import { sockLbPaths } from './proxy-modes.js';
import { NODE_AGENT_FLAGS, validateNodeAgentOptions } from './options.js';

runApp({
  name: 'minimesh-node-agent',
  description:
    "The minimesh node agent (kube-proxy's role): follows Services, EndpointSlices and its Node, and programs this\n" +
    "node's kernel (iptables or nftables, kube-proxy's layouts) so ClusterIPs, NodePorts, externalIPs and LoadBalancer\n" +
    'IPs reach their endpoints. Rules are left in place on exit; a restarted agent takes them over.',
  flags: NODE_AGENT_FLAGS,
  validate: validateNodeAgentOptions,
  async start(o, log) {
    if (o.cleanup) {
      await cleanupNodeAgent(o, exec, log, sockLbPaths(o));
      process.exit(0);
    }
    const agent = await startNodeAgent(o, log);
    log.info('node agent running', { node: o['node-name'], metrics: agent.metricsAddress, healthz: agent.healthzAddress });
    return () => agent.stop();
  },
});
