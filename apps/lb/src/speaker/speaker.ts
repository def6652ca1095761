/**
 * The layer 2 speaker (MetalLB's speaker in layer 2 mode), one per node: informers on Services,
 * EndpointSlices, Nodes, IPAddressPools, L2Advertisements and the speakers' Leases; after every
 * change that can matter (a LoadBalancer Service or its EndpointSlices, a Node, pool,
 * advertisement or Lease), and every second (a speaker's lease may have run out), it elects the
 * announcer of each address the controller assigned and announces exactly the addresses this
 * node won. The node that announces says so in the Service's status (condition
 * LoadBalancerAnnounced).
 */
import { LABEL_SERVICE_NAME, type EndpointSlice, type IPAddressPool, type L2Advertisement, type Lease, type Node, type Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { EventRecorder } from '@minimesh/controller-kit';
import { createInformer, informerSet, type Informer, type InformerSet, type NatsTransportOptions } from '@minimesh/informer';
import type { Exec, Logger } from '@minimesh/runtime';
import { poolContains, poolFromObject, ipv4Number } from '../allocator/pool.js';
import { readServiceDemand, statusIP } from '../controller/service-request.js';
import { AddressAnnouncer } from './address-announcer.js';
import { SPEAKER_LEASE_LABEL, SPEAKER_LEASE_NAMESPACE, SpeakerHeartbeat, liveSpeakers } from './heartbeat.js';
import { electAnnouncer, l2Candidates } from './l2-election.js';

export const CONDITION_ANNOUNCED = 'LoadBalancerAnnounced';
const TYPE_INDEX = 'type';
const LOAD_BALANCER = 'LoadBalancer';
const isLoadBalancer = (svc: Service | undefined) => svc?.spec?.type === LOAD_BALANCER;

export interface SpeakerOptions {
  client: ApiClient;
  transport: 'grpc' | 'nats';
  /** The informers' NATS servers and credentials (transport nats). */
  nats: NatsTransportOptions;
  node: string;
  lbClass?: string;
  exec: Exec;
  log: Logger;
  /** Whether this node can carry traffic (its node agent is healthy). */
  healthy: () => Promise<boolean>;
  heartbeatMs?: number;
  now?: () => number;
}

export class Speaker {
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly nodes: Informer<Node>;
  private readonly pools: Informer<IPAddressPool>;
  private readonly ads: Informer<L2Advertisement>;
  private readonly leases: Informer<Lease>;
  private readonly all: InformerSet;
  private readonly heartbeat: SpeakerHeartbeat;
  private readonly announcer: AddressAnnouncer;
  /** MetalLB's speaker event: nodeAssigned, from this node. */
  readonly recorder: EventRecorder;
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(private readonly o: SpeakerOptions) {
    const common = { client: o.client, transport: o.transport, nats: o.nats, logger: o.log.child('informer') };
    this.recorder = new EventRecorder({ client: o.client, component: 'metallb-speaker', host: o.node, log: o.log.child('events'), now: o.now });
    this.services = createInformer({ kind: 'Service', ...common });
    this.slices = createInformer({ kind: 'EndpointSlice', ...common });
    this.nodes = createInformer({ kind: 'Node', ...common });
    this.pools = createInformer({ kind: 'IPAddressPool', ...common });
    this.ads = createInformer({ kind: 'L2Advertisement', ...common });
    this.leases = createInformer({ kind: 'Lease', ...common, namespace: SPEAKER_LEASE_NAMESPACE, labelSelector: SPEAKER_LEASE_LABEL });
    this.slices.addIndexer('service', (s) => (s.metadata.labels?.[LABEL_SERVICE_NAME] ? [`${s.metadata.namespace}/${s.metadata.labels[LABEL_SERVICE_NAME]}`] : []));
    // Only LoadBalancer Services have addresses to announce: events of the others (most of a
    // cluster's, under churn) change nothing here and start no election.
    this.services.addIndexer(TYPE_INDEX, (svc) => (isLoadBalancer(svc) ? [LOAD_BALANCER] : []));
    this.all = informerSet(this.services, this.slices, this.nodes, this.pools, this.ads, this.leases);
    const changed = { onAdd: () => this.kick(), onUpdate: () => this.kick(), onDelete: () => this.kick() };
    const kickIf = (relevant: boolean) => {
      if (relevant) this.kick();
    };
    this.services.addEventHandler({
      onAdd: (svc) => kickIf(isLoadBalancer(svc)),
      onUpdate: (old, svc) => kickIf(isLoadBalancer(old) || isLoadBalancer(svc)),
      onDelete: (svc) => kickIf(isLoadBalancer(svc)),
    });
    const ofLoadBalancer = (slice: EndpointSlice) => {
      const name = slice.metadata.labels?.[LABEL_SERVICE_NAME];
      return name !== undefined && isLoadBalancer(this.services.get(slice.metadata.namespace ?? '', name));
    };
    this.slices.addEventHandler({
      onAdd: (slice) => kickIf(ofLoadBalancer(slice)),
      onUpdate: (old, slice) => kickIf(ofLoadBalancer(old) || ofLoadBalancer(slice)),
      onDelete: (slice) => kickIf(ofLoadBalancer(slice)),
    });
    this.nodes.addEventHandler(changed);
    this.pools.addEventHandler(changed);
    this.ads.addEventHandler(changed);
    this.leases.addEventHandler(changed);
    this.heartbeat = new SpeakerHeartbeat({ client: o.client, node: o.node, log: o.log, healthy: o.healthy, intervalMs: o.heartbeatMs, now: o.now });
    this.announcer = new AddressAnnouncer({
      exec: o.exec,
      log: o.log,
      nodeIP: () => this.nodes.get('', o.node)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
      now: o.now,
    });
  }

  hasSynced(): boolean {
    return this.all.hasSynced();
  }

  /** The addresses this node announces now. */
  get announced(): string[] {
    return this.announcer.addresses;
  }

  async start(): Promise<void> {
    this.all.start();
    await this.all.waitForSync();
    this.heartbeat.start();
    const tick = () => {
      this.kick();
      if (!this.stopped) this.timer = setTimeout(tick, this.o.heartbeatMs ?? 1000);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.heartbeat.stop();
    while (this.running) await new Promise((r) => setTimeout(r, 10));
    await this.announcer.apply(new Set()).catch((e: Error) => this.o.log.warn('cannot withdraw addresses', { err: e.message }));
    await this.recorder.flush();
    await this.all.stop();
  }

  /** Re-elects soon (changes coalesce; one run at a time). */
  private kick(): void {
    if (!this.all.hasSynced() || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.reconcile()
      .catch((e: Error) => this.o.log.warn('announcement failed; will retry', { err: e.message }))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** The addresses this node wins, with the Services they belong to. */
  wins(): Map<string, Service[]> {
    const now = (this.o.now ?? Date.now)();
    const live = liveSpeakers(this.leases.list(), now);
    const pools = this.pools.list();
    const out = new Map<string, Service[]>();
    for (const svc of this.services.byIndex(TYPE_INDEX, LOAD_BALANCER)) {
      if (readServiceDemand(svc, {}, this.o.lbClass).kind !== 'allocate') continue;
      const ip = statusIP(svc);
      const n = ip === undefined ? undefined : ipv4Number(ip);
      if (ip === undefined || n === undefined) continue;
      const pool = pools.find((p) => poolContains(poolFromObject(p), n));
      const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
      const candidates = l2Candidates({ ip, service: svc, slices: this.slices.byIndex('service', key), pool, advertisements: this.ads.list(), nodes: this.nodes.list(), liveSpeakers: live });
      if (electAnnouncer(ip, candidates) !== this.o.node) continue;
      out.set(ip, [...(out.get(ip) ?? []), svc]);
    }
    return out;
  }

  private async reconcile(): Promise<void> {
    const wins = this.wins();
    await this.announcer.apply(new Set(wins.keys()));
    for (const svcs of wins.values()) for (const svc of svcs) await this.reportAnnouncing(svc);
  }

  /** MetalLB's nodeAssigned event, and the same as a status condition of the Service. */
  private async reportAnnouncing(svc: Service): Promise<void> {
    const message = `announcing from node "${this.o.node}" with protocol "layer2"`;
    const current = svc.status?.conditions?.find((c) => c.type === CONDITION_ANNOUNCED);
    if (current?.message === message && current.status === 'True') return;
    this.recorder.event(svc, 'Normal', 'nodeAssigned', message);
    const lastTransitionTime = new Date((this.o.now ?? Date.now)()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = { type: CONDITION_ANNOUNCED, status: 'True', reason: 'nodeAssigned', message, lastTransitionTime };
    await this.o.client
      .patch('Service', svc.metadata.namespace ?? 'default', svc.metadata.name ?? '', 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' })
      .catch((e: Error) => this.o.log.warn('cannot report the announcement', { service: svc.metadata.name, err: e.message }));
  }
}
