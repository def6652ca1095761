/**
 * A REST watch as kube-apiserver streams it: HTTP 200, chunked, one JSON WatchEvent per line
 * (`{"type":"ADDED","object":{...}}`); BOOKMARK events carry only the kind and resourceVersion;
 * an error once the stream has started (a resourceVersion too old: 410 Expired) is an ERROR event
 * holding the Status. With a Table Accept header every object is a one-row Table, the first with
 * the column definitions. `timeoutSeconds` ends the stream cleanly; so does the client leaving.
 * A client that stops reading is cut off after the stall timeout, as a gRPC watcher is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@minimesh/api';
import { isShared, type WatchHub, type WatchOutput, type WatchRequest } from '../watch/watch-hub.js';
import { statusBody, statusOf } from './status-body.js';
import { toTable, type IncludeObject } from './table.js';

export interface WatchStreamOptions {
  table?: { include: IncludeObject; now: () => number };
  /** 0: until the client leaves. */
  timeoutMs: number;
  apiVersion: string;
  /**
   * A client that has not taken a write (at most MAX_WRITE_CHARS of events) this long after it
   * was made is disconnected (0: never), as gRPC watches are.
   */
  stallTimeoutMs?: number;
  onStall?: () => void;
}

/** Most characters in one write: a client reading at all takes one well within the stall timeout. */
const MAX_WRITE_CHARS = 256 * 1024;

function line(type: string, object: unknown): string {
  return `${JSON.stringify({ type, object })}\n`;
}

/**
 * The line of an event every watcher sees as it is (the hub hands them one output): made once for
 * all of them, as kube-apiserver's caching serializer encodes an event once.
 */
const sharedLines = new WeakMap<WatchOutput, string>();

function sharedLine(ev: WatchOutput): string {
  if (!isShared(ev)) return line(ev.type, ev.object);
  let text = sharedLines.get(ev);
  if (text === undefined) sharedLines.set(ev, (text = line(ev.type, ev.object)));
  return text;
}

export async function streamWatch(hub: WatchHub, request: WatchRequest, o: WatchStreamOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  res.on('close', stop);
  req.on('close', stop);
  const timer = o.timeoutMs > 0 ? setTimeout(stop, o.timeoutMs) : undefined;
  let started = false;
  let first = true;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
  };
  /** Writes lines; waits while the client is behind, never once it is gone (nothing would wake it). */
  const send = async (lines: string) => {
    if (ac.signal.aborted || res.destroyed) return;
    if (res.write(lines)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(stall);
        res.off('drain', done);
        res.off('close', done);
        ac.signal.removeEventListener('abort', done);
        resolve();
      };
      const stall = o.stallTimeoutMs
        ? setTimeout(() => {
            o.onStall?.();
            stop();
            res.destroy(); // the client stopped reading: its watch goes, and it relists
            done();
          }, o.stallTimeoutMs)
        : undefined;
      res.on('drain', done);
      res.on('close', done);
      ac.signal.addEventListener('abort', done, { once: true });
    });
  };
  /** Lines of the batch being written, not sent yet. */
  let pending = '';
  try {
    const batches = hub.watchBatches(request, ac.signal);
    // The first event may be an error (a resourceVersion too old) before anything was sent; the
    // stream starts either way, as kube-apiserver's does, and the error travels as an ERROR event.
    start();
    for await (const batch of batches) {
      for (const ev of batch) {
        let text: string;
        if (ev.type === 'BOOKMARK' || !ev.object) {
          text = line(ev.type, { kind: request.kind, apiVersion: o.apiVersion, metadata: { resourceVersion: String(ev.revision) } });
        } else if (o.table) {
          text = line(ev.type, toTable(request.kind, [ev.object], {}, { include: o.table.include, now: o.table.now(), noHeaders: !first }));
          first = false;
        } else {
          text = sharedLine(ev);
        }
        // What was ready together goes out in one write of up to MAX_WRITE_CHARS (a long initial
        // list in several, each once the client took the one before); a longer line alone.
        if (pending && pending.length + text.length > MAX_WRITE_CHARS) {
          await send(pending);
          pending = '';
          if (ac.signal.aborted) return;
        }
        pending += text;
      }
      await send(pending);
      pending = '';
      if (ac.signal.aborted) break;
    }
  } catch (e) {
    if (!ac.signal.aborted) {
      start();
      const status = e instanceof ApiError ? e.status : statusOf(e);
      // The events before the one that failed go first, as they would have one by one.
      await send(pending + line('ERROR', statusBody(status)));
    }
  } finally {
    if (timer) clearTimeout(timer);
    res.off('close', stop);
    req.off('close', stop);
    // A client still behind when the stream ends (timeoutSeconds, the server stopping) is cut off:
    // ending would leave its socket open for as long as it does not read.
    if (!res.writableEnded) {
      if (res.writableNeedDrain) res.destroy();
      else res.end();
    }
  }
}
