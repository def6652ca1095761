/** Wraps every unary handler to count and time it (apiserver_request_total / _duration_seconds). */
import { status as Code, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ApiServerMetrics } from '../metrics.js';

const VERBS: Record<string, string> = {
  create: 'CREATE',
  get: 'GET',
  list: 'LIST',
  update: 'UPDATE',
  updateStatus: 'UPDATE',
  delete: 'DELETE',
};

export function instrument<T extends object>(handlers: T, metrics: ApiServerMetrics): T & UntypedServiceImplementation {
  const out: Record<string, unknown> = { ...(handlers as Record<string, unknown>) };
  for (const [method, verb] of Object.entries(VERBS)) {
    const h = (handlers as Record<string, unknown>)[method] as
      | ((call: ServerUnaryCall<{ kind?: string; object?: { kind?: { $case: string } } }, unknown>, cb: sendUnaryData<unknown>) => void)
      | undefined;
    if (!h) continue;
    out[method] = (call: ServerUnaryCall<{ kind?: string; object?: { kind?: { $case: string } } }, unknown>, cb: sendUnaryData<unknown>) => {
      const resource = call.request.kind || call.request.object?.kind?.$case || '';
      const end = metrics.requestDuration.startTimer({ verb, resource });
      h(call, (err, value) => {
        end();
        metrics.requests.inc({ verb, resource, code: String(err ? (err.code ?? Code.UNKNOWN) : Code.OK) });
        cb(err, value);
      });
    };
  }
  return out as T & UntypedServiceImplementation;
}
