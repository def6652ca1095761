/**
 * Fuzz: mutated gRPC requests against a running apiserver, sent as raw bytes (identity
 * serializers), so anything can be sent. Every call must be answered with a status (OK or an
 * error) before its deadline and the server must keep serving. A finding is a hang (deadline
 * exceeded), a dropped call (UNAVAILABLE, UNKNOWN) or an INTERNAL status: the apiserver's own
 * INTERNAL means a handler threw on bad input (the cause is taken from the server's error log).
 *
 * One INTERNAL is counted on its own line and not as a finding: a request that is no protobuf of
 * the method's type never reaches the apiserver's code; grpc-js itself answers it with INTERNAL
 * "Error deserializing request" (gRPC's convention, grpc-go does the same).
 */
import { Client, Metadata, credentials, status as Code, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { pb } from '@minimesh/proto';
import { objectToWire } from '@minimesh/wire';
import type { KubeObject } from '@minimesh/api';
import { FUZZ_COUNT, FUZZ_SEED, Findings, Rng, Tally, announce, deepJson, mutateBytes, mutateJson, nastyNumber, nastyString, nestingDepth, recovered, seconds, withErrorLogs } from './fuzz-input.js';

const SERVICE = '/minimesh.v1.ApiService';
const id = (b: Buffer) => b;
/** Calls take milliseconds; one that is not answered in 3 s hangs. */
const DEADLINE_MS = 3_000;
/** A part stops after this many hangs (each costs the deadline): enough to see and reproduce them. */
const MAX_HANGS = 3;
const tooManyHangs = (tally: Tally) => tally.get('DEADLINE_EXCEEDED') >= MAX_HANGS;
/** A watch outcome that is a finding: the apiserver's INTERNAL, a dropped or hung call. */
const WATCH_FINDING = /^(INTERNAL|UNKNOWN|UNAVAILABLE|DEADLINE_EXCEEDED|DATA_LOSS)$/;

const SEEDS: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], type: 'NodePort' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] }, status: { podIP: '10.244.1.5', phase: 'Running' } },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'n1' }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  },
  { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: 'default' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 80 }] }] },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } }, spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
];

const KINDS = ['Service', 'Pod', 'EndpointSlice', 'Endpoints', 'Namespace', 'Node', 'Lease', 'ClusterRole', 'RoleBinding', 'IPAddressPool'];
const kindOf = (rng: Rng) => (rng.int(4) ? rng.pick(KINDS) : rng.pick(['', 'Bogus', 'service', 'Services', 'v1/Service', 'Service\u0000', 'List', 'Object', '__proto__', 'constructor', nastyString(rng).slice(0, 1000)]));
const nameOf = (rng: Rng) => (rng.int(3) ? rng.pick(['web', 'p', 'web-x', 'manual', 'n1', 'team-a', 'r', 'missing']) : nastyString(rng));
const nsOf = (rng: Rng) => (rng.int(3) ? rng.pick(['default', '', 'team-a', 'kube-system']) : nastyString(rng));
const PATCHES_OK = ['{"spec":{"ports":[{"port":81}]}}', '[{"op":"replace","path":"/spec/type","value":"ClusterIP"}]', '{"metadata":{"labels":null}}', '[{"op":"move","from":"/a","path":"/a/b"}]', '{"$patch":"delete"}', `${'['.repeat(3000)}`, '{"spec":{"$retainKeys":["x"]}}'];

