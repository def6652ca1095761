/**
 * Adapters from plain async functions to grpc-js handlers. Handlers throw the named API errors;
 * the mapping to a gRPC status happens here, through libs/wire, and nowhere else.
 */
import { once } from 'node:events';
import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import { ApiError } from '@minimesh/api';
import { toGrpcStatus } from '@minimesh/wire';

export type ErrorLogger = (msg: string, meta: Record<string, unknown>) => void;

function report(err: unknown, method: string, logError?: ErrorLogger): void {
  if (!(err instanceof ApiError) || err.status.code >= 500) {
    logError?.('request failed', { method, err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}

/** The caller's side of a call a handler may read: its metadata and its TLS peer. */
export type CallContext = Pick<ServerUnaryCall<unknown, unknown>, 'metadata' | 'getPeer' | 'getAuthContext'>;

export function unary<Req, Res>(method: string, fn: (req: Req, call: CallContext) => Promise<Res>, logError?: ErrorLogger) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    // A handler that throws before its first await still answers with a status.
    Promise.resolve().then(() => fn(call.request, call)).then(
      (res) => callback(null, res),
      (err: unknown) => {
        report(err, method, logError);
        callback(toGrpcStatus(err));
      },
    );
  };
}

/** Tracks live streams so a server can end them all on shutdown. */
export class StreamTracker {
  private readonly active = new Set<AbortController>();
  open(): AbortController {
    const ac = new AbortController();
    this.active.add(ac);
    return ac;
  }
  close(ac: AbortController): void {
    this.active.delete(ac);
  }
  abortAll(): void {
    for (const ac of this.active) ac.abort();
  }
  get size(): number {
    return this.active.size;
  }
}

/**
 * Serves a server-streaming call from an async generator: cancellation aborts the generator's
 * signal, back-pressure waits for 'drain', an error ends the call with its status.
 */
export function serverStream<Req, Res>(
  method: string,
  fn: (req: Req, signal: AbortSignal, call: CallContext) => AsyncIterable<Res>,
  tracker: StreamTracker,
  logError?: ErrorLogger,
) {
  return (call: ServerWritableStream<Req, Res>): void => {
    const ac = tracker.open();
    const cancel = () => ac.abort();
    call.on('cancelled', cancel);
    call.on('close', cancel);
    (async () => {
      for await (const msg of fn(call.request, ac.signal, call)) {
        if (ac.signal.aborted) break;
        if (!call.write(msg)) {
          await Promise.race([once(call, 'drain'), once(ac.signal, 'abort')]);
        }
      }
      if (!call.cancelled) call.end();
    })()
      .catch((err: unknown) => {
        if (ac.signal.aborted && call.cancelled) return;
        report(err, method, logError);
        call.emit('error', toGrpcStatus(err));
      })
      .finally(() => tracker.close(ac));
  };
}
