/**
 * Watches over gRPC as async iterators of single events. They ask for WatchBatched (the events
 * that were ready together in one message); an apiserver older than it answers UNIMPLEMENTED, and
 * then this client's watches use Watch (an event a message), as Kubernetes clients keep working
 * against a server one version behind. return() and abort cancel the call.
 */
import { status as Code, type ClientReadableStream, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { KubeObject } from '@minimesh/api';
import { pb } from '@minimesh/proto';
import { eventTypeName, fromGrpcError, objectFromWire } from '@minimesh/wire';
import type { WatchEvent } from './api-client.js';

type Stream = ClientReadableStream<pb.WatchEventBatch> | ClientReadableStream<pb.WatchEvent>;

export class GrpcWatches {
  /**
   * False once the server said it has no WatchBatched; for the life of this client (an apiserver
   * upgraded meanwhile is asked for it again by the next client made).
   */
  private batched = true;

  constructor(private readonly raw: pb.ApiServiceClient) {}

  open<T extends KubeObject>(req: pb.WatchRequest, md: Metadata, signal?: AbortSignal): AsyncIterator<WatchEvent<T>> {
    const buffered: WatchEvent<T>[] = [];
    let failure: Error | undefined;
    let ended = false;
    let wake: (() => void) | undefined;
    let stream: Stream;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const cancel = () => {
      ended = true;
      stream.cancel();
      notify();
    };
    const take = (ev: pb.WatchEvent) => {
      const type = eventTypeName(ev.type);
      if (!type) return;
      const out: WatchEvent<T> = { type, resourceVersion: ev.resourceVersion };
      if (ev.object) out.object = objectFromWire(ev.object) as T;
      if (ev.previousResourceVersion) out.previousResourceVersion = ev.previousResourceVersion;
      buffered.push(out);
    };
    const start = () => {
      const batched = this.batched;
      let received = false;
      const s: Stream = batched ? this.raw.watchBatched(req, md) : this.raw.watch(req, md);
      stream = s;
      s.on('data', (msg: pb.WatchEventBatch | pb.WatchEvent) => {
        received = true;
        if (batched) for (const ev of (msg as pb.WatchEventBatch).events) take(ev);
        else take(msg as pb.WatchEvent);
        notify();
      });
      s.on('error', (err: ServiceError) => {
        if (batched && !received && !ended && err.code === Code.UNIMPLEMENTED) {
          this.batched = false;
          start();
          return;
        }
        if (!ended) failure = fromGrpcError(err);
        ended = true;
        notify();
      });
      s.on('end', () => {
        if (s !== stream) return; // the WatchBatched call that was refused: its successor goes on
        ended = true;
        notify();
      });
    };
    start();
    signal?.addEventListener('abort', cancel, { once: true });
    if (signal?.aborted) cancel();
    return {
      async next(): Promise<IteratorResult<WatchEvent<T>>> {
        for (;;) {
          const ev = buffered.shift();
          if (ev) return { value: ev, done: false };
          if (failure) {
            const f = failure;
            failure = undefined;
            signal?.removeEventListener('abort', cancel);
            throw f;
          }
          if (ended) {
            signal?.removeEventListener('abort', cancel);
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      async return(): Promise<IteratorResult<WatchEvent<T>>> {
        cancel();
        signal?.removeEventListener('abort', cancel);
        return { value: undefined, done: true };
      },
    };
  }
}