/** Valid requests, one per method: the inputs the byte mutations start from. */
function encodedRequests(rng: Rng): Array<{ method: string; bytes: Uint8Array }> {
  const obj = objectToWire(rng.pick(SEEDS));
  const kind = rng.pick(['Service', 'Pod', 'EndpointSlice', 'Namespace', 'Node', 'Lease', 'ClusterRole', 'Bogus', '']);
  const list = { kind, namespace: '', labelSelector: rng.pick(['app=web', 'app in (a,b)', '!x', 'a,,b', '(((']), fieldSelector: rng.pick(['', 'metadata.name=web', 'spec.x=y', '=']), limit: rng.int(5), continue: rng.pick(['', 'garbage', 'eyJ9']), resourceVersion: rng.pick(['', '0', '1', '-5', 'x']), resourceVersionMatch: rng.pick(['', 'Exact', 'NotOlderThan', 'bogus']) };
  const options = { preconditionUid: '', preconditionResourceVersion: '', propagationPolicy: rng.pick(['', 'Orphan', 'x']), gracePeriodSeconds: rng.int(3) - 1 };
  return [
    { method: 'Create', bytes: pb.CreateRequest.encode({ object: obj }).finish() },
    { method: 'Update', bytes: pb.UpdateRequest.encode({ object: obj }).finish() },
    { method: 'UpdateStatus', bytes: pb.UpdateRequest.encode({ object: obj }).finish() },
    { method: 'Get', bytes: pb.GetRequest.encode({ kind, namespace: 'default', name: 'web' }).finish() },
    { method: 'List', bytes: pb.ListRequest.encode(list).finish() },
    { method: 'Delete', bytes: pb.DeleteRequest.encode({ kind, namespace: 'default', name: 'web', resourceVersion: '', options }).finish() },
    { method: 'DeleteCollection', bytes: pb.DeleteCollectionRequest.encode({ list: { ...list, kind: rng.pick(['Lease', 'Endpoints', 'Bogus']), labelSelector: 'fuzz=1' }, options }).finish() },
    {
      method: 'Patch',
      bytes: pb.PatchRequest.encode({ kind, namespace: 'default', name: 'web', type: rng.pick([pb.PatchType.JSON, pb.PatchType.MERGE, pb.PatchType.STRATEGIC, 0]), patch: Buffer.from(rng.pick(PATCHES_OK)), subresource: rng.pick(['', 'status', 'scale']) }).finish(),
    },
  ];
}

/** A patch document: a mutated valid one, deeply nested, with strange directives, or many operations. */
function patchBody(rng: Rng, type: number): string {
  const depth = nestingDepth(rng);
  if (type === pb.PatchType.JSON) {
    switch (rng.int(4)) {
      case 0:
        return `[{"op":"add","path":"/metadata/annotations","value":${deepJson(depth, rng.pick(['object', 'array', 'mixed'] as const))}}]`;
      case 1:
        return JSON.stringify(
          Array.from({ length: rng.pick([1, 3, 100, 20_000]) }, () => ({
            op: rng.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus', '']),
            path: rng.pick(['', '/', '/spec', '/spec/ports/0', '/spec/ports/-', '/spec/ports/99999999', '/spec/ports/-1', '/spec/ports/01', '/metadata/labels/a~1b', '/metadata/labels/~2', '/a/b/c', 'spec', '/spec/ports/0/port', '/metadata/name', '/kind', '/metadata/uid']),
            from: rng.pick([undefined, '/spec', '/spec/ports/0', '/metadata', '/nope']),
            value: rng.int(2) ? nastyNumber(rng) : nastyString(rng).slice(0, 5000),
          })),
        );
      case 2:
        return JSON.stringify(mutateJson(rng, [{ op: 'replace', path: '/spec/ports/0/port', value: 81 }, { op: 'add', path: '/metadata/labels/x', value: 'y' }]));
      default:
        return rng.pick(['', 'null', '{}', '[]', '1', '"s"', '[null]', '[1]', '[{}]', '[{"op":"add"}]', '[{"op":"add","path":"/x"}]']);
    }
  }
  switch (rng.int(4)) {
    case 0:
      return `{"spec":${deepJson(depth, rng.pick(['object', 'array', 'mixed'] as const))}}`;
    case 1:
      return JSON.stringify(mutateJson(rng, { metadata: { labels: { a: 'b' }, annotations: { x: 'y' }, finalizers: ['f'] }, spec: { ports: [{ port: 81, name: 'x' }], selector: { app: 'web' } } }));
    case 2:
      return JSON.stringify(
        rng.pick<unknown>([
          { $patch: rng.pick(['replace', 'delete', 'merge', 'bogus', 1]) },
          { spec: { ports: [{ $patch: 'delete', port: 80 }] } },
          { spec: { ports: [{ $patch: 'replace' }] } },
          { spec: { '$setElementOrder/ports': [{ port: 81 }, { port: nastyNumber(rng) }], ports: [{ port: 81 }] } },
          { metadata: { '$deleteFromPrimitiveList/finalizers': [nastyString(rng).slice(0, 100)] } },
          { spec: { $retainKeys: rng.pick([['ports'], 'ports', [1], null]) } },
          { metadata: { name: nastyString(rng).slice(0, 500) } },
          { kind: 'Pod' },
          { metadata: { namespace: 'other' } },
          { metadata: { resourceVersion: nastyString(rng).slice(0, 100) } },
        ]),
      );
    default:
      return rng.pick(['', 'null', '{}', '[]', '1', '"s"', '{"a":', 'true', '{"spec":null}', '{"metadata":null}', '{"spec":{"ports":null}}', '{"spec":{"ports":{}}}']);
  }
}

