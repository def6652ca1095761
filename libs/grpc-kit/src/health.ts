/** grpc.health.v1.Health: SERVING once the server says it is ready, NOT_SERVING before and while stopping. */
import { status as Code, type Server } from '@grpc/grpc-js';
import { pbHealth } from '@minimesh/proto';
import { StreamTracker, serverStream } from './handlers.js';

const { HealthCheckResponse_ServingStatus: ServingStatus } = pbHealth;

export class HealthService {
  private readonly statuses = new Map<string, pbHealth.HealthCheckResponse_ServingStatus>();
  private readonly listeners = new Set<() => void>();

  /** `services`: the fully-qualified service names that report; '' (the whole server) always does. */
  constructor(services: string[]) {
    for (const s of ['', ...services]) this.statuses.set(s, ServingStatus.NOT_SERVING);
  }

  setServing(serving: boolean): void {
    for (const s of this.statuses.keys()) this.statuses.set(s, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    for (const l of this.listeners) l();
  }

  addTo(server: Server, tracker: StreamTracker): void {
    const impl: pbHealth.HealthServer = {
      check: (call, callback) => {
        const st = this.statuses.get(call.request.service);
        if (st === undefined) callback({ code: Code.NOT_FOUND, details: `unknown service ${call.request.service}` });
        else callback(null, { status: st });
      },
      watch: serverStream('Health/Watch', (req: pbHealth.HealthCheckRequest, signal) => this.watch(req.service, signal), tracker),
    };
    server.addService(pbHealth.HealthService, impl);
  }

  private async *watch(service: string, signal: AbortSignal): AsyncGenerator<pbHealth.HealthCheckResponse> {
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
