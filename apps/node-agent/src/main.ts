/** minimesh-node-agent: kube-proxy's role on one node. */
import { FlagError, createLogger, helpText, onShutdown, parseFlags } from '@minimesh/runtime';
import { startNodeAgent } from './node-agent.js';
import { NODE_AGENT_FLAGS } from './options.js';

const USAGE = 'minimesh-node-agent [flags]';
const DESCRIPTION =
  "The minimesh node agent (kube-proxy's role): follows Services, EndpointSlices and its Node, and programs this\n" +
  "node's kernel (iptables, kube-proxy's chain layout) so ClusterIPs, NodePorts, externalIPs and LoadBalancer IPs\n" +
  'reach their endpoints. Rules are left in place on exit; a restarted agent takes them over.';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseFlags(NODE_AGENT_FLAGS, process.argv.slice(2));
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`error: ${e.message}\n\n${helpText(USAGE, DESCRIPTION, NODE_AGENT_FLAGS)}`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(helpText(USAGE, DESCRIPTION, NODE_AGENT_FLAGS));
    return;
  }
  const log = createLogger('node-agent');
  const agent = await startNodeAgent(parsed.values, log);
  log.info('node agent running', { node: parsed.values['node-name'], metrics: agent.metricsAddress, healthz: agent.healthzAddress });
  onShutdown(log, () => agent.stop());
}

main().catch((e: Error) => {
  process.stderr.write(`minimesh-node-agent: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
