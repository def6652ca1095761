/** grpc.health.v1.Health: SERVING once the server says it is ready, NOT_SERVING before and while stopping. */
import { status as Code, type Server } from '@grpc/grpc-js';
import { pbHealth } from '@minimesh/proto';
import { TooManyRequestsError } from '@minimesh/api';
import { StreamTracker, serverStream } from './handlers.js';

const { HealthCheckResponse_ServingStatus: ServingStatus } = pbHealth;

/** Health watches one address may hold open at once (they need no credentials). */
export const DEFAULT_HEALTH_WATCHES_PER_ADDRESS = 100;

/** The host of grpc-js's getPeer() (host:port; 'unknown' on a unix socket). */
function peerHost(peer: string): string {
  return (/^(.*):\d+$/.exec(peer)?.[1] ?? peer).replace(/^\[|\]$/g, '');
}

export class HealthService {
  private readonly statuses = new Map<string, pbHealth.HealthCheckResponse_ServingStatus>();
  private readonly listeners = new Set<() => void>();
  private readonly watchesFrom = new Map<string, number>();

  /** `services`: the fully-qualified service names that report; '' (the whole server) always does. */
  constructor(services: string[]) {
    for (const s of ['', ...services]) this.statuses.set(s, ServingStatus.NOT_SERVING);
  }

  setServing(serving: boolean): void {
    for (const s of this.statuses.keys()) this.statuses.set(s, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    for (const l of this.listeners) l();
  }

  /**
   * Serves Check and Watch. A Watch needs no credentials: one address may hold at most
   * `maxWatchesPerAddress` (more get RESOURCE_EXHAUSTED).
   */
  addTo(server: Server, tracker: StreamTracker, o: { maxWatchesPerAddress?: number } = {}): void {
    const max = o.maxWatchesPerAddress ?? DEFAULT_HEALTH_WATCHES_PER_ADDRESS;
    const impl: pbHealth.HealthServer = {
      check: (call, callback) => {
        const st = this.statuses.get(call.request.service);
        if (st === undefined) callback({ code: Code.NOT_FOUND, details: `unknown service ${call.request.service}` });
        else callback(null, { status: st });
      },
      watch: serverStream('Health/Watch', (req: pbHealth.HealthCheckRequest, signal, call) => this.watch(req.service, signal, peerHost(call.getPeer()), max), tracker),
    };
    server.addService(pbHealth.HealthService, impl);
  }

  /** Health watches open now, by address. */
  watchesOf(host: string): number {
    return this.watchesFrom.get(host) ?? 0;
  }

  private async *watch(service: string, signal: AbortSignal, from: string, max: number): AsyncGenerator<pbHealth.HealthCheckResponse> {
    const n = this.watchesFrom.get(from) ?? 0;
    if (n >= max) throw new TooManyRequestsError(`Too many requests: ${from} has ${n} health watches open (limit ${max}), please try again later.`);
    this.watchesFrom.set(from, n + 1);
    try {
      yield* this.follow(service, signal);
    } finally {
      const left = (this.watchesFrom.get(from) ?? 1) - 1;
      if (left > 0) this.watchesFrom.set(from, left);
      else this.watchesFrom.delete(from);
    }
  }

  private async *follow(service: string, signal: AbortSignal): AsyncGenerator<pbHealth.HealthCheckResponse> {
    let last: pbHealth.HealthCheckResponse_ServingStatus | undefined;
    while (!signal.aborted) {
      const st = this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
      if (st !== last) {
        last = st;
        yield { status: st };
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          this.listeners.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.listeners.add(done);
        signal.addEventListener('abort', done);
      });
    }
  }
}
