/**
 * NATS secured the way the local cluster runs it (the configuration minimesh-cluster writes):
 * TLS with the cluster CA, one user per component, only the apiserver may publish events. The
 * apiserver publishes as its user, an informer follows as a reader, a forged publish is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { EVENT_STREAM, NATS_PUBLISHER, issueIdentities, natsPasswordFile, stateLayout, writeNatsConfig } from '@minimesh/cluster/security';
import { createInformer, type Informer } from '@minimesh/informer';
import { eventually, startNats, tempDir, type NatsServer } from '@minimesh/runtime/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';

const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });

describe('NATS with TLS and per-component users', () => {
  const dir = tempDir('minimesh-nats-auth-');
  const layout = stateLayout('natsauth', { MINIMESH_CLUSTER_STATE_DIR: dir.path });
  const pki = issueIdentities(layout, ['node1']);
  let nats: NatsServer;
  let t: TestApiServer;
  let informer: Informer<Service>;
  const creds = (user: string) => ({ user, pass: readFileSync(natsPasswordFile(layout, user), 'utf8').trim(), tls: { caFile: pki.caFile } });

  beforeAll(async () => {
    nats = await startNats({ args: (port) => ['-c', writeNatsConfig(layout, pki.ca, port, ['node1'])] });
    t = await startTestApiServer({
      'nats-url': nats.url,
      'nats-user': NATS_PUBLISHER,
      'nats-password-file': natsPasswordFile(layout, NATS_PUBLISHER),
      'nats-ca': pki.caFile,
    });
    informer = createInformer({
      kind: 'Service',
      client: t.client,
      transport: 'nats',
      nats: { servers: nats.url, user: 'dns', passwordFile: natsPasswordFile(layout, 'dns'), caFile: pki.caFile },
    });
    informer.start();
    await informer.waitForSync();
  });
  afterAll(async () => {
    await informer?.stop();
    await t?.stop();
    await nats?.cleanup();
    dir.remove();
  });

  it('the apiserver publishes as its user over TLS, and an informer follows as a reader', async () => {
    await t.client.create(svc('published'));
    await eventually(() => informer.get('default', 'published'), 10_000, 50);
  });

  it('refuses a client without credentials, or with a wrong password, or without TLS', async () => {
    await expect(connect({ servers: nats.url, tls: { caFile: pki.caFile } })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: nats.url, user: 'dns', pass: 'wrong', tls: { caFile: pki.caFile } })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: nats.url, user: 'dns', pass: creds('dns').pass, timeout: 2000 })).rejects.toThrow();
  });

  it('a reader cannot publish an event or touch the stream: the forged message never reaches it', async () => {
    const nc = await connect({ servers: nats.url, ...creds('node-node1') });
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info(EVENT_STREAM)).state.messages;
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(String((s as { error?: unknown }).error ?? s.type));
    })();
    const h = headers();
    h.set('Minimesh-Revision', '999999');
    nc.publish('minimesh.v1.events.Service.default.forged', new Uint8Array([1, 2, 3]), { headers: h });
    await nc.flush();
    await expect(jsm.streams.delete(EVENT_STREAM)).rejects.toThrow();
    await expect(jsm.streams.purge(EVENT_STREAM)).rejects.toThrow();
    await eventually(() => errors.some((e) => /Permissions Violation for Publish/i.test(e)), 5000, 50);
    expect((await jsm.streams.info(EVENT_STREAM)).state.messages).toBe(before);
    expect(informer.list().some((s) => s.metadata.name === 'forged')).toBe(false);
    await nc.close();
  });
});
