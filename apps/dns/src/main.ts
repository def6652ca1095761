/** minimesh-dns: cluster DNS, CoreDNS with the kubernetes plugin, small. */
import { runApp } from '@minimesh/runtime';
import { configEnv, configPath } from './config-file.js';
import { startDnsApp } from './app.js';
import { DNS_FLAGS } from './options.js';
import { isWorker, runWorker, startWorkers, workerCount } from './workers.js';

runApp({
  name: 'minimesh-dns',
  description:
    'The minimesh cluster DNS: answers <svc>.<ns>.svc.cluster.local, headless endpoints, SRV, PTR, ExternalName\n' +
    "and pod names from Services and EndpointSlices (the Kubernetes DNS spec, as CoreDNS's kubernetes plugin does),\n" +
    'forwards and caches everything else, and registers itself as the kube-dns Service (10.96.0.10).',
  flags: DNS_FLAGS,
  // Flags > environment > --config file > defaults.
  env: (argv) => {
    const path = configPath(DNS_FLAGS, argv, process.env);
    return { ...(path ? configEnv(DNS_FLAGS, path) : {}), ...process.env };
  },
  async start(o, log) {
    if (isWorker()) return runWorker(o, log);
    if (workerCount(o) > 1) return startWorkers(o, log);
    const app = await startDnsApp(o, { log, onLoop: () => process.exit(1) });
    log.info('dns running', {
      listen: app.address,
      zones: app.config.zones,
      server: o.server,
      transport: o.transport,
      health: app.probes.health,
      ready: app.probes.ready,
      metrics: app.probes.metrics,
    });
    return () => app.stop();
  },
});