/** A request built from nasty values (rather than mutated bytes): the handler's input checks see these. */
function structuredRequest(rng: Rng): { method: string; request: unknown; encode: () => Uint8Array } {
  const m = rng.int(8);
  if (m <= 1) {
    let obj = rng.pick(SEEDS);
    for (let i = 0, n = 1 + rng.int(3); i < n; i++) obj = mutateJson(rng, obj);
    const method = rng.pick(['Create', 'Create', 'Update', 'UpdateStatus']);
    return { method, request: obj, encode: () => (method === 'Create' ? pb.CreateRequest : pb.UpdateRequest).encode({ object: objectToWire(obj) }).finish() };
  }
  const list = () => ({
    kind: kindOf(rng),
    namespace: nsOf(rng),
    labelSelector: rng.int(2) ? rng.pick(['', 'app=web', `a in (${'b,'.repeat(rng.pick([10, 20_000]))}c)`, '!'.repeat(1000), `a=${'x'.repeat(100_000)}`, '(((', 'a!=', ',', 'a in ()', 'a notin (b', '😀=😀']) : nastyString(rng),
    fieldSelector: rng.int(2) ? rng.pick(['', 'metadata.name=web', 'metadata.namespace!=default', 'spec.nodeName=n1', 'status.phase=Running', 'a=b=c', '==', 'metadata.name']) : nastyString(rng),
    limit: nastyNumber(rng),
    continue: rng.int(2) ? Buffer.from(rng.pick(['{}', '{"rv":-1,"start":"a"}', `{"v":"meta.k8s.io/v1","rv":1,"start":"${'a'.repeat(10_000)}"}`, deepJson(50_000), '[]', 'null'])).toString(rng.pick(['base64', 'base64url'])) : nastyString(rng),
    resourceVersion: rng.int(2) ? rng.pick(['', '0', '1', '-1', '18446744073709551616', '1e3', ' 1', '0x10']) : nastyString(rng),
    resourceVersionMatch: rng.pick(['', 'Exact', 'NotOlderThan', nastyString(rng)]),
  });
  const options = () => ({ gracePeriodSeconds: rng.int(2) ? nastyNumber(rng) : undefined, preconditionUid: rng.int(2) ? '' : nastyString(rng), preconditionResourceVersion: rng.int(2) ? '' : nastyString(rng), propagationPolicy: rng.pick(['', 'Orphan', 'Background', 'Foreground', nastyString(rng)]) });
  switch (m) {
    case 2: {
      const r = { kind: kindOf(rng), namespace: nsOf(rng), name: nameOf(rng) };
      return { method: 'Get', request: r, encode: () => pb.GetRequest.encode(r).finish() };
    }
    case 3: {
      const r = list();
      return { method: 'List', request: r, encode: () => pb.ListRequest.encode(r).finish() };
    }
    case 4: {
      const r = { kind: kindOf(rng), namespace: nsOf(rng), name: nameOf(rng), resourceVersion: rng.pick(['', '1', nastyString(rng)]), options: options() };
      return { method: 'Delete', request: r, encode: () => pb.DeleteRequest.encode(r).finish() };
    }
    case 5: {
      // Only what the suite's own objects don't carry (fuzz=1), or a kind it has none of.
      const r = { list: { ...list(), kind: rng.pick(['Lease', 'Role', 'Bogus', kindOf(rng)]), labelSelector: rng.pick(['fuzz=1', 'fuzz in (1,2)', 'fuzz']) }, options: options() };
      return { method: 'DeleteCollection', request: r, encode: () => pb.DeleteCollectionRequest.encode(r).finish() };
    }
    default: {
      const type = rng.pick([pb.PatchType.JSON, pb.PatchType.MERGE, pb.PatchType.STRATEGIC, 0, 7, -1]);
      const r = { kind: rng.int(3) ? rng.pick(['Service', 'Pod', 'EndpointSlice', 'Node']) : kindOf(rng), namespace: rng.int(3) ? 'default' : nsOf(rng), name: rng.int(3) ? rng.pick(['web', 'p', 'web-x', 'n1']) : nameOf(rng), type, patch: Buffer.from(patchBody(rng, type)), subresource: rng.pick(['', '', 'status', 'scale', nastyString(rng).slice(0, 100)]) };
      return { method: 'Patch', request: { ...r, patch: r.patch.toString() }, encode: () => pb.PatchRequest.encode(r).finish() };
    }
  }
}

