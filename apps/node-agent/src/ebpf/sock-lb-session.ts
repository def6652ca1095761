/**
 * One long-lived `minimesh-sock-lb serve PIN_DIR` process that reads and writes the pinned maps
 * (the protocol is described in bpf/sock-lb-ctl.c): a one-Service change is a few map updates
 * through a pipe, tens of microseconds, where a `bpftool` process per change would cost
 * milliseconds. Requests go down one pipe and the helper runs them one at a time, in the order of
 * the calls. If the process dies, the waiting requests fail with a SockLbError and the next one
 * starts a new process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { BackendEntry, FrontendEntry, SockLbDelta } from '@minimesh/proxy-core';
import { AFTER_OK, BACKENDS, FRONTENDS, OP_DELETE, OP_DUMP, OP_UPDATE, SOCK_LB_MAPS, backendKeys, backendRecords, frontendKeys, frontendRecords, parseBackendRecords, parseFrontendRecords, requestHead } from './sock-lb-records.js';

/** The helper failed, refused a request or died; its words are in the message. */
export class SockLbError extends Error {
  override readonly name = 'SockLbError';
}

/** One request: op, map index, record count, records. */
type Part = [op: number, map: number, count: number, payload: Buffer];

interface Waiter {
  resolve: (body: Buffer) => void;
  reject: (e: Error) => void;
}

/** One helper process, with its own reply buffer and waiting requests. */
interface Helper {
  readonly proc: ChildProcess;
  readonly started: Promise<void>;
  input: Buffer;
  readonly waiters: Waiter[];
  stderr: string;
}

export class SockLbSession {
  private current: Helper | undefined;
  /** The last delta sent (its helper), and whether it failed: what a `continues` delta continues. */
  private lastWrite: { helper: Helper | undefined; failed: boolean } = { helper: undefined, failed: false };

  constructor(
    private readonly helper: string,
    private readonly pinDir: string,
  ) {}

  /**
   * Writes a delta in its order: new slots, frontends, removed frontends, removed slots. The parts
   * go to the helper at once, each after the first marked to be skipped if the one before it
   * failed, so a failure stops the rest. `continues`: this delta is the next chunk of the write
   * before it (a first sync's), sent without waiting for that one's reply, so the helper writes
   * chunk after chunk while this process computes the next; it is not written if that one failed
   * (the helper skips it), or if it went to a helper that is gone (refused here).
   */
  async apply(delta: SockLbDelta, opts: { continues?: boolean } = {}): Promise<void> {
    const last = this.lastWrite;
    if (opts.continues && (last.failed || last.helper !== this.current)) {
      throw new SockLbError('not written: the write it continues failed');
    }
    const parts: Part[] = [];
    if (delta.backends.length > 0) parts.push([OP_UPDATE, BACKENDS, delta.backends.length, backendRecords(delta.backends)]);
    if (delta.frontends.length > 0) parts.push([OP_UPDATE, FRONTENDS, delta.frontends.length, frontendRecords(delta.frontends)]);
    if (delta.frontendDeletes.length > 0) parts.push([OP_DELETE, FRONTENDS, delta.frontendDeletes.length, frontendKeys(delta.frontendDeletes)]);
    if (delta.backendDeletes.length > 0) parts.push([OP_DELETE, BACKENDS, delta.backendDeletes.length, backendKeys(delta.backendDeletes)]);
    if (parts.length === 0) return;
    const h = this.start();
    const write = { helper: h, failed: false };
    this.lastWrite = write;
    try {
      await this.requests(h, parts, opts.continues ? AFTER_OK : 0);
    } catch (e) {
      write.failed = true;
      throw e;
    }
  }

  /** What the kernel's maps hold now. */
  async dump(): Promise<{ frontends: FrontendEntry[]; backends: BackendEntry[] }> {
    const none = Buffer.alloc(0);
    const [frontends, backends] = await this.requests(this.start(), [[OP_DUMP, FRONTENDS, 0, none], [OP_DUMP, BACKENDS, 0, none]], 0);
    return { frontends: parseFrontendRecords(frontends!.subarray(4)), backends: parseBackendRecords(backends!.subarray(4)) };
  }

  close(): void {
    this.current?.proc.stdin?.end();
    this.current = undefined;
  }

