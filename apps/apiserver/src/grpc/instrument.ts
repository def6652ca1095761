/** Wraps every unary handler to count and time it (apiserver_request_total / _duration_seconds). */
import { status as Code, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { KINDS, isKind } from '@minimesh/api';
import type { pb } from '@minimesh/proto';
import { wireKind } from '@minimesh/wire';
import type { ApiServerMetrics } from '../metrics.js';


const VERBS: Record<string, string> = {
  create: 'CREATE',
  get: 'GET',
  list: 'LIST',
  update: 'UPDATE',
  updateStatus: 'UPDATE',
  delete: 'DELETE',
  deleteCollection: 'DELETECOLLECTION',
  patch: 'PATCH',
};

export function instrument<T extends object>(handlers: T, metrics: ApiServerMetrics): T & UntypedServiceImplementation {
  const out: Record<string, unknown> = { ...(handlers as Record<string, unknown>) };
  for (const [method, verb] of Object.entries(VERBS)) {
    const h = (handlers as Record<string, unknown>)[method] as
      | ((call: ServerUnaryCall<{ kind?: string; object?: { kind?: { $case: string } } }, unknown>, cb: sendUnaryData<unknown>) => void)
      | undefined;
    if (!h) continue;
    out[method] = (call: ServerUnaryCall<{ kind?: string; object?: { kind?: { $case: string } } }, unknown>, cb: sendUnaryData<unknown>) => {
      // Only known kinds become label values: made-up kinds in requests cannot mint series.
      const obj = call.request.object;
      const asked = call.request.kind || (obj ? (wireKind(obj as pb.Object) ?? 'unknown') : '');
      const resource = isKind(asked) ? KINDS[asked].resource : asked === '' ? '' : 'unknown';
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
