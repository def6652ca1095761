/** grpc.health.v1 over a real server: Watch needs no credentials, so one address holds a bounded number. */
import { credentials, status as Code, type ClientReadableStream } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { pbHealth } from '@minimesh/proto';
import { StreamTracker } from './handlers.js';
import { HealthService } from './health.js';
import { listen, newServer, stopServer } from './server.js';

describe('health', () => {
  it('refuses a Watch beyond maxWatchesPerAddress with RESOURCE_EXHAUSTED; one ending makes room', async () => {
    const server = newServer();
    const streams = new StreamTracker();
    const health = new HealthService(['x.v1.X']);
    health.addTo(server, streams, { maxWatchesPerAddress: 2 });
    const [address] = await listen(server, '127.0.0.1:0');
    health.setServing(true);
    const client = new pbHealth.HealthClient(address!, credentials.createInsecure());
    const first = (s: ClientReadableStream<pbHealth.HealthCheckResponse>) =>
      new Promise<number>((resolve) => {
        s.once('data', (r: pbHealth.HealthCheckResponse) => resolve(r.status));
        s.once('error', (e: { code: number }) => resolve(-e.code));
      });
    try {
      const a = client.watch({ service: '' });
      const b = client.watch({ service: 'x.v1.X' });
      expect([await first(a), await first(b)]).toEqual([pbHealth.HealthCheckResponse_ServingStatus.SERVING, pbHealth.HealthCheckResponse_ServingStatus.SERVING]);
      expect(health.watchesOf('127.0.0.1')).toBe(2);
      const c = client.watch({ service: '' });
      const refused = await new Promise<{ code: number; details: string }>((resolve) => c.once('error', resolve));
      expect([refused.code, refused.details]).toEqual([Code.RESOURCE_EXHAUSTED, 'Too many requests: 127.0.0.1 has 2 health watches open (limit 2), please try again later.']);
      a.on('error', () => undefined);
      a.cancel();
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 5000;
        const poll = () => (health.watchesOf('127.0.0.1') === 1 ? resolve() : Date.now() > deadline ? reject(new Error('still 2')) : setTimeout(poll, 20));
        poll();
      });
      const d = client.watch({ service: '' });
      expect(await first(d)).toBe(pbHealth.HealthCheckResponse_ServingStatus.SERVING);
      for (const s of [b, d]) {
        s.on('error', () => undefined);
        s.cancel();
      }
    } finally {
      client.close();
      await stopServer(server, streams, 1000);
    }
  });
});
