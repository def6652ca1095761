/**
 * Informers never trust a NATS message. One not signed with the store's key is refused and
 * counted without a relist, whatever its headers say. One that is signed (as if the key leaked,
 * or the apiserver had a bug) is still checked: garbage, an object the apiserver would refuse (a
 * name made to inject rules), an object on another object's subject, or headers from the future
 * are refused, counted and answered by at most one relist. Either way the informer keeps
 * following and a later genuine write arrives.
 *
 * A message naming another store, signed with that store's key, proves nothing (anyone can make
 * a key and name a store after it): it is neither a landmark when the informer resumes nor
 * believed as a store change without the apiserver's list saying so.
 */
import { createPrivateKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import type { ApiClient } from '@minimesh/client';
import { createInformer, type Informer } from '@minimesh/informer';
import { pb } from '@minimesh/proto';
import { eventually, startNats, type NatsServer } from '@minimesh/runtime/testing';
import { HEADER_EVENT_TYPE, HEADER_KIND_PREVIOUS, HEADER_REVISION, HEADER_SIGNATURE, HEADER_STORE, eventSubject, newEventSigningKey, objectToWire, signEvent, storeIdOfKey } from '@minimesh/wire';
import { jetstream } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { allPublished, ns, pod, recordingLogger, startTestCluster, testInformer, type TestCluster } from '../testing/informer-cluster.js';

const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });

