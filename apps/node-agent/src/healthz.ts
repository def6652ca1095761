/**
 * kube-proxy's health endpoint (pkg/proxy/healthcheck/proxier_health.go): JSON
 * `{"lastUpdated": ..., "currentTime": ..., "nodeEligible": ...}`. Both /healthz and /livez are
 * 503 when a queued change has waited longer than the health timeout without a successful sync
 * (the agent is hung). /healthz is also 503 when the node should get no new traffic: its Node is
 * being deleted (deletionTimestamp) or is tainted ToBeDeletedByClusterAutoscaler, so load
 * balancers that probe it drain the node first; /livez ignores that (the agent is fine).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitHostPort } from '@minimesh/runtime';
import type { Node } from '@minimesh/api';
import type { ProxyMetrics } from './metrics.js';

export interface HealthSource {
  lastSynced: number;
  lastQueued: number;
}

/** The cluster autoscaler's taint on a node it is about to remove (kube-proxy's ToBeDeletedTaint). */
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';

/** kube-proxy's SyncNode: a node is eligible unless it is being deleted or tainted for deletion. */
export function nodeEligible(node: Node | undefined): boolean {
  if (!node) return true;
  if (node.metadata.deletionTimestamp) return false;
  return !(node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
}

/** Healthy: rules were synced once, and no queued change has waited longer than `timeoutMs`. */
export function proxyHealthy(src: HealthSource, timeoutMs: number, now = Date.now()): boolean {
  const hung = src.lastQueued > src.lastSynced && now - src.lastQueued > timeoutMs;
  return src.lastSynced > 0 && !hung;
}

export async function startHealthz(
  listen: string,
  src: HealthSource,
  timeoutMs: number,
  metrics: ProxyMetrics,
  eligible: () => boolean = () => true,
): Promise<{ address: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/livez') {
      res.writeHead(404).end('not found');
      return;
    }
    const now = Date.now();
    const healthy = proxyHealthy(src, timeoutMs, now);
    const nodeOk = eligible();
    const code = healthy && (path === '/livez' || nodeOk) ? 200 : 503;
    (path === '/healthz' ? metrics.healthz : metrics.livez).inc({ code: String(code) });
    res.writeHead(code, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
    res.end(
      JSON.stringify({
        lastUpdated: new Date(src.lastSynced || 0).toISOString(),
        currentTime: new Date(now).toISOString(),
        ...(path === '/healthz' ? { nodeEligible: nodeOk } : {}),
      }),
    );
  });
  const { host, port } = splitHostPort(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    address: `${host}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
