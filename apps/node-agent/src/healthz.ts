/**
 * kube-proxy's health endpoint: /healthz and /livez answer JSON
 * `{"lastUpdated": ..., "currentTime": ..., "nodeEligible": true}`, 503 when a queued change has
 * waited longer than the health timeout without a successful sync (the agent is hung).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitHostPort } from '@minimesh/runtime';
import type { ProxyMetrics } from './metrics.js';

export interface HealthSource {
  lastSynced: number;
  lastQueued: number;
}

/** Healthy: rules were synced once, and no queued change has waited longer than `timeoutMs`. */
export function proxyHealthy(src: HealthSource, timeoutMs: number, now = Date.now()): boolean {
  const hung = src.lastQueued > src.lastSynced && now - src.lastQueued > timeoutMs;
  return src.lastSynced > 0 && !hung;
}

export async function startHealthz(listen: string, src: HealthSource, timeoutMs: number, metrics: ProxyMetrics): Promise<{ address: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/livez') {
      res.writeHead(404).end('not found');
      return;
    }
    const now = Date.now();
    const healthy = proxyHealthy(src, timeoutMs, now);
    const code = healthy ? 200 : 503;
    (path === '/healthz' ? metrics.healthz : metrics.livez).inc({ code: String(code) });
    res.writeHead(code, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
    res.end(
      JSON.stringify({
        lastUpdated: new Date(src.lastSynced || 0).toISOString(),
        currentTime: new Date(now).toISOString(),
        nodeEligible: true,
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
