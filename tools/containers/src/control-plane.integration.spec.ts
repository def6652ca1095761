/**
 * The control plane as containers, through testcontainers: NATS (JetStream) and the apiserver from
 * the built images on a network of their own, each waited for by its image's health check. A gRPC
 * client from the test reaches the apiserver over its published port (TLS with the CA the apiserver
 * made, a bearer token from the token file given to it), writes go into the NATS stream, and the
 * store (a data directory mounted from outside) outlives the container: a new one serves it.
 */
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { eventually } from '@minimesh/runtime/testing';
import { HAS_ENGINE, image } from './engine.js';

const TOKEN = 'container-suite-admin-token';

describe.skipIf(!HAS_ENGINE)('control plane in containers (testcontainers)', () => {
  let network: StartedNetwork;
  let nats: StartedTestContainer;
  let apiserver: StartedTestContainer;
  let api: ApiClient;
  let dir: string;

  const connectApi = async () => {
    const caFile = join(dir, 'ca.crt');
    // The CA the apiserver made in its data directory on first start.
    const ca = await apiserver.exec(['cat', '/var/lib/minimesh/apiserver/pki/ca.crt']);
    writeFileSync(caFile, ca.stdout);
    return connectApiClient(`127.0.0.1:${apiserver.getMappedPort(6443)}`, { caFile, token: TOKEN, timeoutMs: 5000 });
  };

  /** An apiserver container on the data directory `dir/data`, waited for by its image's health check. */
  const startApiserver = () =>
    new GenericContainer(image('apiserver'))
      .withNetwork(network)
      .withExposedPorts(6443, 6445)
      .withBindMounts([{ source: join(dir, 'data'), target: '/var/lib/minimesh/apiserver' }])
      .withCopyContentToContainer([{ content: `${TOKEN},kubernetes-admin,,"system:masters"\n`, target: '/etc/minimesh/tokens.csv', mode: 0o644 }])
      .withCommand([
        '--listen=0.0.0.0:6443',
        '--rest-listen=0.0.0.0:6445',
        '--http-listen=0.0.0.0:6444',
        '--data-dir=/var/lib/minimesh/apiserver',
        '--nats-url=nats://nats:4222',
        '--token-auth-file=/etc/minimesh/tokens.csv',
      ])
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(90_000)
      .start();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mm-containers-'));
    // The images run as node (uid 1000): the data directory is theirs.
    mkdirSync(join(dir, 'data'));
    chownSync(join(dir, 'data'), 1000, 1000);
    network = await new Network().start();
    nats = await new GenericContainer(image('nats')).withNetwork(network).withNetworkAliases('nats').withExposedPorts(4222).withWaitStrategy(Wait.forHealthCheck()).start();
    apiserver = await startApiserver();
    api = await connectApi();
  }, 180_000);

  afterAll(async () => {
    api?.close();
    await apiserver?.stop();
    await nats?.stop();
    await network?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('serves gRPC from its image: a Service gets a ClusterIP from the default range', async () => {
    const created = (await api.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    } as Service)) as Service;
    expect(created.spec?.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    expect((await api.get('Service', 'default', 'web')).metadata.uid).toBe(created.metadata.uid);
  });

  it('publishes its events to the JetStream stream of the NATS container', async () => {
    const nc = await connect({ servers: `127.0.0.1:${nats.getMappedPort(4222)}` });
    try {
      const jsm = await jetstreamManager(nc);
      // The Service created above, under its subject (minimesh.v1.events.<Kind>.<namespace>.<name>).
      const msg = await eventually(async () => (await jsm.streams.getMessage('MINIMESH_EVENTS', { last_by_subj: 'minimesh.v1.events.Service.default.web' })) ?? undefined, 30_000, 500);
      const created = (await api.get('Service', 'default', 'web')) as Service;
      expect(msg?.header.get('Minimesh-Revision')).toBe(created.metadata.resourceVersion);
    } finally {
      await nc.close();
    }
  });

  it('keeps its store in the data directory: a new container on it serves the same objects', async () => {
    const before = (await api.get('Service', 'default', 'web')) as Service;
    api.close();
    await apiserver.stop();
    apiserver = await startApiserver();
    api = await connectApi();
    const after = (await eventually(() => api.get('Service', 'default', 'web'), 30_000, 500)) as Service;
    expect([after.metadata.uid, after.spec?.clusterIP]).toEqual([before.metadata.uid, before.spec?.clusterIP]);
  });
});