  private request(op: number, map: number, count: number, payload: Buffer): Promise<Buffer> {
    return this.requests(this.start(), [[op, map, count, payload]], 0).then(([reply]) => reply!);
  }

  /**
   * Sends requests in the order of the calls (the helper answers in that order), the first with
   * `firstFlags`, the others skipped after a failure; their replies, or the first failure.
   */
  private async requests(h: Helper, parts: readonly Part[], firstFlags: number): Promise<Buffer[]> {
    await h.started;
    const replies = await Promise.allSettled(parts.map(([op, map, count, payload], i) => this.send(h, op, map, count, payload, i > 0 ? AFTER_OK : firstFlags)));
    const failed = replies.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return replies.map((r) => (r as PromiseFulfilledResult<Buffer>).value);
  }

  private send(h: Helper, op: number, map: number, count: number, payload: Buffer, flags: number): Promise<Buffer> {
    const head = requestHead(op, map, flags, count, payload.length);
    return new Promise<Buffer>((resolve, reject) => {
      if (this.current !== h) return reject(new SockLbError('minimesh-sock-lb serve ended before the request was sent'));
      h.waiters.push({ resolve, reject });
      // One write (writev) for the request: two would wake the helper twice.
      h.proc.stdin!.cork();
      h.proc.stdin!.write(head);
      if (payload.length > 0) h.proc.stdin!.write(payload);
      h.proc.stdin!.uncork();
    });
  }

  /** The running helper, or a new one. Events of a helper that is no longer current change nothing. */
  private start(): Helper {
    if (this.current !== undefined) return this.current;
    const proc = spawn(this.helper, ['serve', this.pinDir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let ready = false;
    let resolveStarted: () => void = () => undefined;
    let rejectStarted: (e: Error) => void = () => undefined;
    const started = new Promise<void>((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    started.catch(() => undefined);
    const h: Helper = { proc, started, input: Buffer.alloc(0), waiters: [], stderr: '' };
    this.current = h;
    proc.stderr!.on('data', (d: Buffer) => (h.stderr = (h.stderr + d.toString()).slice(-2000)));
    proc.stdout!.on('data', (d: Buffer) => {
      h.input = h.input.length === 0 ? d : Buffer.concat([h.input, d]);
      if (!ready) {
        const end = h.input.indexOf('ready\n');
        if (end < 0) return;
        const problem = checkMaps(h.input.subarray(0, end).toString());
        h.input = h.input.subarray(end + 6);
        ready = true;
        if (problem !== undefined) {
          this.fail(h, problem);
          return rejectStarted(new SockLbError(problem));
        }
        resolveStarted();
      }
      readReplies(h);
    });
    const gone = (why: string) => {
      const message = `minimesh-sock-lb serve ${why}: ${h.stderr.trim().split('\n').pop() || 'no output'}`;
      this.fail(h, message);
      if (!ready) rejectStarted(new SockLbError(message));
    };
    proc.once('error', (e) => gone(`could not start (${e.message})`));
    proc.once('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    proc.stdin!.on('error', () => undefined);
    return h;
  }

  /** The helper's waiting requests fail; the next request starts a new helper. */
  private fail(h: Helper, message: string): void {
    if (this.current === h) {
      this.current = undefined;
      h.proc.kill();
    }
    for (const w of h.waiters.splice(0)) w.reject(new SockLbError(message));
  }
}

/** Replies, in the order of the requests they answer. */
function readReplies(h: Helper): void {
  while (h.input.length >= 8 && h.waiters.length > 0) {
    const length = h.input.readUInt32LE(4);
    if (h.input.length < 8 + length) return;
    const err = h.input.readUInt32LE(0);
    const body = h.input.subarray(8, 8 + length);
    h.input = h.input.subarray(8 + length);
    const w = h.waiters.shift()!;
    if (err === 0) w.resolve(body);
    else w.reject(new SockLbError(`the socket load balancer's maps: ${body.toString()}`));
  }
}

/** The helper's map lines against the layout this agent writes; a message when they differ. */
function checkMaps(lines: string): string | undefined {
  const got = lines.trim().split('\n');
  const want = SOCK_LB_MAPS.map((m) => `${m.name} ${m.keySize} ${m.valueSize}`);
  if (got.join('\n') === want.join('\n')) return undefined;
  return `the pinned maps (${got.join(', ')}) are not the layout this agent writes (${want.join(', ')}): run the agent with --cleanup once`;
}
