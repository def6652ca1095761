/**
 * The proxy load balancer (a cloud load balancer's role, outside the nodes): informers on Services
 * and Nodes give the forwarding plan; a health checker probes each node the plan names; after a
 * change, a health transition, and every second (the addresses it owns are renewed like a
 * speaker's), the director makes the namespace forward each address to its healthy nodes.
 */
import type { Node, Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { createInformer, informerSet, type Informer, type InformerSet, type NatsTransportOptions } from '@minimesh/informer';
import type { Exec, Logger } from '@minimesh/runtime';
import type { Gauge } from 'prom-client';
import { Director, type DirectedAddress } from './director.js';
import { forwardingPlan } from './forwarding-plan.js';
import { HealthChecker } from './health-checker.js';

export interface ProxyLbOptions {
  client: ApiClient;
  transport: 'grpc' | 'nats';
  /** The informers' NATS servers and credentials (transport nats). */
  nats: NatsTransportOptions;
  lbClass?: string;
  exec: Exec;
  log: Logger;
  /** This load balancer's own address. */
  ownIP: () => string | undefined;
  healthyNodes?: Gauge;
  intervalMs?: number;
  healthCheck?: { intervalMs?: number; timeoutMs?: number; fall?: number; rise?: number };
}

export class ProxyLb {
  private readonly services: Informer<Service>;
  private readonly nodes: Informer<Node>;
  private readonly all: InformerSet;
  private readonly health: HealthChecker;
  private readonly director: Director;
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  /** What was applied last, for tests and logs. */
  current: DirectedAddress[] = [];

  constructor(private readonly o: ProxyLbOptions) {
    const common = { client: o.client, transport: o.transport, nats: o.nats, logger: o.log.child('informer') };
    this.services = createInformer({ kind: 'Service', ...common });
    this.nodes = createInformer({ kind: 'Node', ...common });
    this.all = informerSet(this.services, this.nodes);
    const changed = { onAdd: () => this.kick(), onUpdate: () => this.kick(), onDelete: () => this.kick() };
    this.services.addEventHandler(changed);
    this.nodes.addEventHandler(changed);
    this.health = new HealthChecker({
      ...o.healthCheck,
      onChange: (url, healthy) => {
        o.log.info(healthy ? 'node healthy: back in rotation' : 'node unhealthy: out of rotation', { check: url });
        this.kick();
      },
    });
    this.director = new Director({ exec: o.exec, log: o.log, ownIP: o.ownIP });
  }

  hasSynced(): boolean {
    return this.all.hasSynced();
  }

  async start(): Promise<void> {
    this.all.start();
    await this.all.waitForSync();
    this.health.start();
    const tick = () => {
      this.kick();
      if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs ?? 1000);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.health.stop();
    while (this.running) await new Promise((r) => setTimeout(r, 10));
    await this.director.clear().catch((e: Error) => this.o.log.warn('cannot clear forwarding', { err: e.message }));
    await this.all.stop();
  }

  private kick(): void {
    if (!this.all.hasSynced() || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.reconcile()
      .catch((e: Error) => this.o.log.warn('forwarding update failed; will retry', { err: e.message }))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async reconcile(): Promise<void> {
    const plan = forwardingPlan(this.services.list(), this.nodes.list(), this.o.lbClass);
    this.health.setTargets(plan.flatMap((a) => [...a.checks.values()]));
    const directed = plan.map((a) => ({
      ip: a.ip,
      ports: a.ports,
      nexthops: [...a.checks].filter(([, url]) => this.health.healthy(url)).map(([ip]) => ip).sort(),
    }));
    for (const d of directed) this.o.healthyNodes?.set({ address: d.ip }, d.nexthops.length);
    await this.director.apply(directed);
    this.current = directed;
  }
}
