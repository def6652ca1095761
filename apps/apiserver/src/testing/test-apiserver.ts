/** Starting a real apiserver (in this process) on free ports with its own data directory, for tests. */
import { join } from 'node:path';
import { connectApiClient, type ApiClient, type ClientOptions } from '@minimesh/client';
import { createLogger } from '@minimesh/runtime';
import { tempDir } from '@minimesh/runtime/testing';
import { startApiServer, type ApiServer } from '../app.js';
import type { ApiServerOptions } from '../options.js';

export interface TestApiServer {
  server: ApiServer;
  client: ApiClient;
  dataDir: string;
  /** Stops the server (keeping the data) and starts a new one on the same data directory and port. */
  restart(extra?: Partial<ApiServerOptions>): Promise<void>;
  /** A new client of the server's first address (TLS over TCP, verified against its CA), with `opts`' credentials. */
  connect(opts?: ClientOptions): ApiClient;
  stop(): Promise<void>;
}

export async function startTestApiServer(opts: Partial<ApiServerOptions> = {}): Promise<TestApiServer> {
  const dir = tempDir('minimesh-apiserver-');
  const log = createLogger('apiserver', { level: (process.env.MINIMESH_LOG_LEVEL as 'debug' | undefined) ?? 'error' });
  // A unix socket (plain gRPC) and no access checks unless a test asks for them: the suites that
  // are about access control pass 'authorization-mode', a TCP listen address and credentials.
  const base = {
    listen: `unix://${dir.path}/api.sock`,
    'http-listen': '127.0.0.1:0',
    'rest-listen': '127.0.0.1:0',
    'data-dir': dir.path,
    'nats-url': '',
    'authorization-mode': 'AlwaysAllow',
    'anonymous-auth': true,
    ...opts,
  };
  const t: TestApiServer = {
    server: await startApiServer(base, log),
    client: undefined as unknown as ApiClient,
    dataDir: dir.path,
    async restart(extra = {}) {
      t.client.close();
      const listen = base.listen.endsWith(':0') ? t.server.address : base.listen;
      const restListen = base['rest-listen'].endsWith(':0') && t.server.restAddress ? t.server.restAddress : base['rest-listen'];
      await t.server.stop();
      // The same CA and serving certificate, even on another data directory: clients keep trusting it.
      const pki = base['tls-cert-file'] ? {} : { 'tls-cert-file': join(dir.path, 'pki', 'apiserver.crt'), 'tls-private-key-file': join(dir.path, 'pki', 'apiserver.key'), 'client-ca-file': join(dir.path, 'pki', 'ca.crt') };
      t.server = await startApiServer({ ...base, listen, 'rest-listen': restListen, ...pki, ...extra }, log);
      t.client = t.connect();
    },
    connect(o = {}) {
      return connectApiClient(t.server.address, { caFile: t.server.caFile, ...o });
    },
    async stop() {
      t.client.close();
      await t.server.stop();
      dir.remove();
    },
  };
  t.client = t.connect();
  return t;
}
