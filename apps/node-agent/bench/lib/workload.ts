/**
 * The changes the latency benchmark makes: Services created and deleted (selecting the app=web
 * pods) and pods' readiness flipped, each tracked by the observer with the predicate that says
 * "this change is in the kernel".
 */
import type { Pod, Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { servicePortChainName } from '@minimesh/proxy-core';
import type { Change, Observer, Phase } from './kernel-observer.js';

export const NS = 'bench';


export type RulesMode = 'iptables' | 'nftables';

/** The KUBE-SVC chain of a Service's one unnamed TCP port (kube-proxy's name: a hash of "ns/name" and the protocol). */
const svcChain = (name: string) => servicePortChainName(`${NS}/${name}`, 'TCP');

/**
 * "This change is in the kernel", read from the text kernel-watch keeps of the mode's rules (one
 * rule a line, `<chain> <rule>` as `nft monitor` prints it, and the service-ips map's elements).
 */
export const PREDICATES: Record<RulesMode, { serviceLive: (name: string) => (t: string) => boolean; serviceGone: (name: string) => (t: string) => boolean; dnatTo: (ip: string) => (t: string) => boolean }> = {
  // KUBE-SERVICES jumps to the Service's KUBE-SVC chain; the endpoints' KUBE-SEP chains DNAT.
  iptables: {
    serviceLive: (name) => (t) => t.split('\n').some((l) => l.startsWith('KUBE-SERVICES ') && l.endsWith(` jump ${svcChain(name)}`)),
    serviceGone: (name) => (t) => !t.includes(` jump ${svcChain(name)}`),
    dnatTo: (ip) => (t) => t.includes(`dnat to ${ip}:80`),
  },
  // The service-ips map, whose elements carry the Service's name as their comment, and Service
  // flip's chain, which picks among its endpoints' chains (named after their IPs).
  nftables: {
    serviceLive: (name) => (t) => t.includes(`comment "${NS}/${name}" : goto service-`),
    serviceGone: (name) => (t) => !t.includes(`comment "${NS}/${name}"`),
    dnatTo: (ip) => (t) => t.includes(`__${ip}/80`),
  },
};

export function service(name: string, app: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { type: 'ClusterIP', selector: { app }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } };
}

/** RFC 3339 with seconds, as the kubelet (and minimesh-cluster pod ready) writes lastTransitionTime. */
const kubeTime = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function withReadiness(pod: Pod, ready: boolean): Pod {
  const status = ready ? 'True' : 'False';
  const conditions = [...(pod.status?.conditions ?? [])].filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady');
  for (const type of ['ContainersReady', 'Ready']) conditions.push({ type, status, lastTransitionTime: kubeTime(), ...(ready ? {} : { reason: 'ContainersNotReady' }) });
  return { ...pod, status: { ...pod.status, conditions } };
}

export interface FlipPod {
  name: string;
  ip: string;
  pod: Pod;
  ready: boolean;
  busy: boolean;
}

export class Workload {
  private svcSeq = 0;
  /** Services by name: 'creating' until seen everywhere, then 'live', then 'deleting'. */
  readonly services = new Map<string, 'creating' | 'live' | 'deleting'>();
  readonly changes: Change[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly obs: Observer,
    readonly flips: FlipPod[],
    private readonly mode: RulesMode = 'iptables',
  ) {}

  async createService(phase: Phase): Promise<Change> {
    const name = `svc-${++this.svcSeq}`;
    this.services.set(name, 'creating');
    const c = this.obs.track(phase, 'service create', name, PREDICATES[this.mode].serviceLive(name));
    await this.send(c, () => this.client.create(service(name, 'web')));
    void c.done.then(() => this.services.set(name, 'live'), () => undefined);
    return c;
  }

  canDelete(): string | undefined {
    for (const [name, st] of this.services) if (st === 'live') return name;
    return undefined;
  }

  async deleteService(phase: Phase, name: string): Promise<Change> {
    this.services.set(name, 'deleting');
    const c = this.obs.track(phase, 'service delete', name, PREDICATES[this.mode].serviceGone(name));
    await this.send(c, () => this.client.delete('Service', NS, name));
    void c.done.then(() => this.services.delete(name), () => undefined);
    return c;
  }

  /** A flip pod with no change in flight whose flip keeps at least one flip pod ready. */
  canFlip(pick: () => number): FlipPod | undefined {
    const readyCount = this.flips.filter((f) => f.ready).length;
    const ok = this.flips.filter((f) => !f.busy && (!f.ready || readyCount > 1));
    return ok.length ? ok[Math.floor(pick() * ok.length)] : undefined;
  }

  async flip(phase: Phase, f: FlipPod): Promise<Change> {
    f.busy = true;
    f.ready = !f.ready;
    const want = f.ready;
    const dnat = PREDICATES[this.mode].dnatTo(f.ip);
    const c = this.obs.track(phase, want ? 'pod ready' : 'pod unready', f.name, (t) => dnat(t) === want);
    await this.send(c, async () => {
      f.pod = await this.client.updateStatus(withReadiness(f.pod, want));
    });
    void c.done.then(() => {
      f.busy = false;
    }, () => undefined);
    return c;
  }

  private async send(c: Change, call: () => Promise<unknown>): Promise<void> {
    if (c.phase !== 'setup') this.changes.push(c);
    await call();
    c.apiMs = Date.now() - c.t0;
  }
}
