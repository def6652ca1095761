/** minimesh-apiserver: owns every object, allocates ClusterIPs and NodePorts, publishes events. */
import { FlagError, createLogger, helpText, onShutdown, parseFlags } from '@minimesh/runtime';
import { startApiServer } from './apiserver.js';
import { APISERVER_FLAGS } from './options.js';

const USAGE = 'minimesh-apiserver [flags]';
const DESCRIPTION =
  'The minimesh apiserver: serves Namespaces, Nodes, Pods, Services, Endpoints and EndpointSlices over gRPC\n' +
  '(minimesh.v1.ApiService), stores them durably in SQLite, allocates ClusterIPs and NodePorts, and publishes\n' +
  'every committed change to NATS JetStream (subjects minimesh.v1.events.<Kind>.<namespace>.<name>).';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseFlags(APISERVER_FLAGS, process.argv.slice(2));
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`error: ${e.message}\n\n${helpText(USAGE, DESCRIPTION, APISERVER_FLAGS)}`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(helpText(USAGE, DESCRIPTION, APISERVER_FLAGS));
    return;
  }
  const log = createLogger('apiserver');
  const server = await startApiServer(parsed.values, log);
  onShutdown(log, () => server.stop());
}

main().catch((e: Error) => {
  process.stderr.write(`minimesh-apiserver: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
