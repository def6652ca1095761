/**
 * Where a RestApiClient's connection comes from:
 * - a kubeconfig file (its current context: server, CA, client certificate, token, exec plugins;
 *   as an extension kubectl does not have, a server `unix:///path.sock` reaches minimesh's
 *   apiserver on its local socket, which is how a local cluster's node namespaces reach it)
 *   or, with the path `in-cluster`, the pod's service account (KUBERNETES_SERVICE_HOST/PORT, the
 *   token and CA under /var/run/secrets/kubernetes.io/serviceaccount), both read by
 *   @kubernetes/client-node's KubeConfig, which also refreshes expiring credentials;
 * - or explicit files (the same ones the gRPC client takes).
 */
import { readFileSync, statSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import type https from 'node:https';
import type { RestConnection } from './rest-api-client.js';

export const IN_CLUSTER = 'in-cluster';

export async function restConnectionFromKubeconfig(path: string, context = ''): Promise<RestConnection> {
  // Loaded on first use: the library takes a second to import, which every process importing
  // this package (each command-line tool call) would pay.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (path === IN_CLUSTER) kc.loadFromCluster();
  else kc.loadFromFile(path);
  if (context) kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${path === IN_CLUSTER ? 'the in-cluster configuration' : path} names no cluster for context "${kc.getCurrentContext()}"`);
  if (!cluster.server.startsWith('https://') && !cluster.server.startsWith('unix:')) {
    throw new Error(`the cluster's server ${cluster.server} is neither https:// nor a unix:// socket: minimesh talks to an apiserver over TLS (or a local socket) only`);
  }
  return {
    server: cluster.server,
    configure: async (opts: https.RequestOptions) => {
      // client-node puts a fresh agent on every request; the client's own keeps connections open.
      const agent = opts.agent;
      await kc.applyToHTTPSOptions(opts);
      opts.agent = agent;
      // client-node reads a user's token-file without trimming it (client-go trims): a token
      // file ending in a newline would make an invalid header.
      const headers = { ...(opts.headers as OutgoingHttpHeaders | undefined) };
      const auth = headers.Authorization ?? headers.authorization;
      if (typeof auth === 'string') {
        delete headers.Authorization;
        opts.headers = { ...headers, authorization: auth.trim() };
      }
    },
  };
}

export interface RestFiles {
  server: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  tokenFile?: string;
}

/** A connection from explicit files; the token file is read again when it changes. */
export function restConnectionFromFiles(o: RestFiles): RestConnection {
  if (!!o.certFile !== !!o.keyFile) throw new Error('a client certificate needs its key (and the key its certificate)');
  const server = o.server.startsWith('https://') ? o.server : `https://${o.server}`;
  const tls = { ca: o.caFile ? readFileSync(o.caFile) : undefined, cert: o.certFile ? readFileSync(o.certFile) : undefined, key: o.keyFile ? readFileSync(o.keyFile) : undefined };
  let token = { mtimeMs: -1, value: '' };
  const currentToken = () => {
    if (!o.tokenFile) return '';
    const { mtimeMs } = statSync(o.tokenFile);
    if (mtimeMs !== token.mtimeMs) token = { mtimeMs, value: readFileSync(o.tokenFile, 'utf8').trim() };
    return token.value;
  };
  return {
    server,
    configure: async (opts) => {
      Object.assign(opts, tls);
      const t = currentToken();
      if (t) opts.headers = { ...opts.headers, authorization: `Bearer ${t}` };
    },
  };
}
