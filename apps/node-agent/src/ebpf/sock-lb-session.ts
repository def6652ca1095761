/**
 * One long-lived `minimesh-sock-lb serve PIN_DIR` process that reads and writes the pinned maps
 * (the protocol is described in bpf/sock-lb-ctl.c): a one-Service change is a few map updates
 * through a pipe, tens of microseconds, where a `bpftool` process per change would cost
 * milliseconds. Requests run one at a time, in order. If the process dies, the waiting request
 * fails with a SockLbError and the next one starts a new process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { BackendEntry, FrontendEntry, SockLbDelta } from '@minimesh/proxy-core';
import { BACKENDS, FRONTENDS, SOCK_LB_MAPS, backendKeys, backendRecords, frontendKeys, frontendRecords, parseBackendRecords, parseFrontendRecords } from './sock-lb-records.js';

/** The helper failed, refused a request or died; its words are in the message. */
export class SockLbError extends Error {
  override readonly name = 'SockLbError';
}

const OP_UPDATE = 1;
const OP_DELETE = 2;
const OP_DUMP = 3;

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
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly helper: string,
    private readonly pinDir: string,
  ) {}

  /** Writes a delta in its order: new slots, frontends, removed frontends, removed slots. */
  apply(delta: SockLbDelta): Promise<void> {
    return this.serial(async () => {
      if (delta.backends.length > 0) await this.request(OP_UPDATE, BACKENDS, delta.backends.length, backendRecords(delta.backends));
      if (delta.frontends.length > 0) await this.request(OP_UPDATE, FRONTENDS, delta.frontends.length, frontendRecords(delta.frontends));
      if (delta.frontendDeletes.length > 0) await this.request(OP_DELETE, FRONTENDS, delta.frontendDeletes.length, frontendKeys(delta.frontendDeletes));
      if (delta.backendDeletes.length > 0) await this.request(OP_DELETE, BACKENDS, delta.backendDeletes.length, backendKeys(delta.backendDeletes));
    });
  }

  /** What the kernel's maps hold now. */
  dump(): Promise<{ frontends: FrontendEntry[]; backends: BackendEntry[] }> {
    return this.serial(async () => {
      const frontends = parseFrontendRecords((await this.request(OP_DUMP, FRONTENDS, 0, Buffer.alloc(0))).subarray(4));
      const backends = parseBackendRecords((await this.request(OP_DUMP, BACKENDS, 0, Buffer.alloc(0))).subarray(4));
      return { frontends, backends };
    });
  }

  close(): void {
    this.current?.proc.stdin?.end();
    this.current = undefined;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async request(op: number, map: number, count: number, payload: Buffer): Promise<Buffer> {
    const h = this.start();
    await h.started;
    const head = Buffer.alloc(12);
    head.writeUInt32LE(8 + payload.length, 0);
    head[4] = op;
    head[5] = map;
    head.writeUInt32LE(count, 8);
    return new Promise<Buffer>((resolve, reject) => {
      if (this.current !== h) return reject(new SockLbError('minimesh-sock-lb serve ended before the request was sent'));
      h.waiters.push({ resolve, reject });
      h.proc.stdin!.write(Buffer.concat([head, payload]));
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
