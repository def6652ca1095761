import { describe, expect, it } from 'vitest';
import { Metadata, Server, ServerCredentials, credentials, makeGenericClientConstructor, status as Status, type ServerInterceptingCallInterface, type ServerMethodDefinition } from '@grpc/grpc-js';
import { listen, newServer } from './server.js';
import { unaryInOneWrite } from './unary-in-one-write.js';

/** The call below the interceptor (grpc-js's own, which writes to the HTTP/2 stream), recording what reaches it. */
function recordingCall() {
  const seen: string[] = [];
  const writes: (() => void)[] = [];
  const call = {
    start: () => {},
    sendMetadata: () => seen.push('metadata'),
    sendMessage: (_m: unknown, written: () => void) => (seen.push('message'), writes.push(written)),
    sendStatus: (s: { code: number }) => seen.push(`status ${s.code}`),
    startRead: () => {},
  } as unknown as ServerInterceptingCallInterface;
  return { call, seen, finishWrites: () => writes.splice(0).forEach((w) => w()) };
}

const method = (requestStream: boolean, responseStream: boolean) =>
  ({ path: '/t.T/M', requestStream, responseStream }) as ServerMethodDefinition<unknown, unknown>;

/** What grpc-js's unary handler does with an answer: the message, then the status once it is written. */
function answer(call: ServerInterceptingCallInterface) {
  call.sendMessage(Buffer.from('x'), () => call.sendStatus({ code: Status.OK, details: 'OK', metadata: null }));
}

describe('unaryInOneWrite', () => {
  it('sends a unary answer’s status right behind its message, before the write has completed', () => {
    const below = recordingCall();
    answer(unaryInOneWrite(method(false, false), below.call));
    expect(below.seen).toEqual(['metadata', 'message', 'status 0']);
    below.finishWrites();
    expect(below.seen).toEqual(['metadata', 'message', 'status 0']);
  });

  it('leaves streams to their writes’ callbacks (their back-pressure)', () => {
    for (const m of [method(false, true), method(true, false), method(true, true)]) {
      const below = recordingCall();
      answer(unaryInOneWrite(m, below.call));
      expect(below.seen).toEqual(['metadata', 'message']);
      below.finishWrites();
      expect(below.seen).toEqual(['metadata', 'message', 'status 0']);
    }
  });

  it('lets grpc-js fail an answer it cannot send (too large, or failing to serialize) with one status', async () => {
    const server = new Server({ 'grpc.max_send_message_length': 16, interceptors: [unaryInOneWrite] });
    const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
    const throwing = (b: Buffer) => {
      if (b.length === 3) throw new Error('cannot serialize');
      return b;
    };
    const method = (path: string, responseSerialize = bytes.serialize) =>
      ({ path, requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize, responseDeserialize: bytes.deserialize });
    const definition = { Big: method('/t.T/Big'), Odd: method('/t.T/Odd', throwing) };
    server.addService(definition, {
      Big: (_c: unknown, cb: (e: null, v: Buffer) => void) => cb(null, Buffer.alloc(100)),
      Odd: (_c: unknown, cb: (e: null, v: Buffer) => void) => cb(null, Buffer.alloc(3)),
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const client = new (makeGenericClientConstructor(definition, 'T'))(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Record<string, (...a: unknown[]) => unknown> & { close(): void };
    const statusOf = (name: string) =>
      new Promise<{ code: number; statuses: number }>((resolve) => {
        let code = -1;
        let statuses = 0;
        const call = client[name]!(Buffer.alloc(0), (e: { code: number } | null) => (code = e?.code ?? 0)) as { on(e: string, f: () => void): void };
        call.on('status', () => {
          statuses++;
          setTimeout(() => resolve({ code, statuses }), 50);
        });
      });
    try {
      expect(await statusOf('Big')).toEqual({ code: Status.RESOURCE_EXHAUSTED, statuses: 1 });
      expect(await statusOf('Odd')).toEqual({ code: Status.INTERNAL, statuses: 1 });
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  it('answers unary calls, errors and streams of a real server', async () => {
    const server = newServer();
    const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
    const definition = {
      Echo: { path: '/t.T/Echo', requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize },
      Fail: { path: '/t.T/Fail', requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize },
      Count: { path: '/t.T/Count', requestStream: false, responseStream: true, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize },
    };
    server.addService(definition, {
      Echo: (call: { request: Buffer }, cb: (e: null, v: Buffer, trailer: Metadata) => void) => {
        const trailer = new Metadata();
        trailer.set('x-seen', String(call.request.length));
        cb(null, Buffer.concat([Buffer.from('echo:'), call.request]), trailer);
      },
      Fail: (_call: unknown, cb: (e: { code: number; details: string }) => void) => cb({ code: Status.NOT_FOUND, details: 'no such thing' }),
      Count: (call: { write(b: Buffer): void; end(): void }) => {
        for (let i = 0; i < 3; i++) call.write(Buffer.alloc(100_000, i));
        call.end();
      },
    });
    const [address] = await listen(server, '127.0.0.1:0');
    const Client = makeGenericClientConstructor(definition, 'T');
    const client = new Client(address!, credentials.createInsecure()) as unknown as Record<string, (...a: unknown[]) => unknown>;
    try {
      const echoed = await new Promise<{ value?: Buffer; seen?: unknown }>((resolve, reject) => {
        const got: { value?: Buffer; seen?: unknown } = {};
        const call = client.Echo!(Buffer.from('hello'), (e: Error | null, value: Buffer) => (e ? reject(e) : (got.value = value))) as { on(e: string, f: (s: { metadata: Metadata }) => void): void };
        call.on('status', (s) => resolve({ ...got, seen: s.metadata.get('x-seen') }));
      });
      expect(echoed.value?.toString()).toBe('echo:hello');
      expect(echoed.seen).toEqual(['5']);

      const failed = await new Promise<{ code: number; details: string }>((resolve) => client.Fail!(Buffer.alloc(0), (e: { code: number; details: string }) => resolve(e)));
      expect([failed.code, failed.details]).toEqual([Status.NOT_FOUND, 'no such thing']);

      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.Count!(Buffer.alloc(0)) as NodeJS.ReadableStream;
        stream.on('data', (b: Buffer) => chunks.push(b));
        stream.on('error', reject);
        stream.on('end', () => resolve());
      });
      expect(chunks.map((c) => [c.length, c[0]])).toEqual([[100_000, 0], [100_000, 1], [100_000, 2]]);
    } finally {
      (client as unknown as { close(): void }).close();
      server.forceShutdown();
    }
  });
});
