/** DELETE over gRPC: graceful pod deletion, finalizers, preconditions and DeleteCollection. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidError, NotFoundError, type Endpoints, type Namespace, type Pod } from '@minimesh/api';
import { eventually } from '@minimesh/runtime/testing';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'del' } };

function pod(name: string, labels: Record<string, string> = {}, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'del', labels },
    spec: { nodeName: 'node1', containers: [{ name: 'echo', image: 'echo' }], ...spec },
    status: { phase: 'Running', podIP: '10.244.1.9', podIPs: [{ ip: '10.244.1.9' }] },
  };
}

function endpoints(name: string, finalizers: string[] = []): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'del', finalizers } };
}

describe('deletion', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
    await t.client.create(ns);
  });
  afterAll(async () => t?.stop());

  it('graceful - a running pod is marked with the default 30 s and stays readable; grace 0 confirms', async () => {
    await t.client.create(pod('web'));
    const marked = await t.client.delete('Pod', 'del', 'web');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    const due = Date.parse(marked.metadata.deletionTimestamp!) - Date.now();
    expect(due).toBeGreaterThan(25_000);
    expect((await t.client.get('Pod', 'del', 'web')).metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
    // A second delete with a longer period changes nothing; grace 0 removes it.
    expect((await t.client.delete('Pod', 'del', 'web', { gracePeriodSeconds: 60 })).metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
    await t.client.delete('Pod', 'del', 'web', { gracePeriodSeconds: 0 });
    await expect(t.client.get('Pod', 'del', 'web')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('graceful - terminationGracePeriodSeconds is the default, and the object goes when the period ends', async () => {
    await t.client.create(pod('short', {}, { terminationGracePeriodSeconds: 1 }));
    const marked = await t.client.delete('Pod', 'del', 'short');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(1);
    await eventually(async () => t.client.get('Pod', 'del', 'short').then(() => false, (e: unknown) => e instanceof NotFoundError), 5000);
  });

  it('graceful - an unscheduled pod goes at once', async () => {
    await t.client.create(pod('pending', {}, { nodeName: undefined }));
    await t.client.delete('Pod', 'del', 'pending');
    await expect(t.client.get('Pod', 'del', 'pending')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('finalizers - hold any kind until the last one is removed; none may be added meanwhile', async () => {
    await t.client.create(endpoints('held', ['example.com/keep']));
    const marked = await t.client.delete('Endpoints', 'del', 'held');
    expect(marked.metadata).toMatchObject({ deletionGracePeriodSeconds: 0, finalizers: ['example.com/keep'] });
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    const more = await t.client.update({ ...marked, metadata: { ...marked.metadata, finalizers: ['example.com/keep', 'example.com/more'] } }).catch((e: unknown) => e);
    expect(more).toBeInstanceOf(InvalidError);
    expect((more as Error).message).toContain('no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/more"}');
    await t.client.patch('Endpoints', 'del', 'held', 'merge', { metadata: { finalizers: null } });
    await expect(t.client.get('Endpoints', 'del', 'held')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('preconditions - a stale uid or resourceVersion is a Conflict', async () => {
    const ep = await t.client.create(endpoints('pre'));
    await expect(t.client.delete('Endpoints', 'del', 'pre', { preconditions: { uid: 'not-it' } })).rejects.toThrow(
      `Operation cannot be fulfilled on endpoints "pre": Precondition failed: UID in precondition: not-it, UID in object meta: ${ep.metadata.uid}`,
    );
    await expect(t.client.delete('Endpoints', 'del', 'pre', { resourceVersion: '1' })).rejects.toBeInstanceOf(ConflictError);
    await expect(t.client.delete('Endpoints', 'del', 'pre', { gracePeriodSeconds: -1 })).rejects.toThrow('gracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0');
    await t.client.delete('Endpoints', 'del', 'pre', { preconditions: { uid: ep.metadata.uid, resourceVersion: ep.metadata.resourceVersion } });
  });

  it('restart - a pending graceful deletion survives it and still completes', async () => {
    await t.client.create(pod('restart', {}, { terminationGracePeriodSeconds: 2 }));
    await t.client.delete('Pod', 'del', 'restart');
    await t.restart();
    await eventually(async () => t.client.get('Pod', 'del', 'restart').then(() => false, (e: unknown) => e instanceof NotFoundError), 6000);
  });

  it('deleteCollection - by label and by field selector, each object as its own delete', async () => {
    for (const [name, tier] of [['dc-a', 'web'], ['dc-b', 'web'], ['dc-c', 'db']] as const) {
      await t.client.create({ ...endpoints(name), metadata: { name, namespace: 'del', labels: { tier } } });
    }
    const gone = await t.client.deleteCollection('Endpoints', { namespace: 'del', labelSelector: 'tier=web' });
    expect(gone.map((e) => e.metadata.name).sort()).toEqual(['dc-a', 'dc-b']);
    const left = await t.client.list('Endpoints', { namespace: 'del', labelSelector: 'tier' });
    expect(left.items.map((e) => e.metadata.name)).toEqual(['dc-c']);
    await t.client.deleteCollection('Endpoints', { namespace: 'del', fieldSelector: 'metadata.name=dc-c' });
    expect((await t.client.list('Endpoints', { namespace: 'del', labelSelector: 'tier' })).items).toEqual([]);
    // Pods are deleted gracefully by a collection delete too.
    await t.client.create(pod('p1', { app: 'x' }));
    const [p1] = await t.client.deleteCollection('Pod', { namespace: 'del', labelSelector: 'app=x' });
    expect(p1?.metadata.deletionTimestamp).toBeTruthy();
    await t.client.deleteCollection('Pod', { namespace: 'del', labelSelector: 'app=x' }, { gracePeriodSeconds: 0 });
    await expect(t.client.get('Pod', 'del', 'p1')).rejects.toBeInstanceOf(NotFoundError);
  });
});
