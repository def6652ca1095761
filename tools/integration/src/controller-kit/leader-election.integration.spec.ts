/** Leader election between replicas against a real apiserver. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { eventually } from '@minimesh/runtime/testing';
import { LeaderElector } from '@minimesh/controller-kit';

function candidate(t: TestApiServer, identity: string, log: string[]) {
  return new LeaderElector({
    client: t.client,
    namespace: 'kube-system',
    name: 'test-controller',
    identity,
    leaseDurationMs: 1500,
    renewDeadlineMs: 1000,
    retryPeriodMs: 200,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
}

describe('LeaderElector', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
  });
  afterAll(async () => t?.stop());

  it('leader election - exactly one of two replicas leads; the other takes over when it stops', async () => {
    const log: string[] = [];
    const a = candidate(t, 'a', log);
    const b = candidate(t, 'b', log);
    a.start();
    await eventually(() => a.isLeader());
    b.start();
    await new Promise((r) => setTimeout(r, 800));
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    const lease = await t.client.get('Lease', 'kube-system', 'test-controller');
    expect(lease.spec?.holderIdentity).toBe('a');
    await a.stop(); // releases: b takes over at its next retry
    await eventually(() => b.isLeader(), 3000);
    await b.stop();
    expect(log).toEqual(['a leads', 'a stops', 'b leads', 'b stops']);
  });

  it('leader election - a leader that dies silently is replaced after the lease duration', async () => {
    const log: string[] = [];
    const a = candidate(t, 'dead', log);
    a.start();
    await eventually(() => a.isLeader());
    // Simulate a crash: stop renewing without releasing.
    (a as unknown as { stopped: boolean }).stopped = true;
    const b = candidate(t, 'heir', log);
    const t0 = Date.now();
    b.start();
    await eventually(() => b.isLeader(), 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    const lease = await t.client.get('Lease', 'kube-system', 'test-controller');
    expect(lease.spec?.holderIdentity).toBe('heir');
    expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    await b.stop();
  });
});

describe('LeaderElector with an apiserver that stops answering', () => {
  it('leader election - a leader whose requests hang steps down within the renew deadline', async () => {
    let hang = false;
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x', namespace: 'kube-system', resourceVersion: '1' }, spec: {} };
    const forever = new Promise<never>(() => undefined);
    const client = {
      get: async () => (hang ? forever : structuredClone(lease)),
      update: async (o: typeof lease) => (hang ? forever : { ...o, metadata: { ...o.metadata, resourceVersion: String(Number(o.metadata.resourceVersion) + 1) } }),
      create: async () => (hang ? forever : lease),
    } as unknown as import('@minimesh/client').ApiClient;
    const log: string[] = [];
    const e = new LeaderElector({
      client,
      namespace: 'kube-system',
      name: 'x',
      identity: 'me',
      leaseDurationMs: 900,
      renewDeadlineMs: 600,
      retryPeriodMs: 100,
      onStartedLeading: () => log.push('leads'),
      onStoppedLeading: () => log.push('stops'),
    });
    e.start();
    await eventually(() => e.isLeader(), 2000);
    hang = true;
    const t0 = Date.now();
    await eventually(() => !e.isLeader(), 3000);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(log).toEqual(['leads', 'stops']);
    (e as unknown as { stopped: boolean }).stopped = true;
  });
});
