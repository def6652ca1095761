/**
 * No single bad object or slow client stops the apiserver: objects are capped at etcd's 1.5 MiB
 * with Kubernetes' text while events keep flowing, an object too big for a NATS message goes out
 * as a stub (followers relist), the history stays bounded without NATS, calls and watches are
 * bounded, a watcher that stops reading is closed, metric labels stay bounded, /readyz is honest.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { credentials, status as Code, type ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestEntityTooLargeError, TooManyRequestsError, type Namespace, type Service } from '@minimesh/api';
import { createInformer } from '@minimesh/informer';
import { pb } from '@minimesh/proto';
import { eventually, freePort, startNats, type NatsServer } from '@minimesh/runtime/testing';
import { RequestLimits, watchClient } from './grpc/request-limits.js';
import { startTestApiServer, type TestApiServer } from './testing/index.js';

const ns = (name: string, annotations?: Record<string, string>): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(annotations ? { annotations } : {}) } });
const svc = (name: string, annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { ports: [{ port: 80 }] },
});
const big = (bytes: number) => ({ blob: 'x'.repeat(bytes) });
/** Endpoints of about `kib` KiB (annotations stop at 256 KiB; an Endpoints' address list has no limit). */
const bigEndpoints = (name: string, kib: number) => ({
  apiVersion: 'v1' as const,
  kind: 'Endpoints' as const,
  metadata: { name, namespace: 'default' },
  subsets: [
    {
      addresses: Array.from({ length: Math.ceil((kib * 1024) / 330) }, (_, i) => ({
        ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        hostname: `h${i}-${'a'.repeat(50)}`,
        nodeName: `node-${i}-${'n'.repeat(200)}`,
      })),
      ports: [{ port: 80 }],
    },
  ],
});

describe('object size and NATS payload', () => {
  let nats: NatsServer;
  let t: TestApiServer;
  beforeAll(async () => {
    nats = await startNats();
    t = await startTestApiServer({ 'nats-url': nats.url });
  });
  afterAll(async () => {
    await t?.stop();
    await nats?.cleanup();
  });

  it('refuses an object over 1.5 MiB with etcd\'s text, and events keep flowing', async () => {
    const err = await t.client.create(bigEndpoints('huge', 2048)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestEntityTooLargeError);
    expect((err as Error).message).toBe('etcdserver: request is too large');
    await t.client.create(svc('after-huge'));
    const after = await t.client.get('Service', 'default', 'after-huge');
    await eventually(async () => Number(after.metadata.resourceVersion) <= (await t.server.store.publishedRevision()), 10_000, 50);
  });

  it('refuses an update or a patch that makes an object over 1.5 MiB, and keeps the object as it was', async () => {
    const small = await t.client.create(bigEndpoints('grows', 1));
    const grown = { ...bigEndpoints('grows', 2048), metadata: small.metadata };
    const update = await t.client.update(grown).catch((e: unknown) => e);
    expect([update instanceof RequestEntityTooLargeError, (update as Error).message]).toEqual([true, 'etcdserver: request is too large']);
    const patch = await t.client.patch('Endpoints', 'default', 'grows', 'merge', { subsets: grown.subsets }).catch((e: unknown) => e);
    expect([patch instanceof RequestEntityTooLargeError, (patch as Error).message]).toEqual([true, 'etcdserver: request is too large']);
    expect((await t.client.get('Endpoints', 'default', 'grows')).metadata.resourceVersion).toBe((small.metadata as { resourceVersion?: string }).resourceVersion);
  });

  it('a request over 3 MiB is refused by gRPC itself (RESOURCE_EXHAUSTED), read as kube-apiserver\'s 413', async () => {
    const err = await t.client.create(bigEndpoints('way-too-big', 4096)).catch((e: unknown) => e);
    expect([err instanceof RequestEntityTooLargeError, (err as Error).message]).toEqual([true, 'Request entity too large: limit is 3145728']);
    await t.client.get('Namespace', '', 'default'); // the connection serves on
  });

  it('an object that fits the store but not a NATS message goes out as a stub; an informer on NATS relists and has it', async () => {
    const informer = createInformer({ kind: 'Endpoints', client: t.client, transport: 'nats', nats: { servers: nats.url } });
    informer.start();
    await informer.waitForSync();
    try {
      const chunky = bigEndpoints('chunky', 1200); // > 1 MiB max_payload, < 1.5 MiB
      const created = await t.client.create(chunky);
      await eventually(() => informer.get('default', 'chunky')?.metadata.resourceVersion === (created.metadata as { resourceVersion?: string }).resourceVersion, 15_000, 50);
      expect(informer.get('default', 'chunky')?.subsets?.[0]?.addresses).toHaveLength(chunky.subsets[0]!.addresses.length);
      await t.client.create({ ...bigEndpoints('after-chunky', 1), subsets: [] });
      await eventually(() => informer.get('default', 'after-chunky'), 10_000, 50);
      const metrics = await (await fetch(`http://${t.server.httpAddress}/metrics`)).text();
      expect(metrics).toMatch(/^minimesh_apiserver_events_parked_total 1$/m);
    } finally {
      await informer.stop();
    }
  });
});

