/**
 * The upstreams of `forward` with their health (CoreDNS plugin/forward/health.go, policy.go):
 * an upstream that failed `maxFails` times in a row is down and gets a `. IN NS` probe every
 * `healthCheckMs` until one answers. Queries go to the healthy ones in policy order; when every
 * upstream is down, health checking is taken to be broken and a random one is tried anyway.
 */
import type { DnsMetrics } from '../metrics.js';
import { encodeQuery } from '../wire/query-encoder.js';
import type { Upstream, UpstreamExchange } from './upstream-exchange.js';

export type ForwardPolicy = 'random' | 'round_robin' | 'sequential';
export const FORWARD_POLICIES: readonly ForwardPolicy[] = ['random', 'round_robin', 'sequential'];

interface State {
  upstream: Upstream;
  fails: number;
  checking?: NodeJS.Timeout;
}

export interface UpstreamPoolOptions {
  upstreams: Upstream[];
  policy: ForwardPolicy;
  maxFails: number;
  healthCheckMs: number;
  exchange: UpstreamExchange;
  metrics: DnsMetrics['forward'];
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export class UpstreamPool {
  private readonly states: State[];
  private next = 0;
  private stopped = false;

  constructor(private readonly o: UpstreamPoolOptions) {
    this.states = o.upstreams.map((upstream) => ({ upstream, fails: 0 }));
  }

  get size(): number {
    return this.states.length;
  }

  /** The upstreams to try, in order. */
  order(): Upstream[] {
    let list = this.states.filter((s) => s.fails < this.o.maxFails);
    if (list.length === 0) {
      this.o.metrics.healthcheckBroken.inc();
      list = shuffle([...this.states]).slice(0, 1);
    } else if (this.o.policy === 'random') list = shuffle(list);
    else if (this.o.policy === 'round_robin') {
      const k = this.next++ % list.length;
      list = [...list.slice(k), ...list.slice(0, k)];
    }
    return list.map((s) => s.upstream);
  }

  succeeded(u: Upstream): void {
    const s = this.states.find((x) => x.upstream === u);
    if (s) s.fails = 0;
  }

  failed(u: Upstream): void {
    const s = this.states.find((x) => x.upstream === u);
    if (!s) return;
    s.fails++;
    if (s.fails >= this.o.maxFails && !s.checking && !this.stopped) this.check(s);
  }

  private check(s: State): void {
    s.checking = setTimeout(() => {
      const probe = encodeQuery('.', 'NS', { recursionDesired: false });
      this.o.exchange
        .udp(s.upstream, probe, Math.max(100, this.o.healthCheckMs * 2))
        .then(() => {
          s.fails = 0;
          s.checking = undefined;
        })
        .catch(() => {
          this.o.metrics.healthcheckFailures.inc({ to: s.upstream.label });
          s.checking = undefined;
          if (!this.stopped) this.check(s);
        });
    }, this.o.healthCheckMs);
    s.checking.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.states) clearTimeout(s.checking);
  }
}
