/**
 * `dryRun=All` on every write verb against a real apiserver: the answer is the write's (codes,
 * objects, allocations, managed fields, conflicts, validation errors, access checks), and nothing
 * changes: the object reads back as before, the list's revision stays, the event history (which is
 * also what watches and the NATS publisher read) gets nothing, and no ClusterIP or NodePort is kept.
 */
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFileLine } from '@minimesh/runtime';
import { tempDir } from '@minimesh/runtime/testing';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';
import { restRequest as request } from '../testing/rest-request.js';

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const SERVICES = '/api/v1/namespaces/default/services';

const svc = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...meta },
  spec: { ports: [{ port: 80 }], ...spec },
});

/** The first event of the watch at `path`, which is open while `during` runs. */
function firstWatchEvent(t: TestApiServer, path: string, during: () => Promise<unknown>): Promise<any> {
  const address = t.server.restAddress;
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path, ca: readFileSync(t.server.caFile) }, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        const i = buf.indexOf('\n');
        if (i >= 0) {
          req.destroy();
          resolve(JSON.parse(buf.slice(0, i)));
        }
      });
      during().catch(reject);
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end();
  });
}

describe('REST dryRun=All', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer({ 'service-cluster-ip-range': '10.0.0.0/24', 'service-node-port-range': '30000-30099' });
  });
  afterAll(() => t?.stop());

  const revision = async () => (await request(t, 'GET', SERVICES)).json.metadata.resourceVersion as string;
  const events = async (after: string) => t.server.store.eventsAfter(Number(after));

  it('create answers 201 with the object as it would be stored (no resourceVersion), and stores nothing', async () => {
    const before = await revision();
    const r = await request(t, 'POST', `${SERVICES}?dryRun=All&fieldManager=tester`, { body: svc('dry-create', {}, { labels: { a: 'b' } }) });
    expect(r.status).toBe(201);
    expect(r.json.metadata).toMatchObject({ name: 'dry-create', namespace: 'default', labels: { a: 'b' } });
    expect(r.json.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json.metadata.creationTimestamp).toBeTruthy();
    expect(r.json.metadata.resourceVersion).toBeUndefined();
    expect(r.json.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'tester', operation: 'Update', apiVersion: 'v1' })]);
    expect(r.json.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    // generateName is filled in as for a real create.
    const gen = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: svc('', {}, { name: undefined, generateName: 'gen-' }) });
    expect([gen.status, gen.json.metadata.name]).toEqual([201, expect.stringMatching(/^gen-[a-z0-9]{5}$/)]);

    expect((await request(t, 'GET', `${SERVICES}/dry-create`)).status).toBe(404);
    expect(await revision()).toBe(before);
    expect(await events(before)).toEqual([]);
  });

  it('a dry-run Service shows the ClusterIP and NodePort it would get, keeps neither, and a real create can take them', async () => {
    const before = await revision();
    const dry = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: svc('np', { type: 'NodePort' }) });
    expect(dry.status).toBe(201);
    const ip: string = dry.json.spec.clusterIP;
    const nodePort: number = dry.json.spec.ports[0].nodePort;
    expect(ip).toMatch(/^10\.0\.0\.\d+$/);
    expect(dry.json.spec.clusterIPs).toEqual([ip]);
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(30099);
    expect(t.server.registry.clusterIPTaken(ip)).toBe(false);
    expect((await t.server.store.allocations('nodeport')).map((a) => a.value)).not.toContain(String(nodePort));
    expect(await events(before)).toEqual([]);

    // A requested IP and port are checked as the write checks them, and not taken.
    const asked = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: svc('np', { type: 'NodePort', clusterIP: ip, ports: [{ port: 80, nodePort }] }) });
    expect([asked.status, asked.json.spec.clusterIP, asked.json.spec.ports[0].nodePort]).toEqual([201, ip, nodePort]);
    const real = await request(t, 'POST', SERVICES, { body: svc('np', { type: 'NodePort', clusterIP: ip, ports: [{ port: 80, nodePort }] }) });
    expect([real.status, real.json.spec.clusterIP, real.json.spec.ports[0].nodePort]).toEqual([201, ip, nodePort]);
    expect(t.server.registry.clusterIPTaken(ip)).toBe(true);

    // Now taken: the dry run is refused exactly as the write is.
    const body = svc('np2', { type: 'NodePort', clusterIP: ip, ports: [{ port: 80, nodePort }] });
    const realTaken = await request(t, 'POST', SERVICES, { body });
    const dryTaken = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body });
    expect(realTaken.status).toBe(422);
    expect([dryTaken.status, dryTaken.json]).toEqual([realTaken.status, realTaken.json]);
    const outside = svc('np3', { clusterIP: '10.9.9.9' });
    const realOutside = await request(t, 'POST', SERVICES, { body: outside });
    const dryOutside = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: outside });
    expect(realOutside.status).toBe(422);
    expect([dryOutside.status, dryOutside.json]).toEqual([realOutside.status, realOutside.json]);
  });

  it('validation errors, a missing namespace and an existing name come back as the write\'s', async () => {
    const bad = svc('Bad_Name', { ports: [{ port: 0 }] });
    const real = await request(t, 'POST', SERVICES, { body: bad });
    const dry = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: bad });
    expect(real.status).toBe(422);
    expect([dry.status, dry.json]).toEqual([real.status, real.json]);
    const noNs = await request(t, 'POST', '/api/v1/namespaces/nowhere/services?dryRun=All', { body: svc('x') });
    expect([noNs.status, noNs.json.message]).toEqual([404, 'namespaces "nowhere" not found']);
    expect((await request(t, 'POST', SERVICES, { body: svc('exists') })).status).toBe(201);
    const again = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: svc('exists') });
    expect([again.status, again.json.reason, again.json.message]).toEqual([409, 'AlreadyExists', 'services "exists" already exists']);
  });

  it('update (PUT) answers 200 with the updated object at the current resourceVersion; conflicts as the write; nothing changes', async () => {
    const created = (await request(t, 'POST', SERVICES, { body: svc('upd', {}, { labels: { v: '1' } }) })).json;
    const before = await revision();
    const changed = { ...created, metadata: { ...created.metadata, labels: { v: '2' } } };
    const r = await request(t, 'PUT', `${SERVICES}/upd?dryRun=All`, { body: changed });
    expect([r.status, r.json.metadata.labels, r.json.metadata.resourceVersion]).toEqual([200, { v: '2' }, created.metadata.resourceVersion]);
    // Unconditional (no resourceVersion): answered at the current one.
    const { resourceVersion: _rv, ...meta } = changed.metadata;
    const unconditional = await request(t, 'PUT', `${SERVICES}/upd?dryRun=All`, { body: { ...changed, metadata: meta } });
    expect([unconditional.status, unconditional.json.metadata.resourceVersion]).toEqual([200, created.metadata.resourceVersion]);
    // A stale resourceVersion is the same 409; an invalid change the same 422.
    const stale = { ...changed, metadata: { ...changed.metadata, resourceVersion: '1' } };
    const dryStale = await request(t, 'PUT', `${SERVICES}/upd?dryRun=All`, { body: stale });
    const realStale = await request(t, 'PUT', `${SERVICES}/upd`, { body: stale });
    expect([dryStale.status, dryStale.json]).toEqual([409, realStale.json]);
    const invalid = { ...changed, spec: { ...created.spec, clusterIP: '10.0.0.250', clusterIPs: ['10.0.0.250'] } };
    const dryInvalid = await request(t, 'PUT', `${SERVICES}/upd?dryRun=All`, { body: invalid });
    const realInvalid = await request(t, 'PUT', `${SERVICES}/upd`, { body: invalid });
    expect(realInvalid.status).toBe(422);
    expect([dryInvalid.status, dryInvalid.json]).toEqual([realInvalid.status, realInvalid.json]);
    // The status subresource too: judged as the write is.
    const lbStatus = { ...created, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } };
    const dryStatus = await request(t, 'PUT', `${SERVICES}/upd/status?dryRun=All`, { body: lbStatus });
    const realStatus = await request(t, 'PUT', `${SERVICES}/upd/status`, { body: lbStatus });
    expect([realStatus.status, realStatus.json.message]).toEqual([422, 'Service "upd" is invalid: status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is \'LoadBalancer\'']);
    expect([dryStatus.status, dryStatus.json]).toEqual([realStatus.status, realStatus.json]);
    const lb = (await request(t, 'POST', SERVICES, { body: svc('lb', { type: 'LoadBalancer' }) })).json;
    const lbRv = await revision();
    const ingress = await request(t, 'PATCH', `${SERVICES}/lb/status?dryRun=All`, { body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }, type: MERGE });
    expect([ingress.status, ingress.json.status.loadBalancer.ingress[0].ip, ingress.json.metadata.resourceVersion]).toEqual([200, '192.0.2.1', lb.metadata.resourceVersion]);
    expect((await request(t, 'GET', `${SERVICES}/lb`)).json).toEqual(lb);
    expect(await revision()).toBe(lbRv);

    const after = (await request(t, 'GET', `${SERVICES}/upd`)).json;
    expect(after).toEqual(created);
    expect((await events(before)).map((e) => e.name)).toEqual(['lb']); // the one real write

  });

  it('a dry-run type change shows the NodePort the Service would get and keeps it free', async () => {
    const created = (await request(t, 'POST', SERVICES, { body: svc('to-np') })).json;
    const before = await revision();
    const r = await request(t, 'PATCH', `${SERVICES}/to-np?dryRun=All`, { body: { spec: { type: 'NodePort' } }, type: MERGE });
    expect([r.status, r.json.spec.type, r.json.spec.clusterIP]).toEqual([200, 'NodePort', created.spec.clusterIP]);
    const nodePort: number = r.json.spec.ports[0].nodePort;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect((await t.server.store.allocations('nodeport')).map((a) => a.value)).not.toContain(String(nodePort));
    expect(await events(before)).toEqual([]);
    // A dry run of the other way round frees nothing: the IP stays held.
    const external = await request(t, 'PUT', `${SERVICES}/upd?dryRun=All`, { body: { ...(await request(t, 'GET', `${SERVICES}/upd`)).json, spec: { type: 'ExternalName', externalName: 'example.com' } } });
    expect([external.status, external.json.spec.clusterIP]).toEqual([200, undefined]);
    expect(t.server.registry.clusterIPTaken((await request(t, 'GET', `${SERVICES}/upd`)).json.spec.clusterIP)).toBe(true);
  });

  it('patch of every type answers the patched object and changes nothing', async () => {
    const created = (await request(t, 'POST', SERVICES, { body: svc('pat', {}, { labels: { v: '1' } }) })).json;
    const before = await revision();
    for (const [type, body] of [
      [MERGE, { metadata: { labels: { v: '2' } } }],
      [STRATEGIC, { metadata: { labels: { v: '2' } } }],
      [JSON_PATCH, [{ op: 'replace', path: '/metadata/labels/v', value: '2' }]],
    ] as const) {
      const r = await request(t, 'PATCH', `${SERVICES}/pat?dryRun=All&fieldManager=patcher`, { body, type });
      expect([type, r.status, r.json.metadata.labels, r.json.metadata.resourceVersion]).toEqual([type, 200, { v: '2' }, created.metadata.resourceVersion]);
      expect(r.json.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain('patcher');
    }
    const bad = await request(t, 'PATCH', `${SERVICES}/pat?dryRun=All`, { body: { spec: { ports: [{ port: 0 }] } }, type: MERGE });
    const realBad = await request(t, 'PATCH', `${SERVICES}/pat`, { body: { spec: { ports: [{ port: 0 }] } }, type: MERGE });
    expect(realBad.status).toBe(422);
    expect([bad.status, bad.json]).toEqual([realBad.status, realBad.json]);
    const missing = await request(t, 'PATCH', `${SERVICES}/nope?dryRun=All`, { body: {}, type: MERGE });
    expect(missing.status).toBe(404);
    expect((await request(t, 'GET', `${SERVICES}/pat`)).json).toEqual(created);
    expect(await events(before)).toEqual([]);
  });

  it('server-side apply: 201 when it would create, 200 when it would update, the same conflicts, nothing stored', async () => {
    const before = await revision();
    const config = (labels: Record<string, string>) => svc('app', {}, { labels });
    const created = await request(t, 'PATCH', `${SERVICES}/app?dryRun=All&fieldManager=a`, { body: config({ owner: 'a' }), type: APPLY });
    expect([created.status, created.json.metadata.labels, created.json.metadata.managedFields[0].operation]).toEqual([201, { owner: 'a' }, 'Apply']);
    expect(created.json.spec.clusterIP).toMatch(/^10\.0\.0\.\d+$/);
    expect((await request(t, 'GET', `${SERVICES}/app`)).status).toBe(404);
    expect(await events(before)).toEqual([]);

    const real = (await request(t, 'PATCH', `${SERVICES}/app?fieldManager=a`, { body: config({ owner: 'a' }), type: APPLY })).json;
    const rv = await revision();
    const updated = await request(t, 'PATCH', `${SERVICES}/app?dryRun=All&fieldManager=a`, { body: config({ owner: 'a', extra: 'x' }), type: APPLY });
    expect([updated.status, updated.json.metadata.labels, updated.json.metadata.resourceVersion]).toEqual([200, { owner: 'a', extra: 'x' }, real.metadata.resourceVersion]);
    const dryConflict = await request(t, 'PATCH', `${SERVICES}/app?dryRun=All&fieldManager=b`, { body: config({ owner: 'b' }), type: APPLY });
    const realConflict = await request(t, 'PATCH', `${SERVICES}/app?fieldManager=b`, { body: config({ owner: 'b' }), type: APPLY });
    expect(realConflict.status).toBe(409);
    expect([dryConflict.status, dryConflict.json]).toEqual([realConflict.status, realConflict.json]);
    const forced = await request(t, 'PATCH', `${SERVICES}/app?dryRun=All&fieldManager=b&force=true`, { body: config({ owner: 'b' }), type: APPLY });
    expect([forced.status, forced.json.metadata.labels.owner]).toEqual([200, 'b']);
    expect((await request(t, 'GET', `${SERVICES}/app`)).json).toEqual(real);
    expect(await events(rv)).toEqual([]);
  });

  it('delete answers what the delete would (the object, or it marked) and the object stays; its IP stays held', async () => {
    const created = (await request(t, 'POST', SERVICES, { body: svc('del') })).json;
    const before = await revision();
    const r = await request(t, 'DELETE', `${SERVICES}/del?dryRun=All`);
    expect([r.status, r.json]).toEqual([200, created]);
    const viaBody = await request(t, 'DELETE', `${SERVICES}/del`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] } });
    expect(viaBody.status).toBe(200);
    expect((await request(t, 'GET', `${SERVICES}/del`)).json).toEqual(created);
    expect(t.server.registry.clusterIPTaken(created.spec.clusterIP)).toBe(true);
    const stale = await request(t, 'DELETE', `${SERVICES}/del?dryRun=All`, { body: { preconditions: { resourceVersion: '1' } } });
    expect(stale.status).toBe(409);
    expect((await request(t, 'DELETE', `${SERVICES}/gone?dryRun=All`)).status).toBe(404);

    // A graceful delete (a Pod) answers the object marked, and leaves it unmarked.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'busybox' }] } };
    const storedPod = (await request(t, 'POST', '/api/v1/namespaces/default/pods', { body: pod })).json;
    const podRv = await revision();
    const marked = await request(t, 'DELETE', '/api/v1/namespaces/default/pods/p?dryRun=All');
    expect([marked.status, typeof marked.json.metadata.deletionTimestamp, marked.json.metadata.resourceVersion]).toEqual([200, 'string', storedPod.metadata.resourceVersion]);
    expect((await request(t, 'GET', '/api/v1/namespaces/default/pods/p')).json).toEqual(storedPod);

    // deletecollection: the list of what would go, all of it still there.
    await request(t, 'POST', SERVICES, { body: svc('col1', {}, { labels: { set: 'c' } }) });
    await request(t, 'POST', SERVICES, { body: svc('col2', {}, { labels: { set: 'c' } }) });
    const rv = await revision();
    const col = await request(t, 'DELETE', `${SERVICES}?labelSelector=set%3Dc&dryRun=All`);
    expect([col.status, col.json.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()]).toEqual([200, ['col1', 'col2']]);
    expect((await request(t, 'GET', `${SERVICES}?labelSelector=set%3Dc`)).json.items).toHaveLength(2);
    expect(await events(rv)).toEqual([]);
    expect(await events(podRv)).toHaveLength(2); // the two real creates only
  });

  it('a watch hears nothing of dry runs: its first event is the next real write', async () => {
    const rv = await revision();
    const ev = await firstWatchEvent(t, `${SERVICES}?watch=true&resourceVersion=${rv}`, async () => {
      expect((await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: svc('w-dry') })).status).toBe(201);
      expect((await request(t, 'PATCH', `${SERVICES}/exists?dryRun=All`, { body: { metadata: { labels: { x: 'y' } } }, type: MERGE })).status).toBe(200);
      expect((await request(t, 'DELETE', `${SERVICES}/exists?dryRun=All`)).status).toBe(200);
      expect((await request(t, 'PATCH', `${SERVICES}/w-apply?dryRun=All&fieldManager=m`, { body: svc('w-apply'), type: APPLY })).status).toBe(201);
      expect((await request(t, 'POST', SERVICES, { body: svc('w-real') })).status).toBe(201);
    });
    expect([ev.type, ev.object.metadata.name]).toEqual(['ADDED', 'w-real']);
  });
});