describe('bounded history without NATS', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    // NATS configured but never there: nothing is ever published.
    t = await startTestApiServer({ 'nats-url': `nats://127.0.0.1:${await freePort()}`, 'watch-history': 20, 'max-unpublished-events': 50, 'compaction-interval': 0.1 });
  });
  afterAll(async () => t?.stop());

  it('compacts past what NATS never got, and /readyz says NATS is failing', async () => {
    for (let i = 0; i < 200; i++) await t.client.create(ns(`h-${i}`));
    const revision = await t.server.store.revision();
    await eventually(async () => (await t.server.store.oldestRevision()) > revision - 60, 5000, 50);
    expect(await t.server.store.publishedRevision()).toBe(0);
    const r = await fetch(`http://${t.server.httpAddress}/readyz`);
    expect([r.status, await r.text()]).toEqual([500, '[+]ping ok\n[+]store ok\n[-]nats failed: reason withheld\nreadyz check failed\n']);
  });
});

describe('NATS away, then back', () => {
  it('/readyz fails while NATS is down; events compacted meanwhile reach a follower of a quiet kind as a gap marker: it relists', async () => {
    const nats = await startNats();
    const t = await startTestApiServer({ 'nats-url': nats.url, 'watch-history': 5, 'max-unpublished-events': 10, 'compaction-interval': 0.1 });
    const informer = createInformer({ kind: 'Namespace', client: t.client, transport: 'nats', nats: { servers: nats.url } });
    const readyz = async () => {
      const r = await fetch(`http://${t.server.httpAddress}/readyz?verbose`);
      return [r.status, await r.text()];
    };
    try {
      informer.start();
      await informer.waitForSync();
      await t.client.create(ns('gone'));
      await eventually(() => informer.get('', 'gone'), 10_000, 50);
      expect(await readyz()).toEqual([200, '[+]ping ok\n[+]store ok\n[+]nats ok\nreadyz check passed\n']);

      await nats.stop();
      await eventually(async () => (await readyz())[0] === 500, 5000, 50);
      expect(await readyz()).toEqual([500, '[+]ping ok\n[+]store ok\n[-]nats failed: reason withheld\nreadyz check failed\n']);
      // The Namespace's deletion is the last Namespace event: no later one would show the gap.
      const deleted = await t.client.delete('Namespace', '', 'gone');
      await eventually(async () => (await t.client.get('Namespace', '', 'gone').catch(() => undefined)) === undefined, 10_000, 50);
      for (let i = 0; i < 30; i++) await t.client.create(svc(`while-away-${i}`));
      await eventually(async () => (await t.server.store.oldestRevision()) > Number(deleted.metadata.resourceVersion) + 1, 5000, 50);

      await nats.start();
      await eventually(() => informer.get('', 'gone') === undefined, 20_000, 100);
      await eventually(async () => (await readyz())[0] === 200, 10_000, 100);
    } finally {
      await informer.stop();
      await t.stop();
      await nats.cleanup();
    }
  });
});