describe(`fuzz: gRPC requests (seed ${FUZZ_SEED}, ${FUZZ_COUNT} per method)`, () => {
  let t: TestApiServer;
  let raw: Client;
  const figures: string[] = [];
  beforeAll(async () => {
    announce('gRPC', `${FUZZ_COUNT} rounds of mutated requests per part`);
    t = await startTestApiServer();
    raw = new Client(t.server.address, credentials.createInsecure());
    for (const o of SEEDS) await t.client.create(o).catch(() => undefined);
  });
  afterAll(async () => {
    for (const f of figures) console.log(f);
    raw?.close();
    await t?.stop();
  });

  let recovery = 0;
  const unary = (method: string, bytes: Uint8Array, deadlineMs: number) =>
    new Promise<ServiceError | null>((resolve) => {
      raw.makeUnaryRequest(`${SERVICE}/${method}`, id, id, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + deadlineMs }, (err) => resolve(err ?? null));
    });
  /**
   * One unary call with raw bytes. After a hang, waits until the connection serves again: calls
   * behind a hung one on the same HTTP/2 connection stall with it and would be blamed for it.
   */
  const call = async (method: string, bytes: Uint8Array) => {
    const err = await unary(method, bytes, DEADLINE_MS);
    if (err?.code === Code.DEADLINE_EXCEEDED) {
      const list = pb.ListRequest.encode({ kind: 'Namespace', namespace: '', labelSelector: '', fieldSelector: '', limit: 1, continue: '', resourceVersion: '', resourceVersionMatch: '' }).finish();
      recovery += await recovered(async () => {
        if (await unary('List', list, 1000)) throw new Error('not yet');
      });
    }
    return err;
  };

  /** The outcome's label, and a finding when it is one (with the server's logged cause, if any). */
  function judge(err: ServiceError | null, newErrorLogs: string[]): { label: string; finding?: string } {
    if (!err) return { label: 'OK' };
    if (err.code === Code.INTERNAL && /^Error deserializing request/.test(err.details)) return { label: 'INTERNAL from grpc-js (undecodable request)' };
    const label = Code[err.code] ?? String(err.code);
    if (![Code.INTERNAL, Code.UNKNOWN, Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.DATA_LOSS].includes(err.code)) return { label };
    const cause = newErrorLogs.map((l) => {
      const e = (JSON.parse(l) as { err?: string }).err ?? l;
      const [first, ...frames] = e.split('\n');
      return `${first} ${frames.find((f) => /\/(libs|apps)\//.test(f))?.trim().replace(/^at /, '').replace(/\(\/.*?\/((libs|apps)\/)/, '($1') ?? ''}`;
    });
    return { label, finding: `${label} "${err.details.slice(0, 100)}"${cause.length ? ` caused by ${cause[0]}` : ''}` };
  }

  async function healthy(): Promise<void> {
    const h = await new Promise<Buffer | undefined>((resolve) => raw.makeUnaryRequest('/grpc.health.v1.Health/Check', id, id, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => resolve(err ? undefined : res)));
    expect(h?.toString('hex'), 'grpc.health.v1 Check: SERVING').toBe('0801');
    await t.client.list('Service');
    await t.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `after-${Date.now()}`, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
  }

  it('mutated bytes of valid requests, every method: a status before the deadline, no crash', async () => {
    const started = performance.now();
    const rng = new Rng(FUZZ_SEED);
    const tally = new Tally();
    const findings = new Findings();
    const { errorLogs } = await withErrorLogs(async (errorLogs) => {
      for (let i = 0; i < FUZZ_COUNT; i++) {
        for (const { method, bytes } of encodedRequests(rng)) {
          const input = rng.int(4) === 0 ? bytes : mutateBytes(rng, bytes);
          const before = errorLogs.length;
          const { label, finding } = judge(await call(method, input), errorLogs.slice(before));
          tally.add(label);
          if (finding) findings.add(`${method}: ${finding}`, `${method} base64:${Buffer.from(input).toString('base64')}`);
        }
        if (tooManyHangs(tally)) break;
        // A watch with a mutated request: it starts (or is refused) and ends when cancelled.
        const w = pb.WatchRequest.encode({ kind: rng.pick(['Service', 'Bogus']), namespace: '', labelSelector: rng.pick(['', '(((']), fieldSelector: '', resourceVersion: rng.pick(['', '1', 'x']), allowBookmarks: true, storeId: '' }).finish();
        const input = mutateBytes(rng, w);
        const outcome = await watchOnce(raw, input);
        tally.add(`Watch ${outcome}`);
        if (WATCH_FINDING.test(outcome)) findings.add(`Watch: ${outcome}`, `Watch base64:${Buffer.from(input).toString('base64')}`);
      }
    });
    figures.push(`fuzz gRPC, mutated bytes: ${tally.total} inputs in ${seconds(started)}: ${tally}; crashes/hangs ${findings.count}${tooManyHangs(tally) ? ` (stopped after ${MAX_HANGS} hangs)` : ''}${recovery ? `; waited ${(recovery / 1000).toFixed(1)} s for the connection to recover after hangs` : ''}; server error logs ${errorLogs.length}`);
    for (const f of findings.list()) figures.push(`  finding: ${f}`);
    await healthy();
    expect(findings.list(), 'calls answered with INTERNAL/UNKNOWN/UNAVAILABLE or not before the deadline').toEqual([]);
  }, 60_000);

  it('structured mutations (huge strings, negative numbers, unicode, deep nesting, wrong kinds and types): a status, no crash', async () => {
    const started = performance.now();
    const rng = new Rng(FUZZ_SEED + 1);
    const tally = new Tally();
    const findings = new Findings();
    const { errorLogs } = await withErrorLogs(async (errorLogs) => {
      for (let i = 0; i < FUZZ_COUNT * 3; i++) {
        const { method, request, encode } = structuredRequest(rng);
        let bytes: Uint8Array;
        try {
          bytes = encode();
        } catch {
          tally.add('not encodable as protobuf (not sent)');
          continue;
        }
        const before = errorLogs.length;
        const { label, finding } = judge(await call(method, bytes), errorLogs.slice(before));
        tally.add(label);
        if (finding) findings.add(`${method}: ${finding}`, `MINIMESH_FUZZ_SEED=${FUZZ_SEED} input #${i}: ${method} ${brief(request)}`);
        if (tooManyHangs(tally)) break;
      }
      for (let i = 0; i < Math.max(1, FUZZ_COUNT / 5); i++) {
        const w = { kind: kindOf(rng), namespace: nsOf(rng), labelSelector: rng.int(2) ? '' : nastyString(rng), fieldSelector: rng.int(2) ? '' : nastyString(rng), resourceVersion: rng.pick(['', '0', '1', '-1', '99999999999', nastyString(rng)]), allowBookmarks: rng.int(2) === 0, storeId: rng.pick(['', 'x', nastyString(rng)]) };
        const outcome = await watchOnce(raw, pb.WatchRequest.encode(w).finish());
        tally.add(`Watch ${outcome}`);
        if (WATCH_FINDING.test(outcome)) findings.add(`Watch: ${outcome}`, `MINIMESH_FUZZ_SEED=${FUZZ_SEED} Watch ${JSON.stringify(w)}`);
      }
    });
    figures.push(`fuzz gRPC, structured: ${tally.total} inputs in ${seconds(started)}: ${tally}; crashes/hangs ${findings.count}${tooManyHangs(tally) ? ` (stopped after ${MAX_HANGS} hangs)` : ''}${recovery ? `; waited ${(recovery / 1000).toFixed(1)} s for the connection to recover after hangs` : ''}; server error logs ${errorLogs.length}`);
    for (const f of findings.list()) figures.push(`  finding: ${f}`);
    await healthy();
    expect(findings.list(), 'calls answered with INTERNAL/UNKNOWN/UNAVAILABLE or not before the deadline').toEqual([]);
  }, 60_000);

  it('patches nested deeper than the stack are refused with a status, not INTERNAL', async () => {
    const outcomes: string[] = [];
    for (const depth of [1000, 10_000, 100_000]) {
      for (const [type, body] of [
        [pb.PatchType.MERGE, `{"spec":${deepJson(depth)}}`],
        [pb.PatchType.STRATEGIC, `{"spec":${deepJson(depth)}}`],
        [pb.PatchType.JSON, `[{"op":"add","path":"/metadata/annotations","value":${deepJson(depth)}}]`],
      ] as const) {
        const err = await call('Patch', pb.PatchRequest.encode({ kind: 'Service', namespace: 'default', name: 'web', type, patch: Buffer.from(body), subresource: '' }).finish());
        outcomes.push(`${pb.PatchType[type]} depth ${depth}: ${err ? Code[err.code] : 'OK'}`);
      }
    }
    figures.push(`fuzz gRPC, deep patches: ${outcomes.join(', ')}`);
    await healthy();
    expect(outcomes.filter((o) => /INTERNAL|UNKNOWN|UNAVAILABLE|DEADLINE/.test(o))).toEqual([]);
  }, 30_000);
});

