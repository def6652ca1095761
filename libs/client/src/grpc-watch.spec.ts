/** Watches through the gRPC client against servers with and without WatchBatched (real grpc-js servers on unix sockets). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, status as Code, type ServerWritableStream } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { pb } from '@minimesh/proto';
import { objectToWire } from '@minimesh/wire';
import type { WatchEvent } from './api-client.js';
import { connectApiClient } from './grpc-api-client.js';

const added = (name: string, rv: number): pb.WatchEvent => ({
  type: pb.EventType.ADDED,
  object: objectToWire({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: String(rv) } } as never),
  resourceVersion: String(rv),
  previousResourceVersion: String(rv - 1),
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server with these ApiService handlers only (grpc-js answers UNIMPLEMENTED for the others). */
async function serve(handlers: Partial<pb.ApiServiceServer>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mm-grpc-watch-'));
  const server = new Server();
  server.addService(pb.ApiServiceService, handlers as pb.ApiServiceServer);
  const address = `unix:${join(dir, 'api.sock')}`;
  await new Promise<void>((resolve, reject) => server.bindAsync(address, ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  cleanups.push(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  return address;
}

async function names(events: AsyncIterable<WatchEvent>): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of events) out.push(`${ev.type} ${ev.object?.metadata.name} ${ev.resourceVersion}`);
  return out;
}

describe('gRPC watches', () => {
  it('take the events of a WatchBatched message one at a time, in order', async () => {
    const address = await serve({
      watchBatched: (call: ServerWritableStream<pb.WatchRequest, pb.WatchEventBatch>) => {
        call.write({ events: [added('a', 2), added('b', 3)] });
        call.write({ events: [added('c', 4)] });
        call.end();
      },
    });
    const client = connectApiClient(address);
    cleanups.push(() => client.close());
    expect(await names(client.watch('Namespace'))).toEqual(['ADDED a 2', 'ADDED b 3', 'ADDED c 4']);
  });

  it('use Watch against a server without WatchBatched, and from then on ask for it no more', async () => {
    let batchedCalls = 0;
    let watchCalls = 0;
    const address = await serve({
      watchBatched: (call: ServerWritableStream<pb.WatchRequest, pb.WatchEventBatch>) => {
        batchedCalls++;
        call.emit('error', { code: Code.UNIMPLEMENTED, details: 'unknown method' });
      },
      watch: (call: ServerWritableStream<pb.WatchRequest, pb.WatchEvent>) => {
        watchCalls++;
        expect(call.request.kind).toBe('Namespace');
        call.write(added('a', 2));
        call.write(added('b', 3));
        call.end();
      },
    });
    const client = connectApiClient(address);
    cleanups.push(() => client.close());
    expect(await names(client.watch('Namespace'))).toEqual(['ADDED a 2', 'ADDED b 3']);
    expect(await names(client.watch('Namespace'))).toEqual(['ADDED a 2', 'ADDED b 3']);
    expect([batchedCalls, watchCalls]).toEqual([1, 2]);
  });

  it('use Watch against a server whose service has no WatchBatched at all (grpc-js answers for it)', async () => {
    const address = await serve({
      watch: (call: ServerWritableStream<pb.WatchRequest, pb.WatchEvent>) => {
        call.write(added('a', 2));
        call.end();
      },
    });
    const client = connectApiClient(address);
    cleanups.push(() => client.close());
    expect(await names(client.watch('Namespace'))).toEqual(['ADDED a 2']);
  });

  it('fail with the server\'s error otherwise', async () => {
    const address = await serve({
      watchBatched: (call: ServerWritableStream<pb.WatchRequest, pb.WatchEventBatch>) => {
        call.write({ events: [added('a', 2)] });
        call.emit('error', { code: Code.OUT_OF_RANGE, details: 'too old resource version: 1 (5)' });
      },
    });
    const client = connectApiClient(address);
    cleanups.push(() => client.close());
    const seen: string[] = [];
    const err = await (async () => {
      for await (const ev of client.watch('Namespace')) seen.push(ev.object?.metadata.name ?? '');
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a']);
    expect(String(err)).toContain('too old resource version');
  });
});