describe('calls, watches and slow watchers', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer({ listen: '127.0.0.1:0', 'max-watches-per-user': 3 });
  });
  afterAll(async () => t?.stop());

  it('refuses calls beyond max-requests-inflight with 429\'s text, serving the others', async () => {
    const limits = new RequestLimits({ maxInflight: 2, maxWatchesPerUser: 1 });
    const gates: Array<() => void> = [];
    const slow = () => limits.run(() => new Promise<void>((r) => gates.push(r)));
    const [a, b] = [slow(), slow()];
    const refused = await limits.run(async () => 'served').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect((refused as Error).message).toBe('Too many requests, please try again later.');
    for (const g of gates) g();
    await Promise.all([a, b]);
    expect(await limits.run(async () => 'served')).toBe('served');
    expect(limits.inflightNow).toBe(0);
  });

  it('refuses a user\'s watch beyond max-watches-per-user; one closing makes room', async () => {
    const acs = [new AbortController(), new AbortController(), new AbortController()];
    const its = acs.map((ac) => t.client.watch('Namespace', { signal: ac.signal })[Symbol.asyncIterator]());
    await Promise.all(its.map((it) => it.next()));
    const extra = t.client.watch('Namespace')[Symbol.asyncIterator]();
    await expect(extra.next()).rejects.toThrow(/has 3 watches open \(limit 3\)/);
    acs[0]!.abort();
    await eventually(async () => {
      const again = t.client.watch('Namespace', { signal: AbortSignal.timeout(2000) })[Symbol.asyncIterator]();
      const first = await again.next().then(
        () => true,
        () => false,
      );
      await again.return?.();
      return first;
    }, 5000, 100);
    for (const ac of acs) ac.abort();
  });

  it('counts watches per user; anonymous callers per address', () => {
    expect(watchClient('system:node:n1', '10.0.0.5:40000')).toBe('user "system:node:n1"');
    expect(watchClient('system:anonymous', '10.0.0.5:40000')).toBe('user "system:anonymous" at 10.0.0.5');
    expect(watchClient('system:anonymous', '[::1]:40000')).toBe('user "system:anonymous" at ::1');
    expect(watchClient('system:anonymous', 'unknown')).toBe('user "system:anonymous" at unknown');
    const limits = new RequestLimits({ maxInflight: 1, maxWatchesPerUser: 1 });
    limits.openWatch(watchClient('system:anonymous', '10.0.0.5:1'));
    expect(() => limits.openWatch(watchClient('system:anonymous', '10.0.0.5:2'))).toThrow('Too many requests: user "system:anonymous" at 10.0.0.5 has 1 watches open (limit 1), please try again later.');
    expect(() => limits.openWatch(watchClient('system:anonymous', '10.0.0.6:1'))).not.toThrow();
  });

  it('labels metrics with known kinds only: 1000 made-up kinds mint no series', async () => {
    const metricsText = async () => (await fetch(`http://${t.server.httpAddress}/metrics`)).text();
    const series = async () => (await metricsText()).split('\n').filter((l) => /^apiserver_request_(total|duration_seconds_count)\{/.test(l)).length;
    await t.client.list('Service').catch(() => undefined);
    await t.client.get('Service', 'default', 'x').catch(() => undefined);
    const before = await series();
    for (let i = 0; i < 500; i++) await t.client.list(`Made${i}` as 'Service').catch(() => undefined);
    for (let i = 500; i < 1000; i++) await t.client.get(`Made${i}` as 'Service', 'default', 'x').catch(() => undefined);
    // One `unknown` series per verb (a counter and a histogram each), whatever the kinds.
    expect(await series()).toBeLessThanOrEqual(before + 4);
    const text = await metricsText();
    expect(text).toMatch(/apiserver_request_total\{verb="LIST",resource="unknown",code="3"\} 500/);
    expect(text).toMatch(/apiserver_request_total\{verb="GET",resource="unknown",code="3"\} 500/);
    expect(text).not.toMatch(/Made\d/);
  });
});

