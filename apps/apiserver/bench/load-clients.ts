/**
 * The benchmark's load clients: creates over gRPC without @minimesh/client, and watchers that
 * count events without decoding them (minimesh's gRPC and REST watches, etcd's gateway watches).
 */
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { connect as connectHttp2 } from 'node:http2';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { Client, Metadata, credentials, type ClientReadableStream } from '@grpc/grpc-js';
import type { KubeObject } from '@minimesh/api';
import { BinaryReader, pb } from '@minimesh/proto';
import { objectToWire } from '@minimesh/wire';

/** An apiserver of the benchmark: its port, CA, token, and the namespace of its Services. */
export interface Target {
  port: number;
  caFile: string;
  token: string;
  namespace: string;
}

export type WatchRpc = 'Watch' | 'WatchBatched';

export interface Creates {
  create: (name: string) => Promise<void>;
  close: () => void;
}

/** Events each watcher has counted so far. */
export interface Watchers {
  events: () => number[];
  close: () => void;
}

/** TLS to the bench's apiserver, and the bearer token. */
function grpcCredentials(caFile: string, token: string): { creds: ReturnType<typeof credentials.createSsl>; md: Metadata } {
  const creds = credentials.createSsl(readFileSync(caFile), null, null, { checkServerIdentity: (_host, cert) => checkServerIdentity('127.0.0.1', cert) });
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return { creds, md };
}

/**
 * Creates over gRPC from `clientCount` bare grpc-js clients (one connection each) doing what the REST
 * and etcd load do: the request encoded for each call, the answer taken as bytes, not decoded.
 */
