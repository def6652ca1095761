/** Binding and graceful stopping of a grpc-js server. */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Server, ServerCredentials, experimental } from '@grpc/grpc-js';
import { MAX_REQUEST_BYTES } from '@minimesh/wire';
import type { StreamTracker } from './handlers.js';

/**
 * Requests over MAX_REQUEST_BYTES (3 MiB, kube-apiserver's limit) are refused by gRPC itself;
 * replies may be bigger (a page of a list). No channelz: its per-call statistics are read only
 * through the channelz service, which no minimesh server offers.
 */
export function newServer(): Server {
  return new Server({
    'grpc.enable_channelz': 0,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
}

/** The files of a TLS listener; the CA verifies client certificates (which stay optional). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** How often the certificate files are re-read: a rotated certificate is served without a restart. */
const CERT_REFRESH_MS = 60_000;

/**
 * Credentials that re-read the files every CERT_REFRESH_MS. `loaded` resolves once the files
 * have been read: bind only then, or the first connections would find no certificate. `release`
 * drops the loading watch once the server holds its own.
 */
function tlsCredentials(tls: TlsFiles): { creds: ServerCredentials; loaded: Promise<void>; release(): void } {
  const files = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    caCertificateFile: tls.caFile,
    refreshIntervalMs: CERT_REFRESH_MS,
  });
  // requireClientCertificate false: a client may authenticate with a bearer token instead; a
  // certificate it does present must verify against the CA to count.
  const creds = experimental.createCertificateProviderServerCredentials(files, files, false);
  let identity = false;
  let ca = false;
  let settle: { resolve(): void; reject(e: Error): void } | undefined;
  const done = () => identity && ca && settle?.resolve();
  const onIdentity = (u: unknown) => (u ? ((identity = true), done()) : settle?.reject(new Error(`cannot read ${tls.certFile} or ${tls.keyFile}`)));
  const onCa = (u: unknown) => (u ? ((ca = true), done()) : settle?.reject(new Error(`cannot read ${tls.caFile}`)));
  const loaded = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
    files.addIdentityCertificateListener(onIdentity);
    files.addCaCertificateListener(onCa);
  });
  const release = () => {
    files.removeIdentityCertificateListener(onIdentity);
    files.removeCaCertificateListener(onCa);
  };
  return { creds, loaded, release };
}

/** True for addresses only this host can reach: unix sockets and loopback TCP. */
export function isLocalAddress(address: string): boolean {
  if (address.startsWith('unix:')) return true;
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Binds every address of a comma-separated list: `host:port` (port 0 picks one) or
 * `unix:///path/to.sock` (a Unix socket also reaches processes in other network namespaces).
 * With `tls`, TCP listeners speak TLS; Unix sockets stay plain (the file's mode, 0660, keeps
 * other users out). Without `tls`, plain TCP is allowed on loopback only.
 * Returns the bound addresses, TCP ones with their real port.
 */
export async function listen(server: Server, addresses: string, tls?: TlsFiles): Promise<string[]> {
  const bound: string[] = [];
  for (const address of addresses.split(',').map((a) => a.trim()).filter(Boolean)) {
    const unix = address.startsWith('unix:');
    if (!unix && !tls && !isLocalAddress(address)) {
      throw new Error(`refusing to serve plain TCP on ${address}: plain TCP is only for loopback and unix sockets; give TLS files`);
    }
    const path = address.replace(/^unix:(\/\/)?/, '');
    if (unix) {
      rmSync(path, { force: true });
      mkdirSync(dirname(path), { recursive: true });
    }
    const secure = unix || !tls ? undefined : tlsCredentials(tls);
    const creds = secure?.creds ?? ServerCredentials.createInsecure();
    await secure?.loaded;
    const port = await new Promise<number>((resolve, reject) => server.bindAsync(address, creds, (err, p) => (err ? reject(err) : resolve(p))));
    // The server's own listener has the certificates by the next tick; then ours can go.
    await new Promise((r) => setImmediate(r));
    secure?.release();
    if (unix) chmodSync(path, 0o660);
    bound.push(unix ? address : `${address.slice(0, address.lastIndexOf(':'))}:${port}`);
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
