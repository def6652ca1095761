/** minimesh-dns: cluster DNS, CoreDNS with the kubernetes plugin, small. */
import { FlagError, createLogger, helpText, onShutdown, parseFlags } from '@minimesh/runtime';
import { configEnv, configPath } from './config-file.js';
import { startDnsApp } from './dns-app.js';
import { DNS_FLAGS } from './options.js';

const USAGE = 'minimesh-dns [flags]';
const DESCRIPTION =
  'The minimesh cluster DNS: answers <svc>.<ns>.svc.cluster.local, headless endpoints, SRV, PTR, ExternalName\n' +
  'and pod names from Services and EndpointSlices (the Kubernetes DNS spec, as CoreDNS\'s kubernetes plugin does),\n' +
  'forwards and caches everything else, and registers itself as the kube-dns Service (10.96.0.10).';

async function main(): Promise<void> {
  let parsed;
  try {
    const argv = process.argv.slice(2);
    const path = configPath(DNS_FLAGS, argv, process.env);
    const fromFile = path ? configEnv(DNS_FLAGS, path) : {};
    parsed = parseFlags(DNS_FLAGS, argv, { ...fromFile, ...process.env });
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`error: ${e.message}\n\n${helpText(USAGE, DESCRIPTION, DNS_FLAGS)}`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(helpText(USAGE, DESCRIPTION, DNS_FLAGS));
    return;
  }
  const o = parsed.values;
  const log = createLogger('dns');
  const app = await startDnsApp(o, { log, onLoop: () => process.exit(1) });
  onShutdown(log, () => app.stop());
  log.info('dns running', {
    listen: app.address,
    zones: app.config.zones,
    server: o.server,
    transport: o.transport,
    health: app.probes.health,
    ready: app.probes.ready,
    metrics: app.probes.metrics,
  });
}

main().catch((e: Error) => {
  process.stderr.write(`minimesh-dns: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