describe('a watcher that stops reading', () => {
  it.each(['watch', 'watchBatched'] as const)('closes a watch whose client stopped reading, and releases what it held (%s)', async (rpc) => {
    const t = await startTestApiServer({ listen: '127.0.0.1:0', 'watch-stall-timeout': 1 });
    const raw = new pb.ApiServiceClient(t.server.address, credentials.createSsl(readFileSync(t.server.caFile)), {
      'grpc.ssl_target_name_override': 'kubernetes',
    });
    const req: pb.WatchRequest = { kind: 'Service', namespace: '', labelSelector: '', fieldSelector: '', resourceVersion: '', allowBookmarks: false, storeId: '' };
    const stream: ClientReadableStream<unknown> = rpc === 'watch' ? raw.watch(req) : raw.watchBatched(req);
    let closedWith: number | undefined;
    stream.on('error', (e: { code: number }) => (closedWith = e.code)); // it is closed under it
    stream.on('data', () => undefined);
    stream.pause(); // from now on reads nothing: its HTTP/2 window fills up
    const blob = 'y'.repeat(200 * 1024);
    for (let i = 0; i < 40; i++) await t.client.create(svc(`stall-${i}`, { blob }));
    await eventually(async () => /^minimesh_apiserver_watches_closed_unresponsive_total 1$/m.test(await (await fetch(`http://${t.server.httpAddress}/metrics`)).text()), 10_000, 100);
    await eventually(async () => /^apiserver_registered_watchers 0$/m.test(await (await fetch(`http://${t.server.httpAddress}/metrics`)).text()), 5000, 200);
    // The stream itself is reset, not left open holding what was written for it: the client
    // hears of it though it reads nothing, and the per-user count is back to 0.
    await eventually(() => closedWith !== undefined, 5000, 50);
    expect(closedWith).toBe(Code.RESOURCE_EXHAUSTED);
    stream.cancel();
    raw.close();
    await t.stop();
  });

  it('cuts off a REST watch whose client stopped reading', async () => {
    const t = await startTestApiServer({ 'watch-stall-timeout': 1 });
    const [host, port] = [t.server.restAddress.slice(0, t.server.restAddress.lastIndexOf(':')), Number(t.server.restAddress.split(':').pop())];
    const req = https.request({ host, port, path: '/api/v1/services?watch=true', ca: readFileSync(t.server.caFile) }, (res) => res.pause()); // reads nothing
    req.on('error', () => undefined);
    req.end();
    const cutOff = async () => /^minimesh_apiserver_watches_closed_unresponsive_total 1$/m.test(await (await fetch(`http://${t.server.httpAddress}/metrics`)).text());
    // Past what the kernel buffers on loopback (a few MiB each way), so the server's writes block.
    const blob = 'y'.repeat(200 * 1024);
    for (let i = 0; i < 150 && !(i % 10 === 9 && (await cutOff())); i++) await t.client.create(svc(`rest-stall-${i}`, { blob }));
    await eventually(cutOff, 5000, 100);
    await eventually(async () => /^apiserver_registered_watchers 0$/m.test(await (await fetch(`http://${t.server.httpAddress}/metrics`)).text()), 5000, 200);
    req.destroy();
    await t.stop();
  });
});

describe('/readyz', () => {
  it('lists its checks with ?verbose, and fails when the store cannot be read', async () => {
    const t = await startTestApiServer();
    try {
      const ok = await fetch(`http://${t.server.httpAddress}/readyz?verbose`);
      expect([ok.status, await ok.text()]).toEqual([200, '[+]ping ok\n[+]store ok\nreadyz check passed\n']);
      expect(await (await fetch(`http://${t.server.httpAddress}/readyz`)).text()).toBe('ok');
      await t.server.store.close();
      const bad = await fetch(`http://${t.server.httpAddress}/readyz`);
      expect([bad.status, await bad.text()]).toEqual([500, '[+]ping ok\n[-]store failed: reason withheld\nreadyz check failed\n']);
    } finally {
      await t.stop().catch(() => undefined);
    }
  });
});
