import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestApiClient } from './rest-api-client.js';

/** A watch server on a unix socket that writes what a test gives it, chunk by chunk. */
describe('RestApiClient watch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minimesh-rest-watch-'));
  const socket = join(dir, 'api.sock');
  let chunks: Buffer[] = [];
  let server: http.Server;
  let client: RestApiClient;

  beforeAll(async () => {
    server = http.createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const c of chunks) {
        res.write(c);
        await new Promise((r) => setTimeout(r, 20)); // separate chunks on the wire
      }
      res.end();
    });
    await new Promise<void>((r) => server.listen(socket, r));
    client = new RestApiClient({ server: `unix://${socket}`, configure: async () => undefined });
  });
  afterAll(async () => {
    client.close();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a character split between two chunks whole', async () => {
    const line = Buffer.from(`${JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', resourceVersion: '7', annotations: { note: 'größe 名前 🚀' } }, spec: {} } })}\n`);
    const at = line.indexOf(Buffer.from('名')) + 1; // inside the three bytes of 名
    chunks = [line.subarray(0, at), line.subarray(at)];
    const seen: string[] = [];
    for await (const ev of client.watch('Service', { namespace: 'default' })) {
      if (ev.type !== 'BOOKMARK') seen.push(ev.object?.metadata.annotations?.note ?? '');
    }
    expect(seen).toEqual(['größe 名前 🚀']);
  });

  it('reads several events in one chunk and one event over many', async () => {
    const ev = (n: number) => `${JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${n}`, namespace: 'default', resourceVersion: String(n) }, spec: {} } })}\n`;
    const many = Buffer.from(ev(1) + ev(2) + ev(3));
    const split = Buffer.from(ev(4));
    chunks = [many, ...Array.from({ length: split.length }, (_, i) => split.subarray(i, i + 1)).slice(0, 40), split.subarray(40)];
    const names: string[] = [];
    for await (const e of client.watch('Service', { namespace: 'default' })) if (e.type !== 'BOOKMARK') names.push(e.object?.metadata.name ?? '');
    expect(names).toEqual(['s1', 's2', 's3', 's4']);
  });
});