export function bareGrpcCreates(t: Target, clientCount: number, objectOf: (name: string) => KubeObject): Creates {
  const { creds, md } = grpcCredentials(t.caFile, t.token);
  const clients = Array.from({ length: clientCount }, () => new Client(`127.0.0.1:${t.port}`, creds, { 'grpc.ssl_target_name_override': 'kubernetes' }));
  const encode = (req: pb.CreateRequest) => Buffer.from(pb.CreateRequest.encode(req).finish());
  let next = 0;
  return {
    create: (name) =>
      new Promise<void>((resolve, reject) => {
        const req = { object: objectToWire(objectOf(name)) };
        clients[next++ % clientCount]!.makeUnaryRequest('/minimesh.v1.ApiService/Create', encode, (b: Buffer) => b, req, md, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => {
      for (const c of clients) c.close();
    },
  };
}

/**
 * Creates over gRPC from `clientCount` HTTP/2 connections of node:http2, the gRPC protocol written
 * out (a length-prefixed message in a POST, the status in the trailers), as lean clients such as
 * Go's or ghz send it: again the request encoded per call, the answer's bytes not decoded.
 */
export function h2GrpcCreates(t: Target, clientCount: number, objectOf: (name: string) => KubeObject): Creates {
  const ca = readFileSync(t.caFile);
  const sessions = Array.from({ length: clientCount }, () => connectHttp2(`https://127.0.0.1:${t.port}`, { ca, servername: 'kubernetes', checkServerIdentity: (_host, cert) => checkServerIdentity('kubernetes', cert) }));
  for (const s of sessions) s.on('error', () => undefined);
  const headers = { ':method': 'POST', ':path': '/minimesh.v1.ApiService/Create', 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${t.token}` };
  let next = 0;
  return {
    create: (name) =>
      new Promise<void>((resolve, reject) => {
        const message = pb.CreateRequest.encode({ object: objectToWire(objectOf(name)) }).finish();
        const frame = Buffer.allocUnsafe(5 + message.length);
        frame[0] = 0; // not compressed
        frame.writeUInt32BE(message.length, 1);
        frame.set(message, 5);
        const stream = sessions[next++ % clientCount]!.request(headers);
        let status: string | undefined;
        stream.on('response', (h) => (status = h['grpc-status'] as string | undefined)); // a trailers-only answer
        stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
        stream.on('data', () => undefined);
        stream.on('error', reject);
        stream.on('close', () => (status === '0' ? resolve() : reject(new Error(`grpc-status ${status}`))));
        stream.end(frame);
      }),
    close: () => {
      for (const s of sessions) s.close();
    },
  };
}

/** The events in a WatchEventBatch message, counted from its field tags without decoding them. */
function eventsIn(batch: Buffer): number {
  const r = new BinaryReader(batch);
  let n = 0;
  for (; r.pos < r.len; n++) {
    r.tag(); // field 1: every field of the message is an event
    r.bytes(); // a view, not a copy
  }
  return n;
}

/**
 * `n` watches of the bench's Services over 10 connections, counting events without decoding
 * them (an informer's parsing would be the watchers' cost, not the server's): through Watch (an
 * event a message) or WatchBatched (what was ready together in one message; what the apps use).
 */
export function rawWatchers(n: number, t: Target, rpc: WatchRpc): Watchers {
  const clients: Client[] = [];
  const streams: ClientReadableStream<Buffer>[] = [];
  const counts = new Array<number>(n).fill(0);
  const { creds, md } = grpcCredentials(t.caFile, t.token);
  for (let i = 0; i < n; i++) {
    if (i % Math.ceil(n / 10) === 0) clients.push(new Client(`127.0.0.1:${t.port}`, creds, { 'grpc.ssl_target_name_override': 'kubernetes' }));
    const req = pb.WatchRequest.fromPartial({ kind: 'Service', namespace: t.namespace, resourceVersion: '' });
    const stream = clients[clients.length - 1]!.makeServerStreamRequest<pb.WatchRequest, Buffer>(
      `/minimesh.v1.ApiService/${rpc}`,
      (v) => Buffer.from(pb.WatchRequest.encode(v).finish()),
      (b) => b,
      req,
      md,
    );
    stream.on('data', rpc === 'Watch' ? () => counts[i]!++ : (b: Buffer) => (counts[i]! += eventsIn(b)));
    stream.on('error', () => undefined);
    streams.push(stream);
  }
  return {
    events: () => [...counts],
    close: () => {
      for (const s of streams) s.cancel();
      for (const c of clients) c.close();
    },
  };
}

/**
 * `n` REST watches of the bench's Services (`?watch=true`, HTTPS, a connection each, as a
 * client-go informer holds one), counting the events' lines without parsing them.
 */
export function restWatchers(n: number, t: Target): Watchers {
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: n, ca: readFileSync(t.caFile), servername: 'kubernetes' });
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const req = httpsRequest({ host: '127.0.0.1', port: t.port, path: `/api/v1/namespaces/${t.namespace}/services?watch=true`, agent, headers: { authorization: `Bearer ${t.token}` } }, (res) => {
      res.on('data', (chunk: Buffer) => {
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) counts[i]!++;
      });
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end();
  }
  return { events: () => [...counts], close: () => agent.destroy() };
}

/**
 * `n` watches of the Services' prefix through etcd's JSON gateway (each its own HTTP stream),
 * counting events (`"kv":{` in the stream) without parsing them.
 */
export function etcdWatchers(n: number, port: number, namespace: string): Watchers & { ready: Promise<unknown> } {
  const counts = new Array<number>(n).fill(0);
  const created: Promise<void>[] = [];
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const prefix = `/registry/services/specs/${namespace}/`;
  const rangeEnd = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const body = JSON.stringify({ create_request: { key: Buffer.from(prefix).toString('base64'), range_end: Buffer.from(rangeEnd).toString('base64') } });
  const reqs = Array.from({ length: n }, (_, i) => {
    let isCreated!: () => void;
    created.push(new Promise<void>((resolve) => (isCreated = resolve)));
    const req = request({ host: '127.0.0.1', port, path: '/v3/watch', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let tail = '';
      res.setEncoding('utf8');
      res.once('data', () => isCreated()); // {"result":{"header":…,"created":true}}: the watch is in place
      res.on('data', (chunk: string) => {
        const text = tail + chunk;
        counts[i]! += text.split('"kv":{').length - 1;
        tail = text.slice(-6);
      });
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end(body);
    return req;
  });
  return {
    events: () => [...counts],
    // etcd sends what follows the watch's creation: the creates start once every watch is there.
    ready: Promise.all(created),
    close: () => {
      for (const r of reqs) r.destroy();
      agent.destroy();
    },
  };
}
