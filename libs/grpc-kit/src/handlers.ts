/**
 * Adapters from plain async functions to grpc-js handlers. Handlers throw the named API errors;
 * the mapping to a gRPC status happens here, through libs/wire, and nowhere else.
 */
import { constants as h2 } from 'node:http2';
import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import { ApiError, UnavailableError } from '@minimesh/api';
import { toGrpcStatus } from '@minimesh/wire';

export type ErrorLogger = (msg: string, meta: Record<string, unknown>) => void;

/** Logs what is the server's fault: unexpected errors and 500s (a 503 such as a closed watch is the client's to handle). */
function report(err: unknown, method: string, logError?: ErrorLogger): void {
  if (!(err instanceof ApiError) || err.status.code === 500) {
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

export interface StreamOptions {
  /**
   * A client that stops reading for this long (its flow-control window stays full) has its
   * stream closed and the generator ended, so nothing is kept for it: Kubernetes' "forcing
   * watcher close due to unresponsive consumer". Default: wait for ever.
   */
  stallTimeoutMs?: number;
  /** Told when a stream is closed for that reason. */
  onStall?: () => void;
}

/**
 * Resolves with 'drain', 'abort' or 'stall', whichever comes first, and leaves no listener
 * behind (a stream waits here on every full buffer: listeners left over would pile up). Plain
 * listeners, no AbortController: a watch fanned out to many clients comes here for most of its
 * writes, and every abort() would build a DOMException with its stack.
 */
function drained(call: NodeJS.EventEmitter, signal: AbortSignal, stallTimeoutMs?: number): Promise<'drain' | 'abort' | 'stall'> {
  if (signal.aborted) return Promise.resolve('abort');
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: 'drain' | 'abort' | 'stall') => {
      call.removeListener('drain', onDrain);
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      resolve(outcome);
    };
    const onDrain = () => finish('drain');
    const onAbort = () => finish('abort');
    call.once('drain', onDrain);
    signal.addEventListener('abort', onAbort, { once: true });
    if (stallTimeoutMs) timer = setTimeout(() => finish('stall'), stallTimeoutMs);
  });
}

/** What of an HTTP/2 stream is needed to reset it. */
interface ResettableStream {
  close(code?: number): void;
  readonly destroyed: boolean;
}

/**
 * The HTTP/2 stream under a grpc-js server call. grpc-js does not expose it: it is found by shape
 * (the call's `call`, through any interceptors' `nextCall`, to the one holding `stream`); undefined
 * when a grpc-js version lays it out otherwise.
 */
function http2StreamOf(call: object): ResettableStream | undefined {
  let c = (call as { call?: unknown }).call as { stream?: unknown; nextCall?: unknown } | undefined;
  for (let depth = 0; c && depth < 16; depth++) {
    const s = c.stream as Partial<ResettableStream> & { respond?: unknown } | undefined;
    if (s && typeof s.close === 'function' && typeof s.respond === 'function') return s as ResettableStream;
    c = c.nextCall as typeof c;
  }
  return undefined;
}

/**
 * Ends a stream whose client stopped reading. Its status cannot reach the client (it waits behind
 * the data the client does not read) and the messages already written stay buffered until the
 * stream ends: the stream is reset (RST_STREAM ENHANCE_YOUR_CALM, which a grpc-js client reads as
 * RESOURCE_EXHAUSTED), and what was buffered for it is freed. Returns whether it could be reset.
 */
export function resetStalledStream(call: object): boolean {
  const stream = http2StreamOf(call);
  if (!stream) return false;
  if (!stream.destroyed) stream.close(h2.NGHTTP2_ENHANCE_YOUR_CALM);
  return true;
}

/**
 * Serves a server-streaming call from an async generator: cancellation aborts the generator's
 * signal, back-pressure waits for 'drain' (at most `stallTimeoutMs`), an error ends the call with
 * its status.
 */
export function serverStream<Req, Res>(
  method: string,
  fn: (req: Req, signal: AbortSignal, call: CallContext) => AsyncIterable<Res>,
  tracker: StreamTracker,
  logError?: ErrorLogger,
  opts: StreamOptions = {},
) {
  return (call: ServerWritableStream<Req, Res>): void => {
    const ac = tracker.open();
    const cancel = () => ac.abort();
    call.on('cancelled', cancel);
    call.on('close', cancel);
    (async () => {
      for await (const msg of fn(call.request, ac.signal, call)) {
        if (ac.signal.aborted) break;
        if (!call.write(msg) && (await drained(call, ac.signal, opts.stallTimeoutMs)) === 'stall') {
          // The generator ends (what it held is released) and the stream is reset (what was
          // written for it is freed). Were it not resettable, the status would follow whatever
          // the client still has to read.
          opts.onStall?.();
          ac.abort();
          if (!resetStalledStream(call)) {
            call.emit('error', toGrpcStatus(new UnavailableError('watch closed: forcing watcher close due to unresponsive consumer; watch again from the last resourceVersion')));
          }
          return;
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
