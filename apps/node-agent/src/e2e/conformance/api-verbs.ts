/**
 * The API verbs a Kubernetes user reaches for (e2e "should patch a Service", "should delete a
 * collection of services", "should complete a service status lifecycle"), through the meshctl
 * binary and through gRPC, on the live cluster: patches of every type (the data plane following a
 * patched selector), label and annotate, DeleteCollection by label and by field, status conditions,
 * and a label-selected watch from a list's resourceVersion.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import type { WatchEvent } from '@minimesh/client';
import { eventually } from '@minimesh/runtime/testing';
import { NS, type Conformance } from './harness.js';

const MESHCTL = new URL('../../../../meshctl/bin/meshctl.mjs', import.meta.url).pathname;

async function meshctl(c: Conformance, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [MESHCTL, '-n', NS, ...args], { env: { ...process.env, ...(await c.cluster.env()) } });
  return stdout;
}

export function apiVerbsTheme(c: Conformance): void {
  it('meshctl patch (strategic, merge, json), label and annotate; the data plane follows a patched selector', async () => {
    await c.addPod('patched-a', 'node1', '--labels', 'app=pa');
    await c.addPod('patched-b', 'node2', '--labels', 'app=pb');
    const svc = await c.api.create(c.svc('patchme', { selector: { app: 'pa' }, ports: [{ name: 'http', port: 80 }] }));
    const url = `http://${svc.spec!.clusterIP}/`;
    expect(await c.reachable('client', url)).toMatch(/ patched-a /);
    expect(await meshctl(c, 'patch', 'service', 'patchme', '-p', '{"spec":{"selector":{"app":"pb"}}}')).toBe('service/patchme patched\n');
    await eventually(async () => (await c.spread('client', url, 6)).join() === 'patched-b');
    expect(await meshctl(c, 'patch', 'svc/patchme', '--type', 'merge', '-p', '{"spec":{"selector":{"app":"pb"}}}')).toBe('service/patchme patched (no change)\n');
    await meshctl(c, 'patch', 'svc', 'patchme', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/selector/app","value":"pa"}]');
    await eventually(async () => (await c.spread('client', url, 6)).join() === 'patched-a');
    expect(await meshctl(c, 'label', 'svc', 'patchme', 'tier=front')).toBe('service/patchme labeled\n');
    expect(await meshctl(c, 'annotate', 'svc', 'patchme', 'owner=team-a')).toBe('service/patchme annotated\n');
    const live = await c.api.get('Service', NS, 'patchme');
    expect([live.metadata.labels, live.metadata.annotations?.owner]).toEqual([{ tier: 'front' }, 'team-a']);
    // A gRPC strategic patch adds a port next to the existing one (merge key port+protocol).
    const twoPorts = await c.api.patch('Service', NS, 'patchme', 'strategic', { spec: { ports: [{ name: 'alt', port: 8080, targetPort: 80 }] } });
    expect(twoPorts.spec!.ports!.map((p) => p.port)).toEqual([8080, 80]);
    await c.reachable('client', `http://${svc.spec!.clusterIP}:8080/`);
    await c.api.delete('Service', NS, 'patchme');
    for (const p of ['patched-a', 'patched-b']) await c.cluster.must('pod', 'delete', p, '-n', NS);
  }, 90_000);

  it('DeleteCollection by label (meshctl delete -l) and by field selector (gRPC); the deleted IPs stop answering', async () => {
    const made: Service[] = [];
    for (const [name, tier] of [['dc-1', 'batch'], ['dc-2', 'batch'], ['dc-3', 'keep']] as const) {
      made.push(await c.api.create(c.svc(name, { selector: { app: 'web' }, ports: [{ port: 80 }] }, { tier })));
    }
    for (const s of made) await c.reachable('client', `http://${s.spec!.clusterIP}/`);
    expect(await meshctl(c, 'delete', 'svc', '-l', 'tier=batch')).toBe('service "dc-1" deleted\nservice "dc-2" deleted\n');
    await c.unreachable('client', `http://${made[0]!.spec!.clusterIP}/`);
    await c.unreachable('client', `http://${made[1]!.spec!.clusterIP}/`);
    expect((await c.api.list('Service', { namespace: NS, labelSelector: 'tier in (batch,keep)' })).items.map((s) => s.metadata.name)).toEqual(['dc-3']);
    const gone = await c.api.deleteCollection('Service', { namespace: NS, fieldSelector: 'metadata.name=dc-3' });
    expect(gone.map((s) => s.metadata.name)).toEqual(['dc-3']);
    await c.unreachable('client', `http://${made[2]!.spec!.clusterIP}/`);
  }, 90_000);

  it('status conditions: written through the status subresource (meshctl and gRPC), kept apart from the spec', async () => {
    await c.api.create(c.svc('with-status', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    const condition = { type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test', lastTransitionTime: '2026-01-01T00:00:00Z' };
    await meshctl(c, 'patch', 'svc', 'with-status', '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status: { conditions: [condition] } }));
    const viaGrpc = await c.api.get('Service', NS, 'with-status');
    expect(viaGrpc.status?.conditions).toEqual([condition]);
    // A status write never changes the spec, and a spec write never changes the status.
    await c.api.patch('Service', NS, 'with-status', 'merge', { spec: { sessionAffinity: 'ClientIP' }, status: { conditions: [] } }, { subresource: 'status' });
    const after = await c.api.get('Service', NS, 'with-status');
    expect([after.spec!.sessionAffinity, after.status?.conditions ?? []]).toEqual(['None', []]);
    await c.api.updateStatus({ ...after, status: { ...after.status, conditions: [{ ...condition, status: 'False', reason: 'Updated' }] } });
    await c.api.patch('Service', NS, 'with-status', 'merge', { metadata: { labels: { touched: 'yes' } } });
    const json = JSON.parse(await meshctl(c, 'get', 'svc', 'with-status', '-o', 'json'));
    expect(json.status.conditions).toEqual([{ ...condition, status: 'False', reason: 'Updated' }]);
    // Kubernetes' wording for a bad condition.
    await expect(
      c.api.patch('Service', NS, 'with-status', 'merge', { status: { conditions: [{ type: 'Bad', status: 'Maybe', reason: 'E2E', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }, { subresource: 'status' }),
    ).rejects.toThrow(/status.conditions\[0\].status: Unsupported value: "Maybe"/);
    await c.api.delete('Service', NS, 'with-status');
  }, 60_000);

  it('a label-selected watch from a list\'s resourceVersion delivers ADDED, MODIFIED and DELETED, and nothing else', async () => {
    const list = await c.api.list('Service', { namespace: NS, labelSelector: 'watched=yes' });
    const abort = new AbortController();
    const events: WatchEvent<Service>[] = [];
    const done = (async () => {
      for await (const e of c.api.watch('Service', { namespace: NS, labelSelector: 'watched=yes', resourceVersion: list.resourceVersion, storeId: list.storeId, signal: abort.signal })) {
        events.push(e);
      }
    })().catch((e: unknown) => {
      if (!abort.signal.aborted) throw e;
    });
    await c.api.create(c.svc('unwatched', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    await c.api.create(c.svc('watched', { selector: { app: 'web' }, ports: [{ port: 80 }] }, { watched: 'yes' }));
    await c.api.patch('Service', NS, 'watched', 'merge', { metadata: { annotations: { step: '2' } } });
    await c.api.patch('Service', NS, 'unwatched', 'merge', { metadata: { annotations: { step: '2' } } });
    await c.api.delete('Service', NS, 'watched');
    await eventually(async () => events.some((e) => e.type === 'DELETED'));
    abort.abort();
    await done;
    expect(events.map((e) => [e.type, e.object?.metadata.name, e.object?.metadata.annotations?.step])).toEqual([
      ['ADDED', 'watched', undefined],
      ['MODIFIED', 'watched', '2'],
      ['DELETED', 'watched', '2'],
    ]);
    await c.api.delete('Service', NS, 'unwatched');
  }, 60_000);
}
