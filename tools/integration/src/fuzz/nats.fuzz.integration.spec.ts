/**
 * Fuzz: mutated NATS messages on the event subjects (minimesh.v1.events.<Kind>.<ns>.<name>)
 * while an informer follows the stream: garbage payloads, valid headers with garbage data,
 * missing, garbage or repeated headers, objects on the wrong subject or of the wrong kind, huge
 * messages. The informer must not crash or loop (its lists stop once the messages are refused),
 * genuine writes made in between and afterwards must reach its cache, and the cache must end
 * equal to the apiserver's.
 *
 * A message that checks out completely (the next revision, a valid object, every header right)
 * would be believed but for one thing: the apiserver signs what it publishes, and the fuzz has
 * no key. Such messages are published too (counted apart), and none may reach the cache; the
 * last test shows what one such forgery does to the informer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateObject, type KubeObject, type Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import type { ApiClient } from '@minimesh/client';
import { createInformer, type Informer } from '@minimesh/informer';
import { pb } from '@minimesh/proto';
import { eventually, startNats, type NatsServer } from '@minimesh/runtime/testing';
import { HEADER_EVENT_TYPE, HEADER_KIND_PREVIOUS, HEADER_REVISION, HEADER_STORE, HEADER_STUB, eventSubject, objectFromWire, objectToWire, streamEventMark } from '@minimesh/wire';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { FUZZ_COUNT, FUZZ_SEED, Rng, Tally, announce, mutateBytes, mutateJson, nastyString, seconds } from './fuzz-input.js';

const PREFIX = 'minimesh.v1.events';
const TYPES: Partial<Record<number, string>> = { [pb.EventType.ADDED]: 'ADDED', [pb.EventType.MODIFIED]: 'MODIFIED', [pb.EventType.DELETED]: 'DELETED' };

/**
 * Whether an informer of Services whose cache is at `cacheRv` would apply this message if it did
 * not check signatures: the other checks it makes (the headers continue the chain from the
 * apiserver's store, the payload decodes to a Service named by the subject with the header's
 * revision, valid unless deleted), made here on what is about to be sent.
 */
function wouldBeBelieved(subject: string, h: MsgHdrs | undefined, payload: Uint8Array, cacheRv: number, storeId?: string): boolean {
  const mark = streamEventMark(h);
  if (!mark || mark.stub || (storeId !== undefined && mark.store !== storeId) || mark.revision <= cacheRv || mark.kindPrevious > cacheRv) return false;
  let obj: KubeObject | undefined;
  let type: string | undefined;
  try {
    const ev = pb.WatchEvent.decode(payload);
    type = TYPES[ev.type];
    obj = ev.object ? objectFromWire(ev.object) : undefined;
  } catch {
    return false;
  }
  if (!type || !obj || obj.kind !== 'Service' || !obj.metadata?.name) return false;
  if (eventSubject('Service', obj.metadata.namespace ?? '', obj.metadata.name) !== subject || obj.metadata.resourceVersion !== String(mark.revision)) return false;
  return type === 'DELETED' || validateObject(obj).length === 0;
}
const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });

