/** Binding and graceful stopping of a grpc-js server. */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { StreamTracker } from './handlers.js';

export function newServer(): Server {
  return new Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
}

/** Binds host:port (port 0 picks one) and returns the bound address. */
export async function listen(server: Server, address: string): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = address.slice(0, address.lastIndexOf(':'));
  return `${host}:${port}`;
}

/** Ends every stream, lets unary calls finish, then forces after `graceMs`. */
export async function stopServer(server: Server, streams: StreamTracker, graceMs = 5000): Promise<void> {
  streams.abortAll();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
