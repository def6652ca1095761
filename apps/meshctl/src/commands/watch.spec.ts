import type { Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { harness } from '../testing/harness.js';

const svc = (name: string, port: number): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ port }] },
});

/** Lets the watch loop run until it waits for the next event. */
const settle = () => new Promise((r) => setTimeout(r, 10));

describe('meshctl get -w', () => {
  it('prints the list, then each change as a row without repeating the header', async () => {
    const h = harness();
    await h.client.create(svc('service-clusterip', 80));
    const running = h.meshctl('get', 'svc', '-w');
    await settle();
    await h.client.create(svc('web', 8080));
    const live = h.client.peek('Service', 'default', 'web') as Service;
    await h.client.update({ ...live, spec: { ...live.spec, type: 'NodePort' } });
    await h.client.delete('Service', 'default', 'service-clusterip');
    await settle();
    h.client.endWatches();
    expect(await running).toEqual({
      code: 0,
      stdout:
        'NAME                TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n' +
        'service-clusterip   ClusterIP   10.96.0.1    <none>        80/TCP    0s\n' +
        'web                 ClusterIP   10.96.0.2    <none>        8080/TCP   0s\n' +
        'web                 NodePort    10.96.0.2    <none>        8080:30000/TCP   0s\n' +
        'service-clusterip   ClusterIP   10.96.0.1    <none>        80/TCP           0s\n',
      stderr: '',
    });
    expect(h.client.calls).toContain('watch Service default/from 101');
  });

  it('shows event types with --output-watch-events and only the named object', async () => {
    const h = harness();
    await h.client.create(svc('a', 80));
    const running = h.meshctl('get', 'svc', 'a', '-w', '--output-watch-events');
    await settle();
    await h.client.create(svc('b', 81));
    await h.client.delete('Service', 'default', 'a');
    await settle();
    h.client.endWatches();
    expect((await running).stdout).toBe(
      'EVENT   NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n' +
        'ADDED   a      ClusterIP   10.96.0.1    <none>        80/TCP    0s\n' +
        'DELETED   a      ClusterIP   10.96.0.1    <none>        80/TCP    0s\n',
    );
  });

  it('prints the header with the first event when the list was empty, and watches only with --watch-only', async () => {
    const h = harness();
    const running = h.meshctl('get', 'svc', '--watch-only');
    await settle();
    await h.client.create(svc('a', 80));
    await settle();
    h.client.endWatches();
    expect(await running).toEqual({
      code: 0,
      stdout: 'NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\na      ClusterIP   10.96.0.1    <none>        80/TCP    0s\n',
      stderr: '',
    });
  });

  it('prints each object in yaml separated by ---, and fails for a missing named object', async () => {
    const h = harness();
    await h.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    const running = h.meshctl('get', 'ns', '-w', '-o', 'yaml');
    await settle();
    await h.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } });
    await settle();
    h.client.endWatches();
    const out = (await running).stdout;
    expect(out.split('---\n')).toHaveLength(2);
    expect(out).toContain('  name: a\n');
    expect(out).toContain('  name: b\n');
    expect(await harness().meshctl('get', 'svc', 'x', '-w')).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): services "x" not found\n' });
  });

  it('watches one resource type only, in kubectl\'s words', async () => {
    const h = harness();
    expect(await h.meshctl('get', 'svc,ep', '-w')).toEqual({ code: 1, stdout: '', stderr: 'error: you may only specify a single resource type\n' });
  });

  it('ends quietly when the signal aborts', async () => {
    const h = harness();
    const controller = new AbortController();
    const { run } = await import('../cli/run.js');
    const { BufferOutput } = await import('../cli/io.js');
    const out = new BufferOutput();
    const running = run(['get', 'ns', '-w'], { stdout: out, stderr: new BufferOutput(), client: h.client, signal: controller.signal });
    await settle();
    controller.abort();
    expect(await running).toBe(0);
  });
});
