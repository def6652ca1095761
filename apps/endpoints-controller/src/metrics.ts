import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function controllerMetrics() {
  const registry = new Registry();
  return {
    registry,
    syncs: new Counter({
      name: 'endpoint_controller_syncs_total',
      help: 'Syncs of one key, by controller and result (success, error).',
      labelNames: ['controller', 'result'],
      registers: [registry],
    }),
    syncDuration: new Histogram({
      name: 'endpoint_controller_sync_duration_seconds',
      help: 'How long one sync of one key takes, by controller.',
      labelNames: ['controller'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    writes: new Counter({
      name: 'endpoint_controller_writes_total',
      help: 'Objects written, by kind and operation.',
      labelNames: ['kind', 'op'],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of the work queue.', labelNames: ['name'], registers: [registry] }),
    leader: new Gauge({ name: 'leader_election_master_status', help: '1 while this replica leads.', labelNames: ['name'], registers: [registry] }),
  };
}

export type ControllerMetrics = ReturnType<typeof controllerMetrics>;
