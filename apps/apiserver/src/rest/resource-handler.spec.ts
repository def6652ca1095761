/**
 * The REST verbs against a real apiserver, on what clients get wrong or try on purpose: names
 * that are path tricks, routes kube-apiserver does not have, bad times, nulls in lists, malformed
 * delete options, `__proto__` keys, apply bodies, resource versions from the future, long URLs,
 * and bad query options. Each answer is kube-apiserver's, and nothing is written that should not be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';
import { restRequest as request } from '../testing/rest-request.js';

const svc = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, ...extra }, spec: { ports: [{ port: 80 }] } });
const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';

describe('REST resource handler', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
  });
  afterAll(() => t?.stop());

  it('refuses . and .. (escaped or not) and names with / or % as kube-apiserver does, never acting on the parent path', async () => {
    expect((await request(t, 'POST', '/api/v1/namespaces', { body: ns('victimns') })).status).toBe(201);
    expect((await request(t, 'POST', '/api/v1/namespaces/victimns/services', { body: svc('kept', { labels: { dc: '1' } }) })).status).toBe(201);
    for (const [path, message] of [
      ['/api/v1/namespaces/victimns/services/%2E%2E', `Name parameter invalid: "..": may not be '..'`],
      ['/api/v1/namespaces/victimns/services/..', `Name parameter invalid: "..": may not be '..'`],
      ['/api/v1/namespaces/victimns/services/%2e', `Name parameter invalid: ".": may not be '.'`],
      ['/api/v1/namespaces/victimns/services/a%2Fb', `Name parameter invalid: "a/b": may not contain '/'`],
      ['/api/v1/namespaces/victimns/services/a%25b%2Fc', `Name parameter invalid: "a%b/c": may not contain '/';may not contain '%'`],
      ['/api/v1/namespaces/%2E%2E', `Name parameter invalid: "..": may not be '..'`],
    ] as const) {
      for (const method of ['GET', 'DELETE', 'PUT', 'PATCH']) {
        const r = await request(t, method, path, method === 'PATCH' ? { body: {}, type: MERGE } : method === 'PUT' ? { body: svc('x') } : {});
        expect([method, path, r.status, r.json?.reason, r.json?.message]).toEqual([method, path, 400, 'BadRequest', message]);
      }
    }
    // Two dot segments and a selector: once a deletecollection of Namespaces; now the name is refused.
    const twice = await request(t, 'DELETE', '/api/v1/namespaces/victimns/services/%2E%2E/%2E%2E?labelSelector=dc%3D1');
    expect(twice.status).not.toBe(200);
    // `.` once listed the namespace's services.
    expect((await request(t, 'GET', '/api/v1/namespaces/victimns/services/.')).status).toBe(400);
    expect((await request(t, 'GET', '/api/v1/namespaces/victimns')).status).toBe(200);
    expect((await request(t, 'GET', '/api/v1/namespaces/victimns/services/kept')).status).toBe(200);
  });

  it('serves only list and watch on a namespaced kind\'s path without a namespace, and no namespaced paths for cluster-scoped kinds', async () => {
    expect((await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('dc1', { labels: { dc: '1' } }) })).status).toBe(201);
    const wipe = await request(t, 'DELETE', '/api/v1/services?labelSelector=dc%3D1');
    expect([wipe.status, wipe.json.reason]).toEqual([405, 'MethodNotAllowed']);
    expect((await request(t, 'GET', '/api/v1/namespaces/default/services/dc1')).status).toBe(200);
    expect((await request(t, 'GET', '/api/v1/services?labelSelector=dc%3D1')).json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain('dc1');
    for (const method of ['GET', 'PATCH', 'DELETE', 'PUT']) {
      const r = await request(t, method, '/api/v1/services/kubernetes', method === 'PATCH' ? { body: {}, type: MERGE } : method === 'PUT' ? { body: svc('kubernetes') } : {});
      expect([method, r.status, r.json.reason]).toEqual([method, 404, 'NotFound']);
    }
    expect((await request(t, 'GET', '/api/v1/namespaces/default/services/kubernetes')).status).toBe(200);
    const nodes = await request(t, 'GET', '/api/v1/namespaces/default/nodes');
    expect([nodes.status, nodes.json.message]).toEqual([404, 'the server could not find the requested resource']);
    const created = await request(t, 'POST', '/api/v1/namespaces/default/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sneaky' } } });
    expect(created.status).toBe(404);
    expect((await request(t, 'GET', '/api/v1/nodes/sneaky')).status).toBe(404);
  });

  it('refuses times Go would not parse, in bodies and in patches, and keeps good ones in UTC', async () => {
    const leases = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
    const lease = (name: string, renewTime: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'a', renewTime } });
    const bad = await request(t, 'POST', leases, { body: lease('l1', 'garbage') });
    expect([bad.status, bad.json.message]).toEqual([
      400,
      'Lease in version "v1" cannot be handled as a Lease: parsing time "garbage" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "garbage" as "2006"',
    ]);
    const good = await request(t, 'POST', leases, { body: lease('l1', '2024-05-01T13:59:59.123456+02:00') });
    expect([good.status, good.json.spec.renewTime]).toEqual([201, '2024-05-01T11:59:59.123456Z']);

    const ev = await request(t, 'POST', '/api/v1/namespaces/default/events', {
      body: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1' }, involvedObject: { kind: 'Service', name: 'x', namespace: 'default' }, reason: 'R', firstTimestamp: 'not-a-time' },
    });
    expect([ev.status, ev.json.message]).toEqual([400, 'Event in version "v1" cannot be handled as a Event: parsing time "not-a-time" as "2006-01-02T15:04:05Z07:00": cannot parse "not-a-time" as "2006"']);

    expect((await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('p1') })).status).toBe(201);
    const cond = await request(t, 'PATCH', '/api/v1/namespaces/default/services/p1/status', {
      body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ok', message: '', lastTransitionTime: 'garbage' }] } },
      type: MERGE,
    });
    expect([cond.status, cond.json.message]).toEqual([400, 'Service in version "v1" cannot be handled as a Service: parsing time "garbage" as "2006-01-02T15:04:05Z07:00": cannot parse "garbage" as "2006"']);
    expect((await request(t, 'GET', '/api/v1/namespaces/default/services/p1')).json.status?.conditions).toBeUndefined();

    expect((await request(t, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'x' } } })).status).toBe(201);
    const hb = await request(t, 'PATCH', '/api/v1/nodes/x/status', { body: { status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'yesterday' }] } }, type: MERGE });
    expect([hb.status, hb.json.message]).toEqual([400, 'Node in version "v1" cannot be handled as a Node: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"']);
  });

  it('a status patch leaving null in a list answers as a PUT of the same content does (null is the zero value), never 500', async () => {
    expect((await request(t, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } } })).status).toBe(201);
    const merge = await request(t, 'PATCH', '/api/v1/nodes/n/status', { body: { status: { addresses: [null] } }, type: MERGE });
    const json = await request(t, 'PATCH', '/api/v1/nodes/n/status', { body: [{ op: 'add', path: '/status/conditions', value: [null] }], type: JSON_PATCH });
    const current = (await request(t, 'GET', '/api/v1/nodes/n')).json;
    const put = await request(t, 'PUT', '/api/v1/nodes/n/status', { body: { ...current, status: { addresses: [null] } } });
    for (const r of [merge, json, put]) expect(r.status).not.toBe(500);
    expect([merge.status, merge.json.reason]).toEqual([put.status, put.json.reason]);
    expect([merge.status, json.status, put.status]).toEqual([200, 200, 200]);
  });

  it('type-checks the delete options in the body; an empty uid is a precondition; an unknown propagationPolicy lists the supported ones', async () => {
    const mk = async (name: string) => (await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc(name) })).json;
    const a = await mk('del-a');
    const path = '/api/v1/namespaces/default/services/del-a';
    const cases: [unknown, number, string][] = [
      [{ preconditions: 'x' }, 400, 'json: cannot unmarshal string into Go struct field DeleteOptions.preconditions of type v1.Preconditions'],
      [{ preconditions: { resourceVersion: 83 } }, 400, 'json: cannot unmarshal number into Go struct field Preconditions.preconditions.resourceVersion of type string'],
      [{ propagationPolicy: 5 }, 400, 'json: cannot unmarshal number into Go struct field DeleteOptions.propagationPolicy of type v1.DeletionPropagation'],
      [{ gracePeriodSeconds: '3' }, 400, 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64'],
      [{ preconditions: { uid: '' } }, 409, `Operation cannot be fulfilled on services "del-a": Precondition failed: UID in precondition: , UID in object meta: ${a.metadata.uid}`],
      [{ propagationPolicy: 'bogus' }, 422, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "bogus": supported values: "Foreground", "Background", "Orphan", "nil"'],
    ];
    for (const [body, code, message] of cases) {
      const r = await request(t, 'DELETE', path, { body });
      expect([body, r.status, r.json?.message ?? r.body]).toEqual([body, code, message]);
    }
    const viaQuery = await request(t, 'DELETE', `${path}?propagationPolicy=bogus`);
    expect(viaQuery.status).toBe(422);
    expect((await request(t, 'GET', path)).status).toBe(200);
    expect((await request(t, 'DELETE', path, { body: { preconditions: { uid: a.metadata.uid } } })).status).toBe(200);
  });

  it('keeps __proto__ map keys, so validation refuses them instead of the key vanishing', async () => {
    const created = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"proto"},"spec":{"ports":[{"port":80}],"selector":{"__proto__":"y"}}}' });
    expect([created.status, created.json.reason]).toEqual([422, 'Invalid']);
    expect(created.json.message).toContain('spec.selector: Invalid value: "__proto__"');
    const labelled = await request(t, 'POST', '/api/v1/namespaces/default/services', { body: '{"apiVersion":"v1","kind":"Service","metadata":{"name":"proto","labels":{"__proto__":"y"}},"spec":{"ports":[{"port":80}]}}' });
    expect([labelled.status, labelled.json.message]).toEqual([422, expect.stringContaining('metadata.labels: Invalid value: "__proto__"')]);
    expect((await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('proto') })).status).toBe(201);
    const patches: [unknown, string][] = [
      ['{"metadata":{"labels":{"__proto__":"y"}}}', MERGE],
      ['{"metadata":{"labels":{"__proto__":"y"}}}', 'application/strategic-merge-patch+json'],
      [[{ op: 'add', path: '/metadata/labels', value: {} }, { op: 'add', path: '/metadata/labels/__proto__', value: 'y' }], JSON_PATCH],
    ];
    for (const [body, type] of patches) {
      const r = await request(t, 'PATCH', '/api/v1/namespaces/default/services/proto', { body, type });
      expect([type, r.status, r.json.message]).toEqual([type, 422, expect.stringContaining('metadata.labels: Invalid value: "__proto__"')]);
    }
    expect((await request(t, 'GET', '/api/v1/namespaces/default/services/proto')).json.metadata.labels).toBeUndefined();
  });

  it('server-side apply refuses a body without the URL\'s apiVersion, and one with managedFields', async () => {
    const path = '/api/v1/namespaces/default/services/applied?fieldManager=tool';
    const bare = await request(t, 'PATCH', path, { body: { metadata: { name: 'applied' }, spec: { ports: [{ port: 80 }] } }, type: APPLY });
    expect([bare.status, bare.json.message]).toEqual([400, 'Incorrect version specified in apply patch. Specified patch version: , expected: v1']);
    const managed = await request(t, 'PATCH', path, { body: svc('applied', { managedFields: [{ manager: 'x', operation: 'Apply' }] }), type: APPLY });
    expect([managed.status, managed.json.message]).toEqual([400, 'metadata.managedFields must be nil']);
    expect((await request(t, 'GET', '/api/v1/namespaces/default/services/applied')).status).toBe(404);
    expect((await request(t, 'PATCH', path, { body: svc('applied'), type: APPLY })).status).toBe(201);
  });

  it('a resourceVersion the store has not reached is 504 Timeout with a ResourceVersionTooLarge cause, on list and on watch', async () => {
    for (const path of ['/api/v1/namespaces/default/services?resourceVersion=999999&resourceVersionMatch=NotOlderThan', '/api/v1/namespaces/default/services?watch=true&resourceVersion=999999']) {
      const r = await request(t, 'GET', path);
      expect([r.status, r.json.reason, r.json.details]).toEqual([504, 'Timeout', { retryAfterSeconds: 1, causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] }]);
      expect(r.json.message).toMatch(/^Timeout: Too large resource version: 999999, current: \d+$/);
    }
  });

  it('takes URLs up to kube-apiserver\'s 1 MiB of headers', async () => {
    const selector = `a in (${Array.from({ length: 5000 }, (_, i) => `v${i}`).join(',')})`;
    const path = `/api/v1/namespaces/default/services?labelSelector=${encodeURIComponent(selector)}`;
    expect(path.length).toBeGreaterThan(30_000);
    const r = await request(t, 'GET', path);
    expect([r.status, r.json.kind]).toEqual([200, 'ServiceList']);
    const huge = await request(t, 'GET', `/api/v1/namespaces/default/services?x=${'a'.repeat(100_000)}`);
    expect(huge.status).toBe(200);
  });

  it('checks write options per verb (CreateOptions, UpdateOptions, PatchOptions) and parameter types', async () => {
    const create = await request(t, 'POST', '/api/v1/namespaces/default/services?fieldValidation=bogus', { body: svc('opts') });
    expect([create.status, create.json.message]).toEqual([422, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "bogus": supported values: "", "Ignore", "Strict", "Warn"']);
    const control = await request(t, 'POST', '/api/v1/namespaces/default/services?fieldManager=a%07b', { body: svc('opts') });
    expect([control.status, control.json.message]).toEqual([422, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\ab": invalid character U+0007 (at position 1)']);
    const long = await request(t, 'POST', `/api/v1/namespaces/default/services?fieldManager=${'m'.repeat(129)}`, { body: svc('opts') });
    expect([long.status, long.json.message]).toEqual([422, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes']);
    expect((await request(t, 'POST', '/api/v1/namespaces/default/services', { body: svc('opts') })).status).toBe(201);
    const current = (await request(t, 'GET', '/api/v1/namespaces/default/services/opts')).json;
    const update = await request(t, 'PUT', '/api/v1/namespaces/default/services/opts?fieldValidation=bogus', { body: current });
    expect(update.json.message).toMatch(/^UpdateOptions\.meta\.k8s\.io "" is invalid: fieldValidation: /);
    const patch = await request(t, 'PATCH', '/api/v1/namespaces/default/services/opts?fieldValidation=bogus', { body: {}, type: MERGE });
    expect(patch.json.message).toMatch(/^PatchOptions\.meta\.k8s\.io "" is invalid: fieldValidation: /);
    const timeout = await request(t, 'GET', '/api/v1/namespaces/default/services?watch=true&timeoutSeconds=abc');
    expect([timeout.status, timeout.json.message]).toEqual([400, 'strconv.ParseInt: parsing "abc": invalid syntax']);
    const dry = await request(t, 'POST', '/api/v1/namespaces/default/services?dryRun=bogus', { body: svc('dry') });
    expect([dry.status, dry.json.message]).toEqual([422, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"bogus"}: supported values: "All"']);
  });

  it('reads limit as kube-apiserver does (an int64; a negative one lists everything), and refuses integers beyond ±(2^53-1)', async () => {
    const all = await request(t, 'GET', '/api/v1/namespaces');
    const negative = await request(t, 'GET', '/api/v1/namespaces?limit=-1');
    expect([negative.status, negative.json.items.length, negative.json.metadata.continue]).toEqual([200, all.json.items.length, undefined]);
    const bad = await request(t, 'GET', '/api/v1/namespaces?limit=abc');
    expect([bad.status, bad.json.message]).toEqual([400, 'strconv.ParseInt: parsing "abc": invalid syntax']);
    const grace = await request(t, 'DELETE', '/api/v1/namespaces/default/services/nope?gracePeriodSeconds=9007199254740994');
    expect([grace.status, grace.json.message]).toEqual([400, 'strconv.ParseInt: parsing "9007199254740994": value out of range']);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bigtgps' }, spec: { terminationGracePeriodSeconds: 9007199254740994, containers: [{ name: 'c', image: 'i' }] } };
    const created = await request(t, 'POST', '/api/v1/namespaces/default/pods', { body: pod });
    expect([created.status, created.json.message]).toEqual([
      400,
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number 9007199254740994 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64',
    ]);
    expect((await request(t, 'GET', '/api/v1/namespaces/default/pods/bigtgps')).status).toBe(404);
  });
});
