/** One HTTPS request to a test apiserver's REST address, the path sent as written (no dot-segment resolution). */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { TestApiServer } from './test-apiserver.js';

export interface RestReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function restRequest(t: TestApiServer, method: string, path: string, o: { body?: unknown; type?: string; token?: string; accept?: string } = {}): Promise<RestReply> {
  const address = t.server.restAddress;
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
  const payload = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        method,
        path,
        ca: readFileSync(t.server.caFile),
        headers: {
          // content-length always: Node sends a DELETE's body unframed otherwise.
          ...(payload !== undefined ? { 'content-type': o.type ?? 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(o.accept ? { accept: o.accept } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