describe('forged and malformed events on the stream', () => {
  let nats: NatsServer;
  let t: TestApiServer;
  let nc: NatsConnection;
  let informer: Informer<Service>;
  let lists = 0;
  const logs: string[] = [];

  beforeAll(async () => {
    nats = await startNats();
    t = await startTestApiServer({ 'nats-url': nats.url });
    nc = await connect({ servers: nats.url });
    // Counts the informer's lists (each relist is one or more of them).
    const counting = new Proxy(t.client, {
      get: (target, prop, recv) => (prop === 'list' ? (...a: Parameters<ApiClient['list']>) => (lists++, target.list(...a)) : Reflect.get(target, prop, recv)),
    }) as ApiClient;
    const note = (level: string) => (msg: string, meta?: Record<string, unknown>) => logs.push(`${level} ${msg} ${JSON.stringify(meta ?? {})}`);
    const logger = { debug: note('debug'), info: note('info'), warn: note('warn'), error: note('error') };
    informer = createInformer({ kind: 'Service', client: counting, transport: 'nats', nats: { servers: nats.url }, backoff: { initialMs: 50, maxMs: 200 }, logger });
    informer.start();
    await informer.waitForSync();
    await t.client.create(svc('genuine-1'));
    await eventually(() => informer.get('default', 'genuine-1'), 10_000, 50);
  });
  afterAll(async () => {
    await informer?.stop();
    await nc?.close();
    await t?.stop();
    await nats?.cleanup();
  });

  /** Publishes into the stream as the apiserver would, with the next revision's headers. */
  async function forge(subject: string, payload: Uint8Array, o: { revision?: number; kindPrevious?: number; signed?: boolean } = {}): Promise<void> {
    const revision = o.revision ?? (await t.server.store.revision()) + 1;
    const h = headers();
    h.set(HEADER_REVISION, String(revision));
    h.set(HEADER_KIND_PREVIOUS, String(o.kindPrevious ?? Number(informer.get('default', 'genuine-1')?.metadata.resourceVersion ?? 0)));
    h.set(HEADER_STORE, t.server.store.id);
    h.set(HEADER_EVENT_TYPE, 'ADDED');
    if (o.signed) h.set(HEADER_SIGNATURE, signEvent(t.server.store.signingKey, subject, h, payload));
    await jetstream(nc).publish(subject, payload, { headers: h });
  }
  const event = (obj: Service | Pod, revision: number) =>
    pb.WatchEvent.encode({ type: pb.EventType.ADDED, object: objectToWire(obj), resourceVersion: String(revision), previousResourceVersion: '' }).finish();

  /** Garbage, an injection-shaped name, a Pod on a Service's subject, headers from the future. */
  async function forgeEach(signed: boolean, tag: string): Promise<void> {
    const base = await t.server.store.revision();
    await forge(eventSubject('Service', 'default', `garbage-${tag}`), new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]), { signed });
    const evil = { ...svc('x'), metadata: { name: `a";-A_KUBE-SERVICES_-j_ACCEPT#${tag}`, namespace: 'default', resourceVersion: String(base + 2) } };
    await forge(eventSubject('Service', 'default', evil.metadata.name), event(evil, base + 2), { revision: base + 2, signed });
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'genuine-1', namespace: 'default', resourceVersion: String(base + 3) }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    await forge(eventSubject('Service', 'default', 'genuine-1'), event(pod, base + 3), { revision: base + 3, signed });
    const name = `from-the-future-${tag}`;
    const future = { ...svc(name), metadata: { name, namespace: 'default', resourceVersion: '999999' } };
    await forge(eventSubject('Service', 'default', name), event(future, 999999), { revision: 999999, kindPrevious: 999998, signed });
  }

  const relisted = () => logs.filter((l) => l.startsWith('info relisted')).length;

  it('refuses every message not signed with the store\'s key, without a relist, and never applies one', async () => {
    const rejectedBefore = informer.rejectedEvents;
    const relistsBefore = relisted();
    await forgeEach(false, 'unsigned');
    await eventually(() => informer.rejectedEvents >= rejectedBefore + 4, 10_000, 50);
    const after = await t.client.create(svc('genuine-2'));
    await eventually(() => informer.get('default', 'genuine-2')?.metadata.resourceVersion === after.metadata.resourceVersion, 15_000, 50);
    expect(informer.list().map((s) => s.metadata.name).sort()).toEqual(['genuine-1', 'genuine-2', 'kubernetes']);
    expect(informer.get('default', 'genuine-1')?.kind).toBe('Service');
    expect(relisted()).toBe(relistsBefore);
    expect(logs.filter((l) => l.includes('not signed by the store it names')).length).toBe(4);
  });

  it('checks signed messages too: each bad one refused once with one relist, no loop, never applied', async () => {
    const rejectedBefore = informer.rejectedEvents;
    const relistsBefore = relisted();
    await forgeEach(true, 'signed');
    await eventually(() => informer.rejectedEvents >= rejectedBefore + 3, 10_000, 50);
    const after = await t.client.create(svc('genuine-3'));
    await eventually(() => informer.get('default', 'genuine-3')?.metadata.resourceVersion === after.metadata.resourceVersion, 15_000, 50);
    expect(informer.list().map((s) => s.metadata.name).sort()).toEqual(['genuine-1', 'genuine-2', 'genuine-3', 'kubernetes']);
    expect(informer.get('default', 'genuine-1')?.kind).toBe('Service');

    // No loop: once each bad message has cost its one relist (the forged future one a 'gap'), the
    // informer stops relisting.
    await eventually(() => logs.some((l) => l.startsWith('info relisted') && l.includes('"reason":"gap"')), 10_000, 50);
    const settled = lists;
    await new Promise((r) => setTimeout(r, 1500));
    expect(lists, logs.filter((l) => !l.startsWith('debug following')).join('\n')).toBe(settled);
    expect(relisted() - relistsBefore).toBe(4);
  });
});

