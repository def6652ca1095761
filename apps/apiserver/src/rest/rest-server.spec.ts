/**
 * The REST API of a real apiserver over HTTPS: discovery, the verbs with kube-apiserver's codes
 * and Status bodies, the chunked watch (with a 410 ERROR event), and access control.
 */
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFileLine } from '@minimesh/runtime';
import { eventually, tempDir } from '@minimesh/runtime/testing';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';
import { restRequest } from '../testing/rest-request.js';

const request = restRequest;

/** The first `n` lines of a watch, then the connection is dropped. */
function watchLines(t: TestApiServer, path: string, n: number, whileOpen?: () => Promise<unknown>): Promise<any[]> {
  const [host, port] = [t.server.restAddress.slice(0, t.server.restAddress.lastIndexOf(':')), Number(t.server.restAddress.split(':').pop())];
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path, ca: readFileSync(t.server.caFile) }, (res) => {
      let buf = '';
      const lines: unknown[] = [];
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
          if (lines.length === n) {
            req.destroy();
            resolve(lines);
          }
        }
      });
      res.on('end', () => resolve(lines));
      void whileOpen?.();
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end();
  });
}

const svc = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, ...extra }, spec: { ports: [{ port: 80 }] } });

describe('REST API', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
  });
  afterAll(() => t?.stop());

  it('serves discovery: versions, groups, resources with their verbs and subresources', async () => {
    expect((await request(t, 'GET', '/api')).json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await request(t, 'GET', '/apis')).json;
    expect(groups.groups.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining(['discovery.k8s.io', 'coordination.k8s.io', 'rbac.authorization.k8s.io']));
    const v1 = (await request(t, 'GET', '/api/v1')).json;
    expect(v1.resources.find((r: { name: string }) => r.name === 'services')).toEqual({
      name: 'services',
      singularName: 'service',
      namespaced: true,
      kind: 'Service',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['svc'],
      categories: ['all'],
    });
    expect(v1.resources.map((r: { name: string }) => r.name)).toContain('services/status');
    expect((await request(t, 'GET', '/version')).json).toMatchObject({ major: '1', minor: '32' });
    expect((await request(t, 'GET', '/readyz')).body).toBe('ok');
  });

  it('serves aggregated discovery to clients that ask for it, as kubectl does', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    const core = await request(t, 'GET', '/api', { accept });
    expect(core.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(core.json.items.map((g: { metadata: { name: string } }) => g.metadata.name)).toEqual(['']);
    expect(core.json.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'services')).toEqual({
      resource: 'services',
      responseKind: { group: '', version: 'v1', kind: 'Service' },
      scope: 'Namespaced',
      singularResource: 'service',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['svc'],
      categories: ['all'],
      subresources: [{ subresource: 'status', responseKind: { group: '', version: 'v1', kind: 'Service' }, verbs: ['get', 'patch', 'update'] }],
    });
    const groups = (await request(t, 'GET', '/apis', { accept })).json;
    expect(groups.items.map((g: { metadata: { name: string } }) => g.metadata.name)).toEqual(['coordination.k8s.io', 'discovery.k8s.io', 'metallb.io', 'rbac.authorization.k8s.io']);
  });

  it('serves OpenAPI v2 as JSON, and as protobuf to client-go\'s Accept', async () => {
    const json = await request(t, 'GET', '/openapi/v2');
    expect([json.status, json.headers['content-type'], json.json.swagger]).toEqual([200, 'application/json', '2.0']);
    const pb = await request(t, 'GET', '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect([pb.status, pb.headers['content-type'], pb.body.slice(0, 5)]).toEqual([200, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', '\n\x032.0']);
  });

  it('answers an unknown path or resource with a 404 Status', async () => {
    for (const path of ['/api/v2', '/api/v1/widgets', '/nothing', '/apis/nope.io/v1/things']) {
      const r = await request(t, 'GET', path);
      expect([path, r.status, r.json]).toEqual([path, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 }]);
    }
  });

  it('creates, reads, lists, updates, patches and deletes with kube-apiserver\'s codes', async () => {
    const created = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('web') });
    expect(created.status).toBe(201);
    expect(created.json.spec.clusterIP).toMatch(/^10\./);
    expect(created.json.metadata.namespace).toBe('default');

    const again = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('web') });
    expect([again.status, again.json.reason, again.json.message]).toEqual([409, 'AlreadyExists', 'services "web" already exists']);

    const got = await request(t, 'GET', '/api/v1/namespaces/default/services/web');
    expect([got.status, got.json.metadata.uid]).toEqual([200, created.json.metadata.uid]);

    const list = (await request(t, 'GET', '/api/v1/namespaces/default/services?labelSelector=')).json;
    expect(list.kind).toBe('ServiceList');
    expect(list.apiVersion).toBe('v1');
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual(['kubernetes', 'web']);
    expect(list.items[0].kind).toBeUndefined();

    const stale = await request(t, 'PUT', '/api/v1/namespaces/default/services/web', { body: { ...created.json, metadata: { ...created.json.metadata, resourceVersion: '1' } } });
    expect([stale.status, stale.json.reason]).toEqual([409, 'Conflict']);
    expect(stale.json.message).toContain('the object has been modified; please apply your changes to the latest version and try again');

    const labelled = await request(t, 'PATCH', '/api/v1/namespaces/default/services/web', { body: { metadata: { labels: { tier: 'web' } } }, type: 'application/strategic-merge-patch+json' });
    expect([labelled.status, labelled.json.metadata.labels]).toEqual([200, { tier: 'web' }]);
    const json = await request(t, 'PATCH', '/api/v1/namespaces/default/services/web', { body: [{ op: 'replace', path: '/spec/ports/0/port', value: 81 }], type: 'application/json-patch+json' });
    expect(json.json.spec.ports[0].port).toBe(81);
    const badType = await request(t, 'PATCH', '/api/v1/namespaces/default/services/web', { body: {}, type: 'text/plain' });
    expect([badType.status, badType.json.reason]).toEqual([415, 'UnsupportedMediaType']);

    const selected = (await request(t, 'GET', '/api/v1/services?labelSelector=tier%3Dweb')).json;
    expect(selected.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['web']);

    const gone = await request(t, 'DELETE', '/api/v1/namespaces/default/services/web');
    expect(gone.status).toBe(200);
    const missing = await request(t, 'GET', '/api/v1/namespaces/default/services/web');
    expect([missing.status, missing.json.reason, missing.json.message, missing.json.details]).toEqual([404, 'NotFound', 'services "web" not found', { name: 'web', kind: 'services' }]);
  });

  it('refuses bad bodies with a 400 or 422 Status', async () => {
    const broken = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: '{"kind": "Service",' });
    expect(broken.status).toBe(400);
    expect(broken.json.message).toMatch(/^the object provided is unrecognized \(must be of type Service\): couldn't get version\/kind; json parse error: /);
    const wrongKind = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } });
    expect([wrongKind.status, wrongKind.json.reason]).toEqual([400, 'BadRequest']);
    const otherNs = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('x', { namespace: 'kube-system' }) });
    expect(otherNs.json.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    const invalid = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: { ...svc('Bad_Name') } });
    expect([invalid.status, invalid.json.reason]).toEqual([422, 'Invalid']);
    expect(invalid.json.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
  });

  it('checks fields as fieldValidation says: Strict refuses unknown ones, Warn (the default) warns, wrong types always fail', async () => {
    const typo = { ...svc('typo'), spec: { ports: [{ port: 80 }], selectr: { app: 'x' } } };
    const strict = await request(t, 'POST', '/api/v1/namespaces/default/services?fieldValidation=Strict', { body: typo });
    expect([strict.status, strict.json.reason, strict.json.message]).toEqual([400, 'BadRequest', 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.selectr"']);
    const warned = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: typo });
    expect([warned.status, warned.headers.warning]).toEqual([201, '299 - "unknown field \\"spec.selectr\\""']);
    expect(warned.json.spec.selectr).toBeUndefined();
    // A field name in another script travels as UTF-8 (Node refuses such a header as a string).
    const foreign = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: { ...svc('foreign'), spec: { ports: [{ port: 80 }], 'sëlector名': { a: 'b' } } } });
    expect([foreign.status, Buffer.from(String(foreign.headers.warning), 'latin1').toString('utf8')]).toEqual([201, '299 - "unknown field \\"spec.sëlector名\\""']);
    await request(t, 'DELETE', '/api/v1/namespaces/default/services/foreign');
    const badEscape = await request(t, 'GET', '/api/v1/namespaces/default/services/%zz');
    expect([badEscape.status, badEscape.json.reason, badEscape.json.message]).toEqual([400, 'BadRequest', 'invalid URL escape "%zz"']);
    const patch = await request(t, 'PATCH', '/api/v1/namespaces/default/services/typo?fieldValidation=Strict', { body: { spec: { typeo: 'NodePort' } }, type: 'application/merge-patch+json' });
    expect([patch.status, patch.json.message]).toEqual([400, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.typeo"']);
    const wrongType = await request(t, 'POST', '/api/v1/namespaces/default/services?fieldValidation=Ignore', { body: { ...svc('wrong'), spec: { ports: [{ port: 'eighty' }] } } });
    expect([wrongType.status, wrongType.json.message]).toEqual([400, 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32']);
    const badMode = await request(t, 'POST', '/api/v1/namespaces/default/services?fieldValidation=Loose', { body: svc('x') });
    expect([badMode.status, badMode.json.message]).toEqual([422, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"']);
    await request(t, 'DELETE', '/api/v1/namespaces/default/services/typo');
  });

  it('server-side apply: creates (201), records ownership, requires fieldManager, and force only goes with apply', async () => {
    const applied = await request(t, 'PATCH', '/api/v1/namespaces/default/services/applied?fieldManager=tool', { body: svc('applied'), type: 'application/apply-patch+yaml' });
    expect([applied.status, applied.json.metadata.managedFields.map((e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`)]).toEqual([201, ['tool/Apply']]);
    const noManager = await request(t, 'PATCH', '/api/v1/namespaces/default/services/applied', { body: svc('applied'), type: 'application/apply-patch+yaml' });
    expect([noManager.status, noManager.json.message]).toEqual([422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch']);
    const forced = await request(t, 'PATCH', '/api/v1/namespaces/default/services/applied?force=true', { body: {}, type: 'application/merge-patch+json' });
    expect([forced.status, forced.json.message]).toEqual([422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch']);
    // The same apply again changes nothing: no new revision, the entry's time kept.
    const again = await request(t, 'PATCH', '/api/v1/namespaces/default/services/applied?fieldManager=tool', { body: svc('applied'), type: 'application/apply-patch+yaml' });
    expect([again.status, again.json.metadata.resourceVersion, again.json.metadata.managedFields]).toEqual([200, applied.json.metadata.resourceVersion, applied.json.metadata.managedFields]);
    // A resourceVersion in the configuration is a precondition.
    const stale = await request(t, 'PATCH', '/api/v1/namespaces/default/services/applied?fieldManager=tool', { body: svc('applied', { resourceVersion: '1' }), type: 'application/apply-patch+yaml' });
    expect([stale.status, stale.json.reason]).toEqual([409, 'Conflict']);
    const missing = await request(t, 'PATCH', '/api/v1/namespaces/default/services/not-yet?fieldManager=tool', { body: svc('not-yet', { resourceVersion: '5' }), type: 'application/apply-patch+yaml' });
    expect([missing.status, missing.json.reason]).toEqual([409, 'Conflict']);
    const labelled = await request(t, 'PATCH', '/api/v1/namespaces/default/services/applied', { body: { metadata: { labels: { x: 'y' } } }, type: 'application/merge-patch+json' });
    expect(labelled.json.metadata.managedFields.map((e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`)).toEqual(['tool/Apply', 'unknown/Update']);
    await request(t, 'DELETE', '/api/v1/namespaces/default/services/applied');
  });

  it('prints tables on the server for kubectl', async () => {
    const table = (await request(t, 'GET', '/api/v1/namespaces/default/services', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' })).json;
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    expect(table.rows[0].cells.slice(0, 5)).toEqual(['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
  });

  it('watches from a resourceVersion as newline-delimited events, and says 410 in an ERROR event when it is too old', async () => {
    const rv = (await request(t, 'GET', '/api/v1/namespaces/default/services')).json.metadata.resourceVersion;
    const events = await watchLines(t, `/api/v1/namespaces/default/services?watch=true&resourceVersion=${rv}`, 2, async () => {
      await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('watched') });
      await request(t, 'DELETE', '/api/v1/namespaces/default/services/watched');
    });
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['ADDED', 'watched'],
      ['DELETED', 'watched'],
    ]);
    await t.server.store.compact(Number(rv) + 1);
    const [error] = await watchLines(t, `/api/v1/namespaces/default/services?watch=true&resourceVersion=${rv}`, 1);
    expect(error.type).toBe('ERROR');
    expect(error.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
  });
});

describe('REST API access control', () => {
  const dir = tempDir('minimesh-rest-access-');
  let t: TestApiServer;
  beforeAll(async () => {
    const tokens = join(dir.path, 'tokens.csv');
    writeFileSync(tokens, [tokenFileLine('nobody-token', 'nobody'), tokenFileLine('admin-token', 'admin', ['system:masters']), tokenFileLine('node7-token', 'system:node:node7', ['system:nodes'])].join('\n'));
    t = await startTestApiServer({ 'authorization-mode': 'Node,RBAC', 'anonymous-auth': false, 'token-auth-file': tokens });
  });
  afterAll(async () => {
    await t?.stop();
    dir.remove();
  });

  it('refuses a request without credentials or with an unknown token (401), and one not allowed (403)', async () => {
    for (const token of [undefined, 'wrong']) {
      const r = await request(t, 'GET', '/api/v1/namespaces/default/services', { token });
      expect([r.status, r.json.reason, r.json.message]).toEqual([401, 'Unauthorized', 'Unauthorized']);
    }
    const denied = await request(t, 'GET', '/api/v1/namespaces/default/services', { token: 'nobody-token' });
    expect([denied.status, denied.json.reason, denied.json.message]).toEqual([
      403,
      'Forbidden',
      'services is forbidden: User "nobody" cannot list resource "services" in API group "" in the namespace "default"',
    ]);
    const allowed = await request(t, 'GET', '/api/v1/namespaces/default/services', { token: 'admin-token' });
    expect(allowed.status).toBe(200);
  });

  it('a node registers its own Node by POST or by apply, and is refused any other (NodeRestriction on the object\'s name)', async () => {
    const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    const other = await request(t, 'POST', '/api/v1/nodes', { body: node('node8'), token: 'node7-token' });
    expect(other.status).toBe(403);
    expect(other.json.message).toBe('nodes "node8" is forbidden: node "node7" is not allowed to modify node "node8"');
    const otherApply = await request(t, 'PATCH', '/api/v1/nodes/node8?fieldManager=kubelet', { body: node('node8'), type: 'application/apply-patch+yaml', token: 'node7-token' });
    expect(otherApply.status).toBe(403);
    const ownApply = await request(t, 'PATCH', '/api/v1/nodes/node7?fieldManager=kubelet', { body: node('node7'), type: 'application/apply-patch+yaml', token: 'node7-token' });
    expect(ownApply.status).toBe(201);
    expect((await request(t, 'POST', '/api/v1/nodes', { body: node('node7'), token: 'node7-token' })).status).toBe(409);
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });
    const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    const otherLease = await request(t, 'POST', leases, { body: lease('node8'), token: 'node7-token' });
    expect([otherLease.status, otherLease.json.message]).toEqual([403, 'leases.coordination.k8s.io "node8" is forbidden: node "node7" is not allowed to modify lease "node8"']);
    expect((await request(t, 'POST', leases, { body: lease('node7'), token: 'node7-token' })).status).toBe(201);
  });

  it('server-side apply that would create needs create as well as patch', async () => {
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default';
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'patcher', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'patch'] }] };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'patcher', namespace: 'default' }, subjects: [{ kind: 'User', name: 'nobody', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'patcher' } };
    expect((await request(t, 'POST', `${rbac}/roles`, { body: role, token: 'admin-token' })).status).toBe(201);
    expect((await request(t, 'POST', `${rbac}/rolebindings`, { body: binding, token: 'admin-token' })).status).toBe(201);
    expect((await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('existing'), token: 'admin-token' })).status).toBe(201);
    const apply = (name: string) => request(t, 'PATCH', `/api/v1/namespaces/default/services/${name}?fieldManager=tool`, { body: { ...svc(name), metadata: { name, labels: { a: 'b' } } }, type: 'application/apply-patch+yaml', token: 'nobody-token' });
    await eventually(async () => (await apply('existing')).status === 200, 5_000, 50);
    const created = await apply('new-one');
    expect([created.status, created.json.message]).toEqual([403, 'services is forbidden: User "nobody" cannot create resource "services" in API group "" in the namespace "default"']);
    expect((await request(t, 'GET', '/api/v1/namespaces/default/services/new-one', { token: 'admin-token' })).status).toBe(404);
  });
});
