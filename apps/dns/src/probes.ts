/**
 * The HTTP side, on three addresses like CoreDNS: `/health` (the health plugin: 200 OK while the
 * process runs, lame duck included), `/ready` (the ready plugin: 200 OK once every plugin that
 * reports readiness is ready, 503 with their names otherwise and in lame duck), `/metrics`.
 * Each address also serves the house's /healthz, /readyz and /metrics. The health plugin's
 * own metrics come from probing /health once a second.
 */
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { startHttpEndpoint, type HttpEndpoint } from '@minimesh/runtime';
import type { Registry } from 'prom-client';
import type { DnsMetrics } from './metrics.js';

export interface ProbeOptions {
  healthListen: string;
  readyListen: string;
  metricsListen: string;
  /** What /metrics prints. */
  registry: Registry;
  /** The health plugin's metrics, fed by probing /health once a second. */
  health: DnsMetrics['health'];
  /** Names of the plugins that are not ready yet (empty: ready). */
  notReady: () => string[];
}

export interface Probes {
  health: string;
  ready: string;
  metrics: string;
  /** /ready fails from now on; /health still says OK. */
  enterLameDuck(): void;
  close(): Promise<void>;
}

const text = (res: ServerResponse, code: number, body: string) => {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
};

export async function startProbes(o: ProbeOptions): Promise<Probes> {
  let lameDuck = false;
  const pending = () => (lameDuck ? ['lameduck'] : o.notReady());
  const ready = () => pending().length === 0;
  const endpoints: HttpEndpoint[] = [];
  const start = async (listen: string, routes: Record<string, (res: ServerResponse) => void>) => {
    const e = await startHttpEndpoint({ listen, registry: o.registry, ready, routes });
    endpoints.push(e);
    return e;
  };
  try {
    const health = await start(o.healthListen, { '/health': (res) => text(res, 200, 'OK') });
    const readyEp = await start(o.readyListen, {
      '/ready': (res) => {
        const p = pending();
        if (p.length === 0) text(res, 200, 'OK');
        else text(res, 503, p.join(', '));
      },
    });
    const metrics = await start(o.metricsListen, {});
    const self = health.address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[?::\]?:/, '[::1]:');
    const timer = setInterval(() => {
      const started = performance.now();
      const req = http.get(`http://${self}/health`, { timeout: 1000 }, (res) => {
        res.resume();
        o.health.duration.observe((performance.now() - started) / 1000);
        if (res.statusCode !== 200) o.health.failures.inc();
      });
      req.on('error', () => o.health.failures.inc());
      req.on('timeout', () => req.destroy());
    }, 1000);
    timer.unref();
    return {
      health: health.address,
      ready: readyEp.address,
      metrics: metrics.address,
      enterLameDuck: () => void (lameDuck = true),
      close: async () => {
        clearInterval(timer);
        await Promise.all(endpoints.map((e) => e.close()));
      },
    };
  } catch (e) {
    await Promise.all(endpoints.map((x) => x.close()));
    throw e;
  }
}

/** A worker's (workers.ts): the primary process serves the probes for all of them. */
export function noProbes(): Probes {
  return { health: '', ready: '', metrics: '', enterLameDuck: () => {}, close: async () => {} };
}
