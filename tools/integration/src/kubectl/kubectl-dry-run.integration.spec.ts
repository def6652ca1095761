/**
 * The real kubectl's server-side dry runs against a real apiserver: `create --dry-run=server -o yaml`,
 * `apply --dry-run=server` (client-side and server-side apply), `delete --dry-run=server` and
 * `kubectl diff` (a dry-run patch, or a dry-run server-side apply with --server-side), each with
 * kubectl's own output, and nothing written. Skipped, with one line, where kubectl is not installed.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApiServer } from '@minimesh/apiserver/testing';
import { HAS_KUBECTL, startKubectlTarget, type KubectlTarget } from '../testing/kubectl-target.js';

if (!HAS_KUBECTL) console.log('kubectl dry-run suite skipped: kubectl is not installed on this machine');

const manifest = (name: string, labels: Record<string, string>, type = 'ClusterIP') =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: default\n  labels:\n${Object.entries(labels)
    .map(([k, v]) => `    ${k}: "${v}"\n`)
    .join('')}spec:\n  type: ${type}\n  selector:\n    app: ${name}\n  ports:\n  - port: 80\n    targetPort: 8080\n`;

describe.skipIf(!HAS_KUBECTL)('kubectl --dry-run=server and kubectl diff against the REST API', () => {
  let target: KubectlTarget;
  let t: TestApiServer;
  const kubectl = (...args: string[]) => target.kubectl(args);
  const file = (name: string, text: string) => {
    const path = join(target.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const revision = async () => await t.server.store.revision();

  beforeAll(async () => {
    target = await startKubectlTarget('minimesh-kubectl-dry-');
    t = target.t;
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('create --dry-run=server -o yaml prints the object the server would store, and stores nothing', async () => {
    const rv = await revision();
    const r = await kubectl('create', '-f', file('web.yaml', manifest('web', { tier: 'front' }, 'NodePort')), '--dry-run=server', '-o', 'yaml');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/^kind: Service$/m);
    expect(r.out).toMatch(/^ {2}uid: [0-9a-f-]{36}$/m);
    expect(r.out).toMatch(/^ {2}clusterIP: 10\.\d+\.\d+\.\d+$/m);
    expect(r.out).toMatch(/nodePort: 3\d{4}$/m);
    expect(r.out).not.toMatch(/resourceVersion/);
    const plain = await kubectl('create', '-f', join(target.dir, 'web.yaml'), '--dry-run=server');
    expect(plain.out).toBe('service/web created (server dry run)\n');
    expect((await kubectl('get', 'svc', 'web')).err).toBe('Error from server (NotFound): services "web" not found\n');
    expect(await revision()).toBe(rv);
  });

  it('apply --dry-run=server, client-side and server-side, says what it would do and does nothing', async () => {
    const path = file('api.yaml', manifest('api', { tier: 'back' }));
    const rv = await revision();
    expect((await kubectl('apply', '-f', path, '--dry-run=server')).out).toBe('service/api created (server dry run)\n');
    expect((await kubectl('apply', '--server-side', '-f', path, '--dry-run=server')).out).toBe('service/api serverside-applied (server dry run)\n');
    expect(await revision()).toBe(rv);
    expect((await kubectl('get', 'svc', 'api')).code).toBe(1);

    expect((await kubectl('apply', '-f', path)).out).toBe('service/api created\n');
    const stored = (await kubectl('get', 'svc', 'api', '-o', 'json')).out;
    const rv2 = await revision();
    const changed = file('api2.yaml', manifest('api', { tier: 'middle' }));
    expect((await kubectl('apply', '-f', changed, '--dry-run=server')).out).toBe('service/api configured (server dry run)\n');
    expect((await kubectl('apply', '-f', path, '--dry-run=server')).out).toBe('service/api unchanged (server dry run)\n');
    expect(await revision()).toBe(rv2);
    expect((await kubectl('get', 'svc', 'api', '-o', 'json')).out).toBe(stored);
  });

  it('kubectl diff shows what apply would change (client-side and --server-side), exit 1; nothing to change is exit 0', async () => {
    // One object applied client-side, one server-side: each diffed the way it is applied.
    for (const [name, extra] of [['diffed', []], ['ssa-diffed', ['--server-side']]] as const) {
      const path = file(`${name}.yaml`, manifest(name, { version: 'one' }));
      expect((await kubectl('apply', ...extra, '-f', path)).code).toBe(0);
      const rv = await revision();
      const same = await kubectl('diff', ...extra, '-f', path);
      expect([name, same.code, same.out, same.err]).toEqual([name, 0, '', '']);
      const d = await kubectl('diff', ...extra, '-f', file(`${name}2.yaml`, manifest(name, { version: 'two' })));
      expect([name, d.code, d.err]).toEqual([name, 1, '']);
      expect(d.out).toMatch(/^-\s+version: one$/m);
      expect(d.out).toMatch(/^\+\s+version: two$/m);
      expect(d.out).not.toMatch(/^[-+]\s+clusterIP:/m);
      expect(await revision()).toBe(rv);
      expect((await kubectl('get', 'svc', name, '-o', 'jsonpath={.metadata.labels.version}')).out).toBe('one');
    }
    // A new object diffs against nothing: the whole object as the server would create it.
    const rv = await revision();
    const fresh = await kubectl('diff', '-f', file('fresh.yaml', manifest('fresh', { a: 'b' })));
    expect([fresh.code, fresh.err]).toEqual([1, '']);
    expect(fresh.out).toMatch(/^\+\s+name: fresh$/m);
    expect(fresh.out).toMatch(/^\+\s+clusterIP: 10\./m);
    expect(await revision()).toBe(rv);
    expect((await kubectl('get', 'svc', 'fresh')).code).toBe(1);
  });

  it('delete --dry-run=server says deleted and leaves the object', async () => {
    expect((await kubectl('create', 'service', 'clusterip', 'doomed', '--tcp=80:80')).code).toBe(0);
    const rv = await revision();
    expect((await kubectl('delete', 'svc', 'doomed', '--dry-run=server')).out).toBe('service "doomed" deleted (server dry run)\n');
    expect((await kubectl('get', 'svc', 'doomed', '-o', 'name')).out).toBe('service/doomed\n');
    expect(await revision()).toBe(rv);
  });
});
