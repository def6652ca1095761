/**
 * Ending pods as a kubelet does: which Pod events the cluster's kubelet acts on, and the order of
 * a termination (the object stays marked while the program stops, and goes only after), with an
 * in-memory apiserver and a real process. The pod is a hostNetwork one, so no namespace is needed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { eventually, tempDir } from '@minimesh/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubeTime, podObject } from './objects.js';
import { forgetPod, kubeletAction, missedDeletions, stopGraceMs, terminatePod } from './pod-termination.js';
import { isAlive, pidFile, startDetached, type ProcessRecord } from './processes.js';
import { podKey, podProcessName, readState, stateLayout, writeState, type ClusterState, type PodRecord, type StateLayout } from './state.js';
import { planCluster } from './topology.js';

const plan = planCluster('pt', 2);
const node1 = plan.nodes[0]!;

function record(name: string, uid?: string): PodRecord {
  return { name, namespace: 'study', node: 'node1', ip: node1.ip, netns: node1.netns, hostVeth: '', ports: [{ containerPort: 80, protocol: 'TCP' }], process: podProcessName('study', name), hostNetwork: true, ...(uid ? { uid } : {}) };
}

function pod(name: string, meta: Partial<Pod['metadata']> = {}, nodeName = 'node1'): Pod {
  const p = podObject({ name, namespace: 'study', node: { ...node1, name: nodeName }, ip: node1.ip, labels: {}, ports: [], ready: true, now: kubeTime(), hostNetwork: true });
  return { ...p, metadata: { ...p.metadata, uid: 'u1', ...meta } };
}

describe('kubeletAction', () => {
  const state = { plan, pods: { [podKey('study', 'web')]: record('web', 'u1'), [podKey('study', 'legacy')]: record('legacy') } };
  const marked = { deletionTimestamp: '2026-12-05T00:00:30Z', deletionGracePeriodSeconds: 30 };

  it('terminates pods marked for deletion on the cluster\'s nodes, whether it runs them or not', () => {
    expect(kubeletAction('MODIFIED', pod('web', marked), state)).toBe('terminate');
    expect(kubeletAction('ADDED', pod('web', marked), state)).toBe('terminate');
    expect(kubeletAction('MODIFIED', pod('legacy', marked), state)).toBe('terminate');
    // Created through the API for one of the cluster's nodes: nothing runs, the delete is confirmed.
    expect(kubeletAction('MODIFIED', pod('api-only', marked, 'node2'), state)).toBe('terminate');
  });

  it('leaves alone pods not marked, pods of other nodes, and another pod of the same name', () => {
    expect(kubeletAction('MODIFIED', pod('web'), state)).toBeUndefined();
    expect(kubeletAction('MODIFIED', pod('web', marked, 'elsewhere'), state)).toBeUndefined();
    expect(kubeletAction('MODIFIED', pod('web', { ...marked, uid: 'u2' }), state)).toBeUndefined();
  });

  it('forgets a pod removed outright (forced delete) that it still runs, by uid only', () => {
    expect(kubeletAction('DELETED', pod('web'), state)).toBe('forget');
    expect(kubeletAction('DELETED', pod('web', { uid: 'u2' }), state)).toBeUndefined();
    expect(kubeletAction('DELETED', pod('legacy'), state)).toBeUndefined();
    expect(kubeletAction('DELETED', pod('gone'), state)).toBeUndefined();
  });

  it('a relist that no longer has a pod it runs stands for the missed DELETED event', () => {
    const records = [record('web', 'u1'), record('kept', 'u2'), record('legacy')];
    const missed = missedDeletions(records, [pod('kept', { uid: 'u2' })]);
    expect(missed.map((p) => [p.metadata.name, p.metadata.uid])).toEqual([['web', 'u1']]);
    expect(kubeletAction('DELETED', missed[0]!, state)).toBe('forget');
  });

  it('stops within the deletion grace period, else the pod\'s own, at least 200 ms', () => {
    expect(stopGraceMs(pod('web', marked))).toBe(30_000);
    expect(stopGraceMs({ ...pod('web'), spec: { ...pod('web').spec, terminationGracePeriodSeconds: 5 } })).toBe(5000);
    expect(stopGraceMs(pod('web', { deletionGracePeriodSeconds: 0 }))).toBe(200);
  });
});

describe.skipIf(process.platform !== 'linux')('terminatePod', () => {
  let dir: ReturnType<typeof tempDir>;
  let layout: StateLayout;
  let proc: ProcessRecord | undefined;

  beforeEach(() => {
    dir = tempDir('mm-term-');
    layout = stateLayout('pt', { MINIMESH_CLUSTER_STATE_DIR: dir.path });
  });
  afterEach(() => {
    if (proc && isAlive(proc.pid, proc.startTime)) process.kill(proc.pid, 'SIGKILL');
    dir.remove();
  });

  /** A pod's program that ignores SIGTERM for `drainMs` (Infinity: for good), its record and its Pod object. */
  async function runPod(api: FakeApiClient, name: string, drainMs: number): Promise<Pod> {
    const script = `process.on('SIGTERM', () => { if (${Number.isFinite(drainMs)}) setTimeout(() => process.exit(0), ${Number.isFinite(drainMs) ? drainMs : 0}); }); setInterval(() => {}, 1000); console.log('up');`;
    const logFile = join(dir.path, `${name}.log`);
    proc = startDetached({ name: podProcessName('study', name), command: process.execPath, args: ['-e', script], env: process.env, logFile, pidDir: layout.pidDir });
    await eventually(async () => readFileSync(logFile, 'utf8').includes('up')); // its SIGTERM handler is in place
    const created = await api.create(pod(name, { uid: undefined }));
    const state: ClusterState = {
      name: 'pt',
      createdAt: new Date().toISOString(),
      status: 'up',
      plan,
      serviceCIDR: '10.96.0.0/12',
      apiserver: { address: '', unix: '', http: '' },
      nats: { url: '' },
      processes: [],
      pods: { [podKey('study', name)]: record(name, created.metadata.uid) },
    };
    writeState(layout, state);
    return created;
  }

  it('stops the program (SIGTERM, SIGKILL when the grace period is over) before the object goes', async () => {
    const api = new FakeApiClient();
    await runPod(api, 'stubborn', Infinity);
    const marked = await api.delete('Pod', 'study', 'stubborn', { gracePeriodSeconds: 1 });
    expect(marked.metadata).toMatchObject({ deletionGracePeriodSeconds: 1, deletionTimestamp: expect.any(String) });
    const t0 = Date.now();
    const ending = terminatePod(api, 'pt', layout, marked);
    await new Promise((r) => setTimeout(r, 500));
    // Half way: still running, the object still readable and marked.
    expect(isAlive(proc!.pid, proc!.startTime)).toBe(true);
    expect((await api.get('Pod', 'study', 'stubborn')).metadata.deletionTimestamp).toBeDefined();
    await ending;
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(4000);
    expect(isAlive(proc!.pid, proc!.startTime)).toBe(false);
    expect(api.peek('Pod', 'study', 'stubborn')).toBeUndefined();
    expect(readState(layout)?.pods).toEqual({});
    expect(existsSync(pidFile(layout.pidDir, podProcessName('study', 'stubborn')))).toBe(false);
    expect(api.calls.filter((c) => c.startsWith('delete'))).toEqual(['delete Pod study/stubborn', 'delete Pod study/stubborn']);
  });

  it('two at once (pod delete and the kubelet) both wait for the program; the object goes once', async () => {
    const api = new FakeApiClient();
    await runPod(api, 'draining', 600);
    const marked = await api.delete('Pod', 'study', 'draining', { gracePeriodSeconds: 5 });
    const t0 = Date.now();
    const seen: string[] = [];
    const both = [terminatePod(api, 'pt', layout, marked), terminatePod(api, 'pt', layout, marked)].map((p) => p.then(() => seen.push(`${Date.now() - t0 >= 550}`)));
    await Promise.all(both);
    expect(seen).toEqual(['true', 'true']);
    expect(isAlive(proc!.pid, proc!.startTime)).toBe(false);
    expect(api.peek('Pod', 'study', 'draining')).toBeUndefined();
  });

  it('a shorter grace period asked for a pod already terminating (pod delete --grace-period 0) stops it within that one', async () => {
    const api = new FakeApiClient();
    await runPod(api, 'slow', Infinity);
    await api.delete('Pod', 'study', 'slow', { gracePeriodSeconds: 30 });
    const gone = await api.delete('Pod', 'study', 'slow', { gracePeriodSeconds: 0 });
    expect(gone.metadata.deletionGracePeriodSeconds).toBe(30); // the object as it was marked
    const t0 = Date.now();
    await terminatePod(api, 'pt', layout, gone, 0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(isAlive(proc!.pid, proc!.startTime)).toBe(false);
  });

  it('forgetPod stops a pod already gone from the API and forgets it', async () => {
    const api = new FakeApiClient();
    const created = await runPod(api, 'forced', Infinity);
    const gone = await api.delete('Pod', 'study', 'forced', { gracePeriodSeconds: 0 });
    expect(api.peek('Pod', 'study', 'forced')).toBeUndefined();
    expect(kubeletAction('DELETED', gone, readState(layout)!)).toBe('forget');
    expect(gone.metadata.uid).toBe(created.metadata.uid);
    await forgetPod('pt', layout, gone);
    expect(isAlive(proc!.pid, proc!.startTime)).toBe(false);
    expect(readState(layout)?.pods).toEqual({});
  });
});
