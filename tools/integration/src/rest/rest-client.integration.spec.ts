/**
 * minimesh's REST API as clients other than kubectl use it: minimesh's own RestApiClient (what
 * the apps use with --kubeconfig) under the informer contract, and @kubernetes/client-node's
 * typed API and informer, the way a JavaScript program written for Kubernetes would.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError, ConflictError, ExpiredError, NotFoundError, type Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { RestApiClient, restConnectionFromKubeconfig } from '@minimesh/client';
import { createInformer } from '@minimesh/informer';
import { ensureCertificateAuthority, issueCertificate } from '@minimesh/runtime';
import { eventually, tempDir } from '@minimesh/runtime/testing';

const svc = (name: string, labels: Record<string, string> = {}): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels }, spec: { ports: [{ port: 80 }] } });

describe('REST clients against minimesh', () => {
  const dir = tempDir('minimesh-rest-client-');
  let t: TestApiServer;
  let kubeconfig: string;
  let client: RestApiClient;

  beforeAll(async () => {
    t = await startTestApiServer({ 'rest-listen': `127.0.0.1:0,unix://${dir.path}/rest.sock` });
    const admin = issueCertificate(ensureCertificateAuthority(join(t.dataDir, 'pki')), dir.path, { name: 'admin', commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
    kubeconfig = join(dir.path, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: mm, cluster: {server: "https://${t.server.restAddress}", certificate-authority: "${t.server.caFile}"}}]\n` +
        `users: [{name: admin, user: {client-certificate: "${admin.certFile}", client-key: "${admin.keyFile}"}}]\n` +
        'contexts: [{name: mm, context: {cluster: mm, user: admin, namespace: default}}]\ncurrent-context: mm\n',
    );
    client = new RestApiClient(await restConnectionFromKubeconfig(kubeconfig));
  });
  afterAll(async () => {
    client?.close();
    await t?.stop();
    dir.remove();
  });

  it('RestApiClient: every verb, with the named errors', async () => {
    const created = await client.create(svc('rest-a', { app: 'a' }));
    expect(created.spec?.clusterIP).toMatch(/^10\./);
    await expect(client.create(svc('rest-a'))).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await client.get('Service', 'default', 'rest-a')).metadata.uid).toBe(created.metadata.uid);
    expect((await client.list('Service', { labelSelector: 'app=a' })).items.map((s) => s.metadata.name)).toEqual(['rest-a']);
    const updated = await client.update({ ...created, metadata: { ...created.metadata, labels: { app: 'a', v: '2' } } });
    await expect(client.update(created)).rejects.toBeInstanceOf(ConflictError);
    const lb = await client.create({ ...svc('rest-lb'), spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    const status = await client.updateStatus({ ...lb, status: { loadBalancer: { ingress: [{ ip: '192.0.2.9' }] } } });
    expect(status.status?.loadBalancer?.ingress).toMatchObject([{ ip: '192.0.2.9' }]);
    const patched = await client.patch('Service', 'default', 'rest-a', 'strategic', { spec: { sessionAffinity: 'ClientIP' } });
    expect(patched.spec?.sessionAffinity).toBe('ClientIP');
    const pages = await client.list('Service', { limit: 1 });
    expect([pages.items.length, !!pages.continue]).toEqual([1, true]);
    await client.delete('Service', 'default', 'rest-a');
    await expect(client.get('Service', 'default', 'rest-a')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('RestApiClient: a watch from a resourceVersion the server no longer has ends with ExpiredError (the informer relists)', async () => {
    const rv = (await client.list('Service')).resourceVersion;
    await client.create(svc('rest-b'));
    await t.server.store.compact(Number(rv) + 1);
    const events = client.watch('Service', { resourceVersion: rv })[Symbol.asyncIterator]();
    await expect(events.next()).rejects.toBeInstanceOf(ExpiredError);
  });

  it('RestApiClient: the apiserver\'s unix socket (plain HTTP, how a local cluster\'s node namespaces reach it)', async () => {
    const file = join(dir.path, 'unix.kubeconfig');
    writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters: [{name: mm, cluster: {server: "unix://${dir.path}/rest.sock"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: mm, context: {cluster: mm, user: u}}]\ncurrent-context: mm\n`);
    const local = new RestApiClient(await restConnectionFromKubeconfig(file));
    try {
      expect((await local.get('Service', 'default', 'kubernetes')).spec?.clusterIP).toBe('10.96.0.1');
      const events = local.watch('Service', { resourceVersion: (await local.list('Service')).resourceVersion, allowBookmarks: true })[Symbol.asyncIterator]();
      await local.create(svc('over-the-socket'));
      expect((await events.next()).value).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'over-the-socket' } } });
      await events.return?.();
    } finally {
      local.close();
    }
  });

  it('the informer lists and watches over REST, unchanged', async () => {
    const informer = createInformer({ kind: 'Service', client, transport: 'grpc', backoff: { initialMs: 50, maxMs: 200 } });
    informer.start();
    try {
      await informer.waitForSync();
      expect(informer.get('default', 'kubernetes')).toBeDefined();
      await client.create(svc('rest-c'));
      await eventually(() => informer.get('default', 'rest-c'), 5000, 25);
      await client.delete('Service', 'default', 'rest-c');
      await eventually(() => informer.get('default', 'rest-c') === undefined, 5000, 25);
    } finally {
      await informer.stop();
    }
  });

  it('@kubernetes/client-node: typed CRUD and its informer', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'from-client-node' }, spec: { ports: [{ port: 8080 }] } } });
    expect(created.spec?.clusterIP).toMatch(/^10\./);
    const list = await core.listNamespacedService({ namespace: 'default' });
    expect(list.items.map((s) => s.metadata?.name)).toContain('from-client-node');

    const seen: string[] = [];
    const informer = makeInformer<V1Service>(kc, '/api/v1/namespaces/default/services', () => core.listNamespacedService({ namespace: 'default' }));
    informer.on('add', (s) => seen.push(`add ${s.metadata?.name}`));
    informer.on('delete', (s) => seen.push(`delete ${s.metadata?.name}`));
    await informer.start();
    try {
      await eventually(() => seen.includes('add from-client-node'), 5000, 25);
      await core.deleteNamespacedService({ namespace: 'default', name: 'from-client-node' });
      await eventually(() => seen.includes('delete from-client-node'), 5000, 25);
    } finally {
      await informer.stop();
    }
  });
});
