/**
 * The flags every app with informers takes, so they read the same everywhere:
 * `--server` ($MINIMESH_SERVER), the credentials (kubectl's flag names: `--certificate-authority`,
 * `--client-certificate`, `--client-key`, `--token-file`), `--transport grpc|nats`, `--nats-url`.
 */
import { RestApiClient, connectApiClient, restConnectionFromKubeconfig, type ApiClient, type ClientOptions } from '@minimesh/client';
import type { NatsTransportOptions } from './options.js';
import type { FlagSpec } from '@minimesh/runtime';
import type { Transport } from './options.js';

export const INFORMER_FLAGS = {
  server: {
    description: 'apiserver gRPC address (host:port or unix:///path.sock).',
    default: '127.0.0.1:6443',
    env: 'MINIMESH_SERVER',
  } satisfies FlagSpec<string>,
  'certificate-authority': {
    description: 'CA file that verifies the apiserver\'s certificate (TCP addresses speak TLS).',
    default: '',
    env: 'MINIMESH_CERTIFICATE_AUTHORITY',
  } satisfies FlagSpec<string>,
  'client-certificate': { description: 'Client certificate: who this process is to the apiserver (CN user, O groups).', default: '', env: 'MINIMESH_CLIENT_CERTIFICATE' } satisfies FlagSpec<string>,
  'client-key': { description: 'Key of --client-certificate.', default: '', env: 'MINIMESH_CLIENT_KEY' } satisfies FlagSpec<string>,
  'token-file': { description: 'File holding a bearer token for the apiserver (read again when it changes).', default: '', env: 'MINIMESH_TOKEN_FILE' } satisfies FlagSpec<string>,
  kubeconfig: {
    description:
      'Read and write through a Kubernetes REST API instead of --server\'s gRPC: a kubeconfig file (minimesh\'s apiserver --rest-listen, or any kube-apiserver), or `in-cluster` for the pod\'s service account. Informers then list and watch over REST (--transport grpc).',
    default: '',
    env: 'MINIMESH_KUBECONFIG',
  } satisfies FlagSpec<string>,
  transport: {
    description: 'How informers follow changes: grpc (the apiserver Watch; over REST with --kubeconfig) or nats (the JetStream event stream).',
    default: 'grpc' as Transport,
    parse: (raw: string): Transport => {
      if (raw !== 'grpc' && raw !== 'nats') throw new Error(`"${raw}" is not one of grpc, nats`);
      return raw;
    },
  } satisfies FlagSpec<Transport>,
  'nats-url': { description: 'NATS server(s) for --transport nats.', default: 'nats://127.0.0.1:4222' } satisfies FlagSpec<string>,
  'nats-user': { description: 'NATS user (a server with authorization).', default: '', env: 'MINIMESH_NATS_USER' } satisfies FlagSpec<string>,
  'nats-password-file': { description: 'File holding the NATS user\'s password.', default: '', env: 'MINIMESH_NATS_PASSWORD_FILE' } satisfies FlagSpec<string>,
  'nats-ca': { description: 'CA that verifies the NATS server\'s certificate (the connection then speaks TLS).', default: '', env: 'MINIMESH_NATS_CA' } satisfies FlagSpec<string>,
};

type CredentialFlags = { 'certificate-authority': string; 'client-certificate': string; 'client-key': string; 'token-file': string };
type ConnectFlags = CredentialFlags & { server: string; kubeconfig: string; transport: Transport };

/**
 * The apiserver client the flags ask for: the REST API of the kubeconfig's cluster when
 * --kubeconfig is given, else gRPC at --server. The event stream on NATS is minimesh's own and
 * is signed for the store a gRPC list names: it does not go with --kubeconfig.
 */
export async function connectFromFlags(o: ConnectFlags): Promise<ApiClient> {
  if (!o.kubeconfig) return connectApiClient(o.server, apiClientOptions(o));
  if (o.transport === 'nats') throw new Error('--transport nats follows minimesh\'s own event stream and does not go with --kubeconfig: use --transport grpc (a REST watch)');
  return new RestApiClient(await restConnectionFromKubeconfig(o.kubeconfig));
}

/** The apiserver client options the credential flags give. */
export function apiClientOptions(o: CredentialFlags): ClientOptions {
  const out: ClientOptions = {};
  if (o['certificate-authority']) out.caFile = o['certificate-authority'];
  if (o['client-certificate']) out.certFile = o['client-certificate'];
  if (o['client-key']) out.keyFile = o['client-key'];
  if (o['token-file']) out.tokenFile = o['token-file'];
  return out;
}

type NatsFlags = { 'nats-url': string; 'nats-user': string; 'nats-password-file': string; 'nats-ca': string };

/** The informers' NATS options the flags give (servers and credentials). */
export function natsTransportOptions(o: NatsFlags): NatsTransportOptions {
  const out: NatsTransportOptions = { servers: o['nats-url'] };
  if (o['nats-user']) out.user = o['nats-user'];
  if (o['nats-password-file']) out.passwordFile = o['nats-password-file'];
  if (o['nats-ca']) out.caFile = o['nats-ca'];
  return out;
}
