/**
 * The helper's map session against the real kernel (maps pinned in a bpffs directory of this test,
 * the programs attached to an empty cgroup of its own): large deltas go through the kernel's batch
 * calls and read back whole; a delete batch with keys that are not there deletes the others; a
 * request flagged AFTER_OK is skipped when the one before it failed, and only then. Needs root,
 * cgroup v2 and the built programs (skipped with one line).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendEntry, FrontendEntry } from '@minimesh/proxy-core';
import { cgroupV2Root } from '@minimesh/runtime';
import { DEFAULT_SOCK_LB_HELPER, DEFAULT_SOCK_LB_OBJECT, attachSockLb, detachSockLb, sockLbProblem, type SockLbPaths } from './sock-lb-programs.js';
import { AFTER_OK, BACKENDS, OP_DUMP, OP_UPDATE, backendRecords, requestHead } from './sock-lb-records.js';
import { SockLbSession } from './sock-lb-session.js';

const root = cgroupV2Root();
const paths: SockLbPaths = { helper: DEFAULT_SOCK_LB_HELPER, object: DEFAULT_SOCK_LB_OBJECT, cgroup: `${root}/mmsession-test-${process.pid}`, pinDir: `/sys/fs/bpf/mmsession-test-${process.pid}` };

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (root === undefined) return 'needs cgroup v2';
  mkdirSync(paths.cgroup, { recursive: true });
  const problem = sockLbProblem(paths);
  if (problem !== undefined) rmdirSync(paths.cgroup);
  return problem;
}
const skip = skipReason();

const ip = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
const backend = (set: number, slot: number): BackendEntry => ({ set, slot, ip: ip(set * 4 + slot), port: 8080 });
const frontend = (i: number): FrontendEntry => ({ ip: ip(0x600000 + i), port: 80, protocol: 'TCP', set: i + 1, count: 2, flags: 0, affinitySeconds: 0 });

/** Raw requests to `serve` and their replies' errno, for what the session never sends (a bad map index). */
async function rawReplies(requests: Buffer[]): Promise<number[]> {
  const proc = spawn(paths.helper, ['serve', paths.pinDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = Buffer.alloc(0);
  proc.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
  for (const r of requests) proc.stdin.write(r);
  proc.stdin.end();
  await new Promise((resolve) => proc.once('close', resolve));
  let at = out.indexOf('ready\n') + 6;
  const errs: number[] = [];
  while (at + 8 <= out.length) {
    errs.push(out.readUInt32LE(at));
    at += 8 + out.readUInt32LE(at + 4);
  }
  return errs;
}

const request = (op: number, map: number, flags: number, count: number, payload: Buffer) => Buffer.concat([requestHead(op, map, flags, count, payload.length), payload]);

describe.skipIf(skip !== undefined)(`the helper's map session on a real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let session: SockLbSession;

  beforeAll(async () => {
    await attachSockLb(paths);
    session = new SockLbSession(paths.helper, paths.pinDir);
  });

  afterAll(async () => {
    session?.close();
    await detachSockLb(paths, []).catch(() => undefined);
    try {
      rmdirSync(paths.cgroup);
    } catch {
      /* gone already */
    }
  });

  it('a delta of 30,000 entries goes in and reads back whole; a delete batch skips keys that are not there', async () => {
    const n = 10_000;
    const backends = Array.from({ length: n }, (_, i) => [backend(i + 1, 0), backend(i + 1, 1)]).flat();
    const frontends = Array.from({ length: n }, (_, i) => frontend(i));
    await session.apply({ backends, frontends, frontendDeletes: [], backendDeletes: [] });
    const all = await session.dump();
    expect(all.frontends).toHaveLength(n);
    expect(all.backends).toHaveLength(2 * n);
    expect(all.backends.find((b) => b.set === 77 && b.slot === 1)).toEqual(backend(77, 1));

    // Every second slot 1 deleted, with never-written slots (9, 10, 11) among the keys.
    const gone = backends.filter((b) => b.slot === 1 && b.set % 2 === 0);
    const keys = [{ set: 1, slot: 9 }, ...gone.slice(0, 100), { set: 2, slot: 10 }, ...gone.slice(100), { set: 3, slot: 11 }];
    await session.apply({ backends: [], frontends: [], frontendDeletes: frontends.slice(0, 10), backendDeletes: keys });
    const after = await session.dump();
    expect(after.frontends).toHaveLength(n - 10);
    expect(after.backends).toHaveLength(2 * n - gone.length);
    expect(after.backends.some((b) => b.slot === 1 && b.set % 2 === 0)).toBe(false);
  });

  it('a write flagged AFTER_OK is skipped (ECANCELED) after a failed or skipped write, whatever dumps come between, and runs after a success', async () => {
    const write = (slot: number, flags: number) => request(OP_UPDATE, BACKENDS, flags, 1, backendRecords([backend(20000, slot)]));
    const bad = request(OP_UPDATE, 9, 0, 0, Buffer.alloc(0));
    const dump = request(OP_DUMP, BACKENDS, 0, 0, Buffer.alloc(0));
    expect(await rawReplies([bad, write(1, AFTER_OK), dump, write(2, AFTER_OK), write(3, 0), dump, write(4, AFTER_OK)])).toEqual([22, 125, 0, 125, 0, 0, 0]);
    const slots = (await session.dump()).backends.filter((b) => b.set === 20000).map((b) => b.slot);
    expect(slots.sort()).toEqual([3, 4]);
  });
});