/** A request as JSON for a reproducer, long strings shortened (`<65536 chars: xxxx…>`, with the nesting depth of JSON texts). */
function brief(request: unknown): string {
  return JSON.stringify(request, (_k, v: unknown) => {
    if (typeof v !== 'string' || v.length <= 200) return v;
    let depth = 0;
    let max = 0;
    for (const ch of v) {
      if (ch === '{' || ch === '[') max = Math.max(max, ++depth);
      else if (ch === '}' || ch === ']') depth--;
    }
    return `<${v.length} chars${max > 20 ? `, nested ${max} deep` : ''}: ${v.slice(0, 60)}…>`;
  });
}

/** Opens a watch with raw request bytes; its outcome within 20 ms: refused with a code, ended, or open (then cancelled). */
function watchOnce(raw: Client, bytes: Uint8Array): Promise<string> {
  const stream = raw.makeServerStreamRequest(`${SERVICE}/Watch`, id, id, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + DEADLINE_MS });
  return new Promise<string>((resolve) => {
    const timer = setTimeout(() => (resolve('open'), stream.cancel()), 20);
    stream.on('error', (e: ServiceError) => (clearTimeout(timer), resolve(e.code === Code.CANCELLED ? 'open' : /^Error deserializing/.test(e.details) ? 'INTERNAL from grpc-js (undecodable request)' : (Code[e.code] ?? String(e.code)))));
    stream.on('end', () => (clearTimeout(timer), resolve('ended')));
    stream.on('data', () => undefined);
  });
}