describe('messages of a store named after the forger\'s own key', () => {
  let c: TestCluster | undefined;
  let informer: Informer<Pod> | undefined;
  let nc: NatsConnection | undefined;
  afterEach(async () => {
    await informer?.stop();
    await nc?.close();
    await c?.stop();
    informer = nc = c = undefined;
  });

  /** Signs a Pod ADDED with a key of its own, under the store id that key names. */
  async function forgeOwnStore(namespace: string, name: string, revision: number, pem = newEventSigningKey()): Promise<void> {
    const key = createPrivateKey(pem);
    const obj: Pod = { ...pod(namespace, name), metadata: { name, namespace, resourceVersion: String(revision) } };
    const payload = pb.WatchEvent.encode({ type: pb.EventType.ADDED, object: objectToWire(obj), resourceVersion: String(revision), previousResourceVersion: '' }).finish();
    const subject = eventSubject('Pod', namespace, name);
    const h = headers();
    h.set(HEADER_REVISION, String(revision));
    h.set(HEADER_KIND_PREVIOUS, '0');
    h.set(HEADER_STORE, storeIdOfKey(key));
    h.set(HEADER_EVENT_TYPE, 'ADDED');
    h.set(HEADER_SIGNATURE, signEvent(key, subject, h, payload));
    await jetstream(nc!).publish(subject, payload, { headers: h });
  }

  it('are no landmark for the resume search: genuine events before them are still delivered', async () => {
    c = await startTestCluster();
    nc = await connect({ servers: c.nats.url });
    await c.truth.create(ns('resume'));
    const log = recordingLogger();
    informer = testInformer(c, 'nats', { kind: 'Pod', namespace: 'resume', logger: log });
    informer.start();
    await informer.waitForSync();

    await c.cutInformers();
    for (const name of ['p1', 'p2', 'p3']) await c.truth.create(pod('resume', name));
    await allPublished(c);
    // Behind the genuine events: a run of forgeries that would end the binary search past them.
    const pem = newEventSigningKey();
    for (let i = 0; i < 12; i++) await forgeOwnStore('resume', `forged-${i}`, 1_000 + i, pem);
    await c.restoreInformers();

    await eventually(() => informer!.keys().length === 3, 20_000, 50).catch(() => undefined);
    expect(informer.keys()).toEqual(['resume/p1', 'resume/p2', 'resume/p3']);
    // The forgeries, delivered after them, cost at most one list: it names the genuine store, and
    // the search after it starts past them (nothing of the store follows them).
    await new Promise((r) => setTimeout(r, 500));
    expect(log.relists().filter((r) => r === 'store-changed').length).toBeLessThanOrEqual(1);
    expect(informer.keys()).toEqual(['resume/p1', 'resume/p2', 'resume/p3']);
  });

  it('are not a store change: one list asks the apiserver, then a key each costs no more than one list per interval', { timeout: 40_000 }, async () => {
    c = await startTestCluster();
    nc = await connect({ servers: c.nats.url });
    await c.truth.create(ns('keys'));
    const log = recordingLogger();
    informer = testInformer(c, 'nats', { kind: 'Pod', namespace: 'keys', logger: log });
    informer.start();
    await informer.waitForSync();

    const storeChanges = () => log.relists().filter((r) => r === 'store-changed').length;

    // A burst: the first asks the apiserver; the list names the genuine store, and the informer
    // goes on after the store's last message, past the rest.
    for (let i = 0; i < 30; i++) await forgeOwnStore('keys', `burst-${i}`, 5_000 + i);
    await eventually(() => storeChanges() === 1, 10_000, 50);
    const genuine = await c.truth.create(pod('keys', 'genuine'));
    await eventually(() => informer!.get('keys', 'genuine')?.metadata.resourceVersion === genuine.metadata.resourceVersion, 15_000, 50);
    expect(informer.keys()).toEqual(['keys/genuine']);

    // One at a time, a new key each, right after that check: refused, counted, no list...
    const rejected = informer.rejectedEvents;
    for (let i = 0; i < 5; i++) {
      await forgeOwnStore('keys', `trickle-${i}`, 6_000 + i);
      await eventually(() => informer!.rejectedEvents === rejected + i + 1, 10_000, 20);
    }
    expect(storeChanges()).toBe(1);
    expect(log.entries.filter((e) => e.msg.includes('within 10000 ms of the last check')).length).toBe(5);
    // ...until the interval is over: then one list asks again (a genuine change would show here).
    await eventually(() => storeChanges() === 2, 15_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    expect(storeChanges()).toBe(2);
    expect(informer.keys()).toEqual(['keys/genuine']);
  });
});