describe('REST dryRun=All access control', () => {
  const dir = tempDir('minimesh-dry-run-access-');
  let t: TestApiServer;
  beforeAll(async () => {
    const tokens = join(dir.path, 'tokens.csv');
    writeFileSync(tokens, [tokenFileLine('admin-token', 'admin', ['system:masters']), tokenFileLine('viewer-token', 'viewer')].join('\n'));
    t = await startTestApiServer({ 'authorization-mode': 'Node,RBAC', 'anonymous-auth': false, 'token-auth-file': tokens });
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'viewer' }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] }] };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'viewer' }, subjects: [{ kind: 'User', name: 'viewer', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'viewer' } };
    expect((await request(t, 'POST', `${rbac}/roles`, { body: role, token: 'admin-token' })).status).toBe(201);
    expect((await request(t, 'POST', `${rbac}/rolebindings`, { body: binding, token: 'admin-token' })).status).toBe(201);
    expect((await request(t, 'POST', SERVICES, { body: svc('there'), token: 'admin-token' })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.stop();
    dir.remove();
  });

  it('a user who may not write may not dry-run the write either (403, kube-apiserver\'s text); an admin may', async () => {
    expect((await request(t, 'GET', `${SERVICES}/there`, { token: 'viewer-token' })).status).toBe(200);
    const cases: [string, string, { body?: unknown; type?: string }, string][] = [
      ['POST', `${SERVICES}?dryRun=All`, { body: svc('new') }, 'services is forbidden: User "viewer" cannot create resource "services" in API group "" in the namespace "default"'],
      ['PUT', `${SERVICES}/there?dryRun=All`, { body: svc('there') }, 'services "there" is forbidden: User "viewer" cannot update resource "services" in API group "" in the namespace "default"'],
      ['PATCH', `${SERVICES}/there?dryRun=All`, { body: {}, type: MERGE }, 'services "there" is forbidden: User "viewer" cannot patch resource "services" in API group "" in the namespace "default"'],
      ['PATCH', `${SERVICES}/there?dryRun=All&fieldManager=v`, { body: svc('there'), type: APPLY }, 'services "there" is forbidden: User "viewer" cannot patch resource "services" in API group "" in the namespace "default"'],
      ['DELETE', `${SERVICES}/there?dryRun=All`, {}, 'services "there" is forbidden: User "viewer" cannot delete resource "services" in API group "" in the namespace "default"'],
      ['DELETE', `${SERVICES}?dryRun=All`, {}, 'services is forbidden: User "viewer" cannot deletecollection resource "services" in API group "" in the namespace "default"'],
    ];
    for (const [method, path, o, message] of cases) {
      const r = await request(t, method, path, { ...o, token: 'viewer-token' });
      expect([method, path, r.status, r.json.message]).toEqual([method, path, 403, message]);
    }
    const admin = await request(t, 'POST', `${SERVICES}?dryRun=All`, { body: svc('new'), token: 'admin-token' });
    expect(admin.status).toBe(201);
    expect((await request(t, 'GET', `${SERVICES}/new`, { token: 'admin-token' })).status).toBe(404);
  });
});
