/**
 * Fuzz: mutated gRPC requests against a running apiserver. Every call is answered with a status
 * (OK or an error) before its deadline; no INTERNAL status other than grpc-js's own "could not
 * deserialize" for bytes that are no protobuf; the server answers normally afterwards.
 */
import { Client, Metadata, credentials, status as Code, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { pb } from '@minimesh/proto';
import { objectToWire } from '@minimesh/wire';
import type { KubeObject } from '@minimesh/api';
import { FUZZ_COUNT, FUZZ_SEED, Rng, Tally, mutateBytes } from './fuzz-input.js';

const SERVICE = '/minimesh.v1.ApiService';
const id = (b: Buffer) => b;

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
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
];

function requests(rng: Rng): Array<{ method: string; bytes: Uint8Array }> {
  const obj = objectToWire(rng.pick(SEEDS));
  const kind = rng.pick(['Service', 'Pod', 'EndpointSlice', 'Namespace', 'Node', 'Lease', 'ClusterRole', 'Bogus', '']);
  return [
    { method: 'Create', bytes: pb.CreateRequest.encode({ object: obj }).finish() },
    { method: 'Update', bytes: pb.UpdateRequest.encode({ object: obj }).finish() },
    { method: 'UpdateStatus', bytes: pb.UpdateRequest.encode({ object: obj }).finish() },
    { method: 'Get', bytes: pb.GetRequest.encode({ kind, namespace: 'default', name: 'web' }).finish() },
    {
      method: 'List',
      bytes: pb.ListRequest.encode({ kind, namespace: '', labelSelector: rng.pick(['app=web', 'app in (a,b)', '!x', 'a,,b', '(((']), fieldSelector: rng.pick(['', 'metadata.name=web', 'spec.x=y', '=']), limit: rng.int(5), continue: rng.pick(['', 'garbage', 'eyJ9']), resourceVersion: rng.pick(['', '0', '1', '-5', 'x']), resourceVersionMatch: rng.pick(['', 'Exact', 'NotOlderThan', 'bogus']) }).finish(),
    },
    { method: 'Delete', bytes: pb.DeleteRequest.encode({ kind, namespace: 'default', name: 'web', resourceVersion: '', options: { preconditionUid: '', preconditionResourceVersion: '', propagationPolicy: rng.pick(['', 'Orphan', 'x']), gracePeriodSeconds: rng.int(3) - 1 } }).finish() },
    {
      method: 'Patch',
      bytes: pb.PatchRequest.encode({
        kind,
        namespace: 'default',
        name: 'web',
        type: rng.pick([pb.PatchType.JSON, pb.PatchType.MERGE, pb.PatchType.STRATEGIC, 0]),
        patch: Buffer.from(rng.pick(['{"spec":{"ports":[{"port":81}]}}', '[{"op":"replace","path":"/spec/type","value":"ClusterIP"}]', '{"metadata":{"labels":null}}', '[{"op":"move","from":"/a","path":"/a/b"}]', '{"$patch":"delete"}', `${'['.repeat(3000)}`, '{"spec":{"$retainKeys":["x"]}}'])),
        subresource: rng.pick(['', 'status', 'scale']),
      }).finish(),
    },
  ];
}

describe(`fuzz: gRPC requests (seed ${FUZZ_SEED}, ${FUZZ_COUNT} per method)`, () => {
  let t: TestApiServer;
  let raw: Client;
  beforeAll(async () => {
    t = await startTestApiServer();
    raw = new Client(t.server.address, credentials.createInsecure());
    for (const o of SEEDS) await t.client.create(o).catch(() => undefined);
  });
  afterAll(async () => {
    raw?.close();
    await t?.stop();
  });

  const call = (method: string, bytes: Uint8Array) =>
    new Promise<ServiceError | null>((resolve) => {
      raw.makeUnaryRequest(`${SERVICE}/${method}`, id, id, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + 5000 }, (err) => resolve(err ?? null));
    });

  it('answers every mutated request with a status, never an internal error of its own', async () => {
    const rng = new Rng(FUZZ_SEED);
    const tally = new Tally();
    const internal: string[] = [];
    const started = Date.now();
    for (let i = 0; i < FUZZ_COUNT; i++) {
      for (const { method, bytes } of requests(rng)) {
        const input = rng.int(4) === 0 ? bytes : mutateBytes(rng, bytes);
        const err = await call(method, input);
        const undecodable = err?.code === Code.INTERNAL && /deserializ/i.test(err.details);
        tally.add(undecodable ? 'undecodable (grpc-js INTERNAL)' : err ? (Code[err.code] ?? String(err.code)) : 'OK');
        if (err?.code === Code.DEADLINE_EXCEEDED) internal.push(`${method} hung: ${Buffer.from(input).toString('base64')}`);
        if (err?.code === Code.INTERNAL && !/deserializ/i.test(err.details)) internal.push(`${method} ${err.details}: ${Buffer.from(input).toString('base64')}`);
      }
      // A watch with a mutated request: it starts (or is refused) and ends when cancelled.
      const w = pb.WatchRequest.encode({ kind: rng.pick(['Service', 'Bogus']), namespace: '', labelSelector: rng.pick(['', '(((']), fieldSelector: '', resourceVersion: rng.pick(['', '1', 'x']), allowBookmarks: true, storeId: '' }).finish();
      const stream = raw.makeServerStreamRequest(`${SERVICE}/Watch`, id, id, Buffer.from(mutateBytes(rng, w)), new Metadata(), { deadline: Date.now() + 5000 });
      await new Promise<void>((resolve) => {
        stream.on('error', () => resolve());
        stream.on('end', () => resolve());
        stream.on('data', () => undefined);
        setTimeout(() => (stream.cancel(), resolve()), 20);
      });
      tally.add('watches');
    }
    console.log(`fuzz gRPC: ${tally.total} inputs in ${Date.now() - started} ms: ${tally}; crashes 0, internal errors ${internal.length}`);
    expect(internal).toEqual([]);
    // Still serving, as before.
    expect((await t.client.list('Namespace')).items.length).toBeGreaterThan(0);
  }, 120_000);
});