describe(`fuzz: NATS event messages (seed ${FUZZ_SEED}, ${FUZZ_COUNT} messages)`, () => {
  let nats: NatsServer;
  let t: TestApiServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let informer: Informer<Service>;
  let lists = 0;
  const logs: string[] = [];
  const figures: string[] = [];

  beforeAll(async () => {
    announce('NATS', `${FUZZ_COUNT} mutated event messages`);
    nats = await startNats();
    t = await startTestApiServer({ 'nats-url': nats.url });
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    // Counts the informer's lists: a loop would show as lists that never stop.
    const counting = new Proxy(t.client, {
      get: (target, prop, recv) => (prop === 'list' ? (...a: Parameters<ApiClient['list']>) => (lists++, target.list(...a)) : Reflect.get(target, prop, recv)),
    }) as ApiClient;
    const note = (level: string) => (msg: string, meta?: Record<string, unknown>) => void logs.push(`${level} ${msg} ${JSON.stringify(meta ?? {}).slice(0, 500)}`);
    informer = createInformer({ kind: 'Service', client: counting, transport: 'nats', nats: { servers: nats.url }, backoff: { initialMs: 20, maxMs: 100 }, logger: { debug: () => undefined, info: note('info'), warn: note('warn'), error: note('error') } });
    informer.start();
    await informer.waitForSync();
  });
  afterAll(async () => {
    for (const f of figures) console.log(f);
    await informer?.stop();
    await nc?.close();
    await t?.stop();
    await nats?.cleanup();
  });

  /** Waits until the informer has stopped listing for a moment (it has read what came). */
  async function quiet(): Promise<void> {
    for (let seen = -1; seen !== lists; ) {
      seen = lists;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('garbage, half-valid and misplaced messages: refused, no crash, no loop, later writes arrive', async () => {
    const started = performance.now();
    const rng = new Rng(FUZZ_SEED);
    const tally = new Tally();
    const genuine = await t.client.create(svc('genuine'));
    await eventually(() => informer.get('default', 'genuine'), 10_000, 50);
    const relistsBefore = logs.filter((l) => l.startsWith('info relisted')).length;
    const listsBefore = lists;
    let published = 0;
    // Objects from the fuzz (not written by the apiserver) that reached the cache's handlers.
    const believedSet = new Set<string>();
    const made: string[] = []; // how message #i was made, for the reproducer
    const fromFuzz = (o: Service) => o.metadata.uid?.startsWith('00000000-0000-4000-8000-') || o.metadata.name === 'fake' || /^n\d+$/.test(o.metadata.name ?? '');
    const note = (o: Service) => {
      if (!fromFuzz(o)) return;
      const i = Number(o.metadata.uid?.slice(-12));
      believedSet.add(`${o.metadata.name}@${o.metadata.resourceVersion} (message #${i}: ${made[i] ?? '?'})`);
    };
    informer.addEventHandler({ onAdd: note, onUpdate: (_old, o) => note(o) });
    for (let i = 0; i < FUZZ_COUNT; i++) {
      const current = await t.server.store.revision();
      const cacheRv = Number(informer.lastSyncResourceVersion);
      const revision = current + 1 + rng.int(3);
      const name = rng.pick(['genuine', 'fake', 'kubernetes', `n${i}`]);
      // The object: the stored genuine Service (defaulted, valid) under another name, sometimes mutated.
      let obj: Service = { ...genuine, metadata: { ...genuine.metadata, name, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resourceVersion: String(revision) } };
      const structured = rng.int(3) === 0;
      if (structured) obj = mutateJson(rng, obj);
      let payload: Uint8Array;
      try {
        payload = pb.WatchEvent.encode({ type: rng.pick([pb.EventType.ADDED, pb.EventType.MODIFIED, pb.EventType.DELETED, 7 as pb.EventType]), object: objectToWire(obj), resourceVersion: String(revision), previousResourceVersion: '' }).finish();
      } catch {
        payload = Buffer.from(JSON.stringify(obj).slice(0, 10_000)); // not encodable: its JSON, which no follower decodes
      }
      const payloadKind = rng.int(10);
      const bytesMutated = payloadKind < 5;
      if (bytesMutated) payload = mutateBytes(rng, payload);
      else if (payloadKind === 5) payload = new Uint8Array(0);
      else if (payloadKind === 6) payload = rng.bytes(rng.pick([1, 100, 64 * 1024, 512 * 1024]));

      // Headers: none (1 in 8), the apiserver's own (half: the payload and subject are what is
      // wrong), or a random mix of right, wrong, garbage, missing and repeated ones.
      const h = headers();
      const headerKind = rng.int(8);
      const set = (k: string, v: string) => {
        try {
          if (headerKind >= 5 && rng.int(6) === 0) h.append(k, v); // repeated
          else h.set(k, v);
        } catch {
          tally.add('header value refused by the NATS client');
        }
      };
      if (headerKind >= 1 && headerKind <= 4) {
        set(HEADER_REVISION, String(revision));
        set(HEADER_KIND_PREVIOUS, String(cacheRv));
        set(HEADER_STORE, t.server.store.id);
        set(HEADER_EVENT_TYPE, rng.pick(['ADDED', 'MODIFIED', 'DELETED']));
      } else if (headerKind >= 5) {
        if (rng.int(6)) set(HEADER_REVISION, rng.pick([String(revision), String(revision), '0', '-1', 'x', '', '1e3', '99999999999999999999', String(current), nastyString(rng).slice(0, 2000)]));
        if (rng.int(6)) set(HEADER_KIND_PREVIOUS, rng.pick([String(cacheRv), String(cacheRv), '0', String(revision + 5), '-1', 'NaN', nastyString(rng).slice(0, 2000)]));
        if (rng.int(6)) set(HEADER_STORE, rng.pick([t.server.store.id, t.server.store.id, 'another-store', '', nastyString(rng).slice(0, 2000)]));
        if (rng.int(6)) set(HEADER_EVENT_TYPE, rng.pick(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'NOPE', '']));
        if (rng.int(10) === 0) set(HEADER_STUB, rng.pick(['too-large', '', 'x']));
        if (rng.int(10) === 0) set(`X-${rng.int(1000)}`, nastyString(rng).slice(0, 4000));
      }
      const subject = rng.int(4)
        ? eventSubject('Service', 'default', name)
        : rng.pick([
            eventSubject('Service', 'default', 'genuine'),
            eventSubject('Service', 'kube-system', name),
            eventSubject('Pod', 'default', name),
            eventSubject('EndpointSlice', 'default', name),
            `${PREFIX}.Service.default`,
            `${PREFIX}.Service.default.${name}.extra.tokens`,
            `${PREFIX}.Service`,
            `${PREFIX}.Bogus.default.${name}`,
            `${PREFIX}.Service.default.${'x'.repeat(1000)}`,
            `${PREFIX}.Service.${nastyString(rng).slice(0, 50).replace(/[\s.*>]/g, '') || 'e'}.${name}`,
          ]);

      // A message that checks out completely but for the signature: the signature alone refuses it.
      const checksOut = wouldBeBelieved(subject, headerKind === 0 ? undefined : h, payload, cacheRv, t.server.store.id);
      made[i] = `headers ${JSON.stringify(headerKind === 0 ? null : Object.fromEntries(h.keys().map((k) => [k, h.values(k).map((v) => v.slice(0, 40))])))}, ${bytesMutated ? 'mutated bytes' : payloadKind < 7 ? 'garbage payload' : structured ? 'mutated object' : 'valid payload'}, subject ${subject.slice(0, 120)}`;
      try {
        await js.publish(subject, payload, { headers: headerKind === 0 ? undefined : h });
        published++;
        tally.add(
          checksOut
            ? 'published: checks out but for the signature'
            : `published: ${headerKind === 0 ? 'no headers' : headerKind <= 4 ? "the apiserver's headers" : 'mixed headers'}, ${bytesMutated ? 'mutated bytes' : payloadKind < 7 ? 'garbage or empty payload' : structured ? 'mutated object' : 'valid payload'}`,
        );
      } catch (e) {
        tally.add(`not stored by NATS (${(e as Error).message.slice(0, 40)})`);
      }
      // Now and then a genuine write in between: the informer has to keep following through it all.
      if (i % 50 === 25) await t.client.create(svc(`between-${i}`));
      // One at a time, each read before the next: a relist resumes after what was published
      // meanwhile, and messages the informer never reads would test nothing.
      await quiet();
    }
    // No loop: the lists stop once every message has been read (each refused one costs one
    // relist at most); they must stay still for 1.5 s within 20 s.
    const listsAtEnd = lists;
    const waitStart = performance.now();
    let lastChange = waitStart;
    for (let seen = lists; performance.now() - lastChange < 1500 && performance.now() - waitStart < 20_000; ) {
      await new Promise((r) => setTimeout(r, 50));
      if (lists !== seen) [seen, lastChange] = [lists, performance.now()];
    }
    const stillListing = performance.now() - lastChange < 1500;
    const tail = lists - listsAtEnd;
    const after = await t.client.create(svc('after-fuzz'));
    const arrived = await eventually(() => informer.get('default', 'after-fuzz')?.metadata.resourceVersion === after.metadata.resourceVersion, 5_000, 50).then(() => true, () => false);
    const truth = new Map((await t.client.list('Service')).items.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s.metadata.resourceVersion]));
    const differences = () => [
      ...informer.list().filter((s) => truth.get(`${s.metadata.namespace}/${s.metadata.name}`) !== s.metadata.resourceVersion).map((s) => `cache has ${s.metadata.name}@${s.metadata.resourceVersion}`),
      ...[...truth].filter(([k, rv]) => informer.get(k.split('/')[0]!, k.split('/')[1]!)?.metadata.resourceVersion !== rv).map(([k, rv]) => `cache misses ${k}@${rv}`),
    ];
    const same = await eventually(() => differences().length === 0, 3_000, 50).then(() => true, () => false);
    const believed = [...believedSet];
    const relists = logs.filter((l) => l.startsWith('info relisted')).length - relistsBefore;
    const errors = logs.filter((l) => l.startsWith('error'));
    figures.push(
      `fuzz NATS: ${tally.total} messages (${published} published) in ${seconds(started)}: ${tally}; refused by the informer ${informer.rejectedEvents}, relists ${relists}, lists ${lists - listsBefore} (${tail} after the last message; ${stillListing ? 'STILL LISTING after 20 s' : 'then none'}); fuzzed objects believed (reached the cache) ${believed.length}; informer errors ${errors.length}; crashes 0; a genuine write afterwards arrived: ${arrived}; the cache equals the apiserver's ${truth.size} Services: ${same}`,
    );
    for (const b of believed.slice(0, 5)) figures.push(`  believed: ${b}`);
    for (const d of differences().slice(0, 5)) figures.push(`  difference: ${d}`);
    expect(stillListing, 'the informer keeps listing: a loop').toBe(false);
    expect(relists).toBeLessThanOrEqual(published);
    expect(errors).toEqual([]);
    expect(believed, 'fuzzed messages the informer applied (none carries the store\'s signature)').toEqual([]);
    expect(arrived, `a genuine write made after the fuzz never reached the cache; fuzzed messages believed: ${believed.slice(0, 3).join('; ')}`).toBe(true);
    expect(differences(), `fuzzed messages believed: ${believed.slice(0, 3).join('; ')}`).toEqual([]);
  }, 60_000);

  it('a forgery that checks out (a revision from the future, a valid object, every header right) does not blind the informer to later writes', async () => {
    // In a cluster only the apiserver may publish (NATS permissions); this is what an informer
    // does when a publisher gets through anyway.
    const stored = await t.client.create(svc('forgery-template'));
    await eventually(() => informer.get('default', 'forgery-template'), 10_000, 50);
    const cacheRv = informer.lastSyncResourceVersion;
    const revision = 999_999;
    const forged: Service = { ...stored, metadata: { ...stored.metadata, name: 'forged', uid: 'f0f0f0f0-0000-4000-8000-000000000000', resourceVersion: String(revision) }, spec: { ...stored.spec, clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'] } };
    const h = headers();
    h.set(HEADER_REVISION, String(revision));
    h.set(HEADER_KIND_PREVIOUS, cacheRv);
    h.set(HEADER_STORE, t.server.store.id);
    h.set(HEADER_EVENT_TYPE, 'ADDED');
    await js.publish(eventSubject('Service', 'default', 'forged'), pb.WatchEvent.encode({ type: pb.EventType.ADDED, object: objectToWire(forged), resourceVersion: String(revision), previousResourceVersion: '' }).finish(), { headers: h });
    await new Promise((r) => setTimeout(r, 300));
    const applied = informer.get('default', 'forged') !== undefined;
    const after = await t.client.create(svc('after-forgery'));
    const arrived = await eventually(() => informer.get('default', 'after-forgery')?.metadata.resourceVersion === after.metadata.resourceVersion, 3_000, 50).then(
      () => true,
      () => false,
    );
    figures.push(`fuzz NATS, forgery from the future (revision ${revision}, Kind-Previous ${cacheRv}): applied to the cache ${applied}; a genuine write afterwards reached the cache ${arrived}; the informer's revision ${informer.lastSyncResourceVersion}`);
    expect(arrived, `a genuine write made after the forgery never reached the cache (the informer now believes revision ${informer.lastSyncResourceVersion} and skips every genuine event as already seen)`).toBe(true);
    expect(applied).toBe(false);
  }, 30_000);
});
