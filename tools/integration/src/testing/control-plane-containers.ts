/**
 * The control plane as containers (MINIMESH_CONTROL_PLANE=containers): NATS and the apiserver from
 * the built images (`minimesh/nats`, `minimesh/apiserver`, tagged with the version) on a network of
 * their own, through testcontainers. Ports are published on fixed host ports picked here, so a
 * restarted container answers where the old one did, as a restarted process does. The apiserver's
 * data directory is a host directory mounted into it (its CA is read from there), and its store's
 * state comes from its /metrics, as an operator would read it. Needs a Docker engine (DOCKER_HOST)
 * and the images (tools/images/build.sh); tools/containers/run.sh provides both.
 */
import { execFile } from 'node:child_process';
import { chownSync, readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { eventually, freePort, tempDir, type NatsServer } from '@minimesh/runtime/testing';
import type { ApiServerFlags, ControlPlane, StoreState } from './control-plane.js';

const VERSION: string = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')).version;
const image = (name: 'nats' | 'apiserver') => `minimesh/${name}:${VERSION}`;
/**
 * The images run as `node` (uid 1000): run as root, the data directories are given to it; run as
 * another user, the container runs as that user instead, so both sides can read and remove the files.
 */
const IMAGE_UID = 1000;
const AS_ROOT = process.getuid?.() === 0;
const ownData = (dir: string) => {
  if (AS_ROOT) chownSync(dir, IMAGE_UID, IMAGE_UID);
};
const containerUser = AS_ROOT ? undefined : `${process.getuid?.()}:${process.getgid?.()}`;
const DATA_DIR = '/var/lib/minimesh/apiserver';
const FIRST_PKI = '/etc/minimesh/pki';
const docker = (...args: string[]) => promisify(execFile)('docker', args);
/** On every container, so a run that was killed can be cleaned up after (tools/containers/run.sh). */
const LABELS = { 'minimesh.test': 'control-plane' };

/** Flags that name this machine's addresses or files: the containers have neither. */
const HOST_FLAGS = ['listen', 'http-listen', 'rest-listen', 'token-auth-file', 'tls-cert-file', 'tls-private-key-file', 'client-ca-file', 'nats-ca', 'nats-password-file'] as const;

/** Throws for flags the apiserver container cannot take as given. */
function checkFlags(f: ApiServerFlags): void {
  for (const own of HOST_FLAGS) {
    if (f[own] !== undefined) throw new Error(`control plane in containers: --${own} names this machine's ${own.includes('listen') ? 'address (the container\'s ports are published on fixed host ports)' : 'file'}; the container cannot take it`);
  }
  if (f['nats-url'] !== undefined && f['nats-url'] !== '') throw new Error('control plane in containers: --nats-url is the NATS container (or "" for none), not an address of this machine');
}

export async function startContainerControlPlane(flags: ApiServerFlags): Promise<ControlPlane> {
  checkFlags(flags);
  const ports = { grpc: await freePort(), http: await freePort() };
  const first = tempDir('minimesh-apiserver-');
  const caFile = join(first.path, 'pki', 'ca.crt');
  let network: StartedNetwork | undefined;
  let nats: NatsServer | undefined;
  let apiserver: StartedTestContainer | undefined;
  let client: ApiClient | undefined;

  /** An apiserver container with `f` over the defaults; on a restart with the first start's CA and serving certificate, as the in-process one. */
  const start = async (f: ApiServerFlags, restart: boolean) => {
    const dataDir = String(f['data-dir'] ?? first.path);
    ownData(dataDir);
    const given = Object.entries({ 'nats-url': 'nats://nats:4222', 'authorization-mode': 'AlwaysAllow', 'anonymous-auth': true, ...f }).filter(([k]) => k !== 'data-dir');
    const pki = restart ? [`--tls-cert-file=${FIRST_PKI}/apiserver.crt`, `--tls-private-key-file=${FIRST_PKI}/apiserver.key`, `--client-ca-file=${FIRST_PKI}/ca.crt`] : [];
    const mounts: { source: string; target: string; mode?: 'ro' }[] = [{ source: dataDir, target: DATA_DIR }];
    if (restart) mounts.push({ source: join(first.path, 'pki'), target: FIRST_PKI, mode: 'ro' });
    let container = new GenericContainer(image('apiserver'));
    if (containerUser !== undefined) container = container.withUser(containerUser);
    apiserver = await container
      .withNetwork(network!)
      .withLabels(LABELS)
      .withExposedPorts({ container: 6443, host: ports.grpc }, { container: 6444, host: ports.http })
      .withBindMounts(mounts)
      .withCommand(['--listen=0.0.0.0:6443', '--http-listen=0.0.0.0:6444', `--data-dir=${DATA_DIR}`, ...given.map(([k, v]) => `--${k}=${String(v)}`), ...pki])
      // Logged once the kubernetes Service is in place and gRPC serves, as startTestApiServer
      // returns (/readyz would also want NATS, which a test may have stopped).
      .withWaitStrategy(Wait.forLogMessage('"msg":"apiserver serving"'))
      .withStartupTimeout(60_000)
      .start();
    client = connectApiClient(`127.0.0.1:${ports.grpc}`, { caFile, timeoutMs: 10_000 });
  };
  const stopApiserver = async () => {
    client?.close();
    client = undefined;
    const c = apiserver;
    apiserver = undefined;
    await c?.stop();
  };
  const stop = async () => {
    try {
      await stopApiserver();
    } finally {
      try {
        await nats?.cleanup();
      } finally {
        try {
          await network?.stop();
        } finally {
          first.remove();
        }
      }
    }
  };

  const metric = async (name: string): Promise<string> => {
    const text = await (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    if (line === undefined) throw new Error(`the apiserver's /metrics has no ${name}`);
    return line.slice(name.length);
  };
  const gauge = async (name: string) => Number((await metric(name)).trim());
  const store: StoreState = {
    id: async () => /store_id="([^"]*)"/.exec(await metric('minimesh_apiserver_store_info'))![1]!,
    revision: () => gauge('minimesh_apiserver_revision'),
    publishedRevision: () => gauge('minimesh_apiserver_events_published_revision'),
    oldestRevision: () => gauge('minimesh_apiserver_watch_history_oldest_revision'),
  };

  try {
    ownData(first.path);
    network = await new Network().start();
    nats = await startNatsContainer(network);
    await start(flags, false);
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  return {
    nats,
    apiAddress: `127.0.0.1:${ports.grpc}`,
    caFile,
    get client() {
      return client!;
    },
    store,
    restartApiServer: async (extra = {}) => {
      checkFlags(extra);
      await stopApiserver();
      await start({ ...flags, ...extra }, true);
    },
    stop,
  };
}

/** NATS (JetStream) on a fixed host port; stop() kills the container and start() starts the same one again (its stream store kept). */
async function startNatsContainer(network: StartedNetwork): Promise<NatsServer> {
  const port = await freePort();
  const container = await new GenericContainer(image('nats'))
    .withNetwork(network)
    .withLabels(LABELS)
    .withNetworkAliases('nats')
    .withExposedPorts({ container: 4222, host: port })
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(60_000)
    .start();
  const id = container.getId();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async start() {
      await docker('start', id);
      await eventually(() => greets(port), 30_000, 100);
    },
    async stop() {
      await docker('kill', id).catch(() => undefined);
    },
    async cleanup() {
      await container.stop();
    },
  };
}

/** True when a NATS server's INFO line arrives on `port` (the published port accepts before the server inside is up). */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('data', (d) => done(d.toString().startsWith('INFO')));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}
