/** Binding and graceful stopping of a grpc-js server. */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
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

/**
 * Binds every address of a comma-separated list: `host:port` (port 0 picks one) or
 * `unix:///path/to.sock` (a Unix socket also reaches processes in other network namespaces).
 * Returns the bound addresses, TCP ones with their real port.
 */
export async function listen(server: Server, addresses: string): Promise<string[]> {
  const bound: string[] = [];
  for (const address of addresses.split(',').map((a) => a.trim()).filter(Boolean)) {
    if (address.startsWith('unix:')) {
      const path = address.replace(/^unix:(\/\/)?/, '');
      rmSync(path, { force: true });
      mkdirSync(dirname(path), { recursive: true });
    }
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    bound.push(address.startsWith('unix:') ? address : `${address.slice(0, address.lastIndexOf(':'))}:${port}`);
  }
  return bound;
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
