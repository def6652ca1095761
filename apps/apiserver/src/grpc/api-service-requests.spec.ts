/**
 * What minimesh.v1.ApiService does with requests the generated code or the handlers used to get
 * wrong: each is answered as the REST API answers the same request, and nothing is lost or stored
 * that a later read could not serve.
 */
import { credentials, status as Code, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '@minimesh/api';
import { pb } from '@minimesh/proto';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

type Answer = { code: number; details: string } | { ok: unknown };

const MAX_WATCHES = 2;
const BIG = 2 ** 53 + 2;
const OUT_OF_RANGE = 'the request could not be decoded: int64 value 9007199254740994 is out of range: integers must be between -9007199254740991 and 9007199254740991';

describe('ApiService requests', () => {
  let t: TestApiServer;
  let raw: pb.ApiServiceClient;
  const call = (method: 'create' | 'get' | 'list' | 'update' | 'updateStatus' | 'delete' | 'patch', req: unknown): Promise<Answer> =>
    new Promise((resolve) => {
      (raw[method] as unknown as (r: unknown, cb: (e: ServiceError | null, res: unknown) => void) => void).call(raw, req, (e, res) => resolve(e ? { code: e.code, details: e.details } : { ok: res }));
    });
  /** The first answer of a watch: an event (opened) or the status it ended with. */
  const watch = (req: Partial<pb.WatchRequest>): Promise<Answer> =>
    new Promise((resolve) => {
      const s = raw.watch(pb.WatchRequest.fromPartial({ kind: 'Namespace', ...req }));
      s.on('data', (ev) => {
        resolve({ ok: ev });
        s.cancel();
      });
      s.on('error', (e: ServiceError) => resolve({ code: e.code, details: e.details }));
    });
  const create = (obj: KubeObject) => call('create', { object: objectToWire(obj) });
  const pod = (name: string, spec: Partial<Pod['spec']> = {}): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
  });

  beforeAll(async () => {
    t = await startTestApiServer({ 'max-watches-per-user': MAX_WATCHES });
    raw = new pb.ApiServiceClient(t.server.address, credentials.createInsecure());
  });
  afterAll(async () => {
    raw?.close();
    await t?.stop();
  });

  it('WatchBatched sends what Watch sends, the events that were ready together in one message', async () => {
    /** The first `n` messages of a stream. */
    const first = <T>(s: { on(e: string, f: (m: T) => void): unknown; cancel(): void }, n: number) =>
      new Promise<T[]>((resolve, reject) => {
        const got: T[] = [];
        s.on('data', (m: T) => {
          if (got.push(m) === n) {
            s.cancel();
            resolve(got);
          }
        });
        s.on('error', reject);
      });
    const req = pb.WatchRequest.fromPartial({ kind: 'Namespace', allowBookmarks: true });
    const [listed, bookmark] = await first<pb.WatchEventBatch>(raw.watchBatched(req), 2);
    const namespaces = listed!.events.length;
    expect(namespaces).toBeGreaterThanOrEqual(3); // default, kube-system, kube-public, ...: the initial list
    expect(listed!.events.every((e) => e.type === pb.EventType.ADDED)).toBe(true);
    expect(bookmark!.events.map((e) => e.type)).toEqual([pb.EventType.BOOKMARK]);
    const singly = await first<pb.WatchEvent>(raw.watch(req), namespaces + 1);
    expect(singly).toEqual([...listed!.events, ...bookmark!.events]);
  });

  it('a watch refused for its selector takes none of the user\'s watch slots', async () => {
    for (let i = 0; i < MAX_WATCHES + 3; i++) {
      expect(await watch({ labelSelector: 'a in (' })).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringContaining('unable to parse label selector "a in ("') });
      expect(await watch({ fieldSelector: 'spec.foo=bar' })).toMatchObject({ code: Code.INVALID_ARGUMENT });
      expect(await watch({ kind: 'Nope' })).toMatchObject({ code: Code.INVALID_ARGUMENT });
    }
    expect(await watch({})).toMatchObject({ ok: expect.objectContaining({ type: pb.EventType.ADDED }) });
  });

  it('refuses an int64 beyond ±(2^53-1) with INVALID_ARGUMENT, not INTERNAL', async () => {
    expect(await call('list', pb.ListRequest.fromPartial({ kind: 'Service', limit: BIG }))).toEqual({ code: Code.INVALID_ARGUMENT, details: OUT_OF_RANGE });
    expect(await call('delete', pb.DeleteRequest.fromPartial({ kind: 'Service', namespace: 'default', name: 'x', options: { gracePeriodSeconds: BIG } }))).toEqual({ code: Code.INVALID_ARGUMENT, details: OUT_OF_RANGE });
    expect(await create(pod('big-grace', { terminationGracePeriodSeconds: BIG }))).toEqual({ code: Code.INVALID_ARGUMENT, details: OUT_OF_RANGE });
    expect(await create({ ...pod('big-generation'), metadata: { name: 'big-generation', namespace: 'default', generation: -BIG } })).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringContaining('int64 value -9007199254740994 is out of range') });
  });

  it('serves an object stored with an int64 beyond 2^53 (before writes were checked) to every reader', async () => {
    await t.server.store.commit({ ops: [{ type: 'create', object: { ...pod('stored-big', { terminationGracePeriodSeconds: BIG }), metadata: { name: 'stored-big', namespace: 'default', uid: 'u-big' } } }] });
    const got = await call('get', pb.GetRequest.fromPartial({ kind: 'Pod', namespace: 'default', name: 'stored-big' }));
    expect('ok' in got && (objectFromWire(got.ok as pb.Object) as Pod).spec?.terminationGracePeriodSeconds).toBe(Number.MAX_SAFE_INTEGER);
    const list = await call('list', pb.ListRequest.fromPartial({ kind: 'Pod' }));
    expect('ok' in list && (list.ok as pb.ObjectList).items.length).toBeGreaterThan(0);
    expect(await watch({ kind: 'Pod' })).toMatchObject({ ok: expect.objectContaining({ type: pb.EventType.ADDED }) });
  });

  it('checks Time and MicroTime fields as the REST API does, and keeps them in UTC', async () => {
    const lease = (renewTime: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `l-${renewTime.length}`, namespace: 'default' }, spec: { renewTime } }) as KubeObject;
    expect(await create(lease('garbage'))).toEqual({
      code: Code.INVALID_ARGUMENT,
      details: 'Lease in version "v1" cannot be handled as a Lease: parsing time "garbage" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "garbage" as "2006"',
    });
    const event = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, firstTimestamp: 'yesterday' } as unknown as KubeObject;
    expect(await create(event)).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringContaining('Event in version "v1" cannot be handled as a Event: parsing time "yesterday"') });
    const made = await create(lease('2024-05-01T14:00:00.000000+02:00'));
    expect('ok' in made && (objectFromWire(made.ok as pb.Object) as unknown as { spec: { renewTime: string } }).spec.renewTime).toBe('2024-05-01T12:00:00.000000Z');

    const svc = await create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'times', namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as KubeObject);
    const stored = objectFromWire((svc as { ok: pb.Object }).ok);
    const bad = { ...stored, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'R', message: '', lastTransitionTime: 'not-a-time' }] } } as KubeObject;
    expect(await call('updateStatus', { object: objectToWire(bad) })).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringContaining('Service in version "v1" cannot be handled as a Service: parsing time "not-a-time"') });
  });

  it('keeps a `__proto__` map key for validation to refuse, as the REST API does', async () => {
    const msg = objectToWire({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'proto', namespace: 'default' }, spec: { ports: [{ port: 80 }] } } as KubeObject);
    // Own `__proto__` keys, as a client in any other language sends them.
    const value = (msg.kind as unknown as { value: { metadata: { labels: object }; spec: { selector: object } } }).value;
    Object.defineProperty(value.metadata.labels, '__proto__', { value: 'x', enumerable: true });
    Object.defineProperty(value.spec.selector, '__proto__', { value: 'y', enumerable: true });
    const got = await call('create', { object: msg });
    expect(got).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringContaining('Service "proto" is invalid: [metadata.labels: Invalid value: "__proto__"') });
    expect((got as { details: string }).details).toContain('spec.selector: Invalid value: "__proto__"');
  });

  it('refuses a name that cannot be a path segment, as the REST API does', async () => {
    const get = (name: string) => call('get', pb.GetRequest.fromPartial({ kind: 'Service', namespace: 'default', name }));
    expect(await get('..')).toEqual({ code: Code.INVALID_ARGUMENT, details: 'Name parameter invalid: "..": may not be \'..\'' });
    expect(await get('.')).toEqual({ code: Code.INVALID_ARGUMENT, details: 'Name parameter invalid: ".": may not be \'.\'' });
    expect(await get('a%b')).toEqual({ code: Code.INVALID_ARGUMENT, details: 'Name parameter invalid: "a%b": may not contain \'%\'' });
    expect(await call('delete', pb.DeleteRequest.fromPartial({ kind: 'Service', namespace: 'default', name: 'a/b' }))).toEqual({ code: Code.INVALID_ARGUMENT, details: 'Name parameter invalid: "a/b": may not contain \'/\'' });
    expect(await call('patch', pb.PatchRequest.fromPartial({ kind: 'Service', namespace: 'default', name: '..', type: pb.PatchType.MERGE, patch: Buffer.from('{}') }))).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringContaining('Name parameter invalid') });
  });

  it('answers a patch of another subresource than status with the REST API\'s 404', async () => {
    expect(await call('patch', pb.PatchRequest.fromPartial({ kind: 'Service', namespace: 'default', name: 'times', type: pb.PatchType.MERGE, patch: Buffer.from('{}'), subresource: 'foo' }))).toEqual({
      code: Code.NOT_FOUND,
      details: 'the server could not find the requested resource',
    });
  });

  it('lists everything for a negative limit, as kube-apiserver does', async () => {
    const all = await call('list', pb.ListRequest.fromPartial({ kind: 'Namespace' }));
    const negative = await call('list', pb.ListRequest.fromPartial({ kind: 'Namespace', limit: -1 }));
    expect('ok' in negative && (negative.ok as pb.ObjectList).items.length).toBe('ok' in all && (all.ok as pb.ObjectList).items.length);
    expect('ok' in negative && (negative.ok as pb.ObjectList).continue).toBe('');
  });
});
