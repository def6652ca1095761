/**
 * What cluster DNS pays to rebuild its snapshot after one change (a script that prints figures;
 * not a test): N Services with a ClusterIP and N EndpointSlices of 3 ready endpoints, one Service
 * and its slice replaced before each rebuild, as the informer replaces an object on update. The
 * objects are deep-frozen as the informer cache holds them, so buildSnapshot reuses the records of
 * the unchanged ones; the "every object converted" column is the same input unfrozen (what a
 * rebuild cost before the records were kept).
 *
 *   npx tsx apps/dns/bench/snapshot.ts [--sizes 1000,10000] [--rounds 30]
 */
import { parseArgs } from 'node:util';
import type { EndpointSlice, Namespace, Service } from '@minimesh/api';
import { buildSnapshot } from '@minimesh/dns-core';
import { deepFreeze } from '@minimesh/dns-core/testing';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000' }, rounds: { type: 'string', default: '30' } } });
const SIZES = values.sizes.split(',').map(Number);
const ROUNDS = Number(values.rounds);
if (!SIZES.every((n) => Number.isInteger(n) && n > 0 && n <= 200_000) || !(Number.isInteger(ROUNDS) && ROUNDS > 0)) {
  console.error('usage: npx tsx apps/dns/bench/snapshot.ts [--sizes 1000,10000] [--rounds 30]');
  process.exit(2);
}

const ip = (base: number, i: number) => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

function serviceAt(i: number, generation: number): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'bench', resourceVersion: String(generation) }, spec: { clusterIP: ip(96, i), clusterIPs: [ip(96, i)], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
}

function sliceAt(i: number, generation: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name: `svc-${i}-x`, namespace: 'bench', resourceVersion: String(generation), labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [1, 2, 3].map((k) => ({ addresses: [`10.244.${k}.${((i + generation) % 250) + 2}`], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `web-${k}`, namespace: 'bench' } })),
  };
}

/** Median and worst ms of ROUNDS rebuilds, one Service and its slice replaced before each. */
function measure(n: number, frozen: boolean): { median: number; worst: number } {
  const keep = <T>(o: T) => (frozen ? deepFreeze(o) : o);
  const services = Array.from({ length: n }, (_, i) => keep(serviceAt(i, 1)));
  const slices = Array.from({ length: n }, (_, i) => keep(sliceAt(i, 1)));
  const namespaces: Namespace[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }];
  const build = () => buildSnapshot({ services, slices, namespaces, synced: true, serial: 1 });
  build(); // the first build converts everything either way
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const i = (r * 7919) % n;
    services[i] = keep(serviceAt(i, r + 2));
    slices[i] = keep(sliceAt(i, r + 2));
    const t = performance.now();
    const snap = build();
    times.push(performance.now() - t);
    if (snap.services.size !== n) throw new Error('wrong snapshot');
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, worst: times[times.length - 1]! };
}

const f = (x: number) => x.toFixed(1).padStart(7);
console.log(`cluster DNS snapshot rebuild after one change, ${ROUNDS} rounds, ms (node ${process.version})`);
console.log(`${'services'.padStart(9)} | ${'kept records: median / worst'.padStart(29)} | ${'every object converted: median / worst'.padStart(39)}`);
for (const n of SIZES) {
  const kept = measure(n, true);
  const all = measure(n, false);
  console.log(`${String(n).padStart(9)} | ${f(kept.median)} / ${f(kept.worst)}${' '.repeat(12)} | ${f(all.median)} / ${f(all.worst)}`);
}
