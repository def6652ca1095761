/**
 * kube-proxy's /healthz and /livez (proxier_health.go): hung syncs fail both; a node being
 * deleted or tainted for deletion by the cluster autoscaler fails /healthz only, with
 * `nodeEligible: false`, so load balancers that probe it drain the node.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Node } from '@minimesh/api';
import { nodeEligible, startHealthz, TO_BE_DELETED_TAINT } from './healthz.js';
import { proxyMetrics } from './metrics.js';

const node = (over: Partial<Node> = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' }, ...over });

describe('node eligibility', () => {
  it('is lost when the Node is being deleted or carries the autoscaler\'s taint', () => {
    expect(nodeEligible(undefined)).toBe(true);
    expect(nodeEligible(node())).toBe(true);
    expect(nodeEligible(node({ spec: { taints: [{ key: 'other', effect: 'NoSchedule' }] } }))).toBe(true);
    expect(nodeEligible(node({ metadata: { name: 'node1', deletionTimestamp: '2026-01-01T00:00:00Z' } }))).toBe(false);
    expect(nodeEligible(node({ spec: { taints: [{ key: TO_BE_DELETED_TAINT, value: '1700000000', effect: 'NoSchedule' }] } }))).toBe(false);
  });
});

describe('/healthz and /livez', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('/healthz follows eligibility, /livez does not; both fail while hung', async () => {
    const src = { lastSynced: Date.now(), lastQueued: 0 };
    let current: Node = node();
    const h = await startHealthz('127.0.0.1:0', src, 1000, proxyMetrics(), () => nodeEligible(current));
    close = h.close;
    const get = async (path: string) => {
      const r = await fetch(`http://${h.address}${path}`);
      return { status: r.status, body: JSON.parse(await r.text()) as Record<string, unknown> };
    };
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { nodeEligible: true } });
    current = node({ spec: { taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] } });
    expect(await get('/healthz')).toMatchObject({ status: 503, body: { nodeEligible: false } });
    const live = await get('/livez');
    expect(live.status).toBe(200);
    expect(live.body).not.toHaveProperty('nodeEligible');
    current = node();
    src.lastQueued = Date.now() - 5000; // a change queued 5 s ago and never synced: hung
    src.lastSynced = Date.now() - 6000;
    expect((await get('/healthz')).status).toBe(503);
    expect((await get('/livez')).status).toBe(503);
  });
});
