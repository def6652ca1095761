import { describe, expect, it } from 'vitest';
import type { Remote } from '@minimesh/dns-core';
import { chainServer, udpFrom } from '../testing/index.js';
import { AnswerMemo, MAX_MEMO_ANSWER_SIZE, MAX_MEMO_QUERY_SIZE } from './answer-memo.js';

const client: Remote = { address: '10.244.1.5', port: 40000, family: 4 };
const other: Remote = { address: '10.244.2.9', port: 40001, family: 4 };
/** A query: id, then flags and the rest; `tail` stands for the question. */
const query = (id: number, tail: number[]) => Uint8Array.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...tail]);
const answerTo = (q: Uint8Array, extra: number) => Uint8Array.from([...q.slice(0, 2), 0x85, 0, ...q.slice(4), extra]);

describe('AnswerMemo: pre-encoded answers of one snapshot', () => {
  it('gives the kept answer to the same query bytes with the asker\'s id: over TCP a copy each time', () => {
    const snap = {};
    const memo = new AnswerMemo<string>({ current: () => snap, clientClass: () => '' });
    const q1 = query(0x1234, [3, 0x77, 0x77, 0x77, 0]);
    memo.put(q1, 'tcp', client, answerTo(q1, 7), snap, 'metrics');
    const hit = memo.get(query(0xbeef, [3, 0x77, 0x77, 0x77, 0]), 'tcp', other)!;
    expect([...hit.answer]).toEqual([0xbe, 0xef, ...answerTo(q1, 7).slice(2)]);
    expect(hit.data).toBe('metrics');
    hit.answer[5] = 99;
    const again = memo.get(q1, 'tcp', client)!.answer;
    expect([again[0], again[1], again[5]]).toEqual([0x12, 0x34, 1]);
    expect([hit.answer[0], hit.answer[1]]).toEqual([0xbe, 0xef]); // a reply still being written keeps its id
  });

  it('over UDP lends the entry\'s own bytes; once a reply is held (queued), the next queries get other bytes and it keeps its id', () => {
    const snap = {};
    const memo = new AnswerMemo<string>({ current: () => snap, clientClass: () => '' });
    const q1 = query(0x1234, [3, 0x77, 0x77, 0x77, 0]);
    const answer = Buffer.from(answerTo(q1, 7));
    memo.put(q1, 'udp', client, answer, snap, 'metrics');
    answer[5] = 42; // the caller reuses its buffer: the memo kept a copy (a Buffer's slice() would be a view)
    const first = memo.get(query(0x0001, [3, 0x77, 0x77, 0x77, 0]), 'udp', client)!.answer;
    expect([first[0], first[1], first[5]]).toEqual([0, 1, 1]);
    const second = memo.get(query(0x0002, [3, 0x77, 0x77, 0x77, 0]), 'udp', client)!.answer;
    expect(second).toBe(first); // sent at once: the same bytes serve the next query
    expect([second[0], second[1]]).toEqual([0, 2]);
    memo.held(second); // this one waits in the socket's queue
    const third = memo.get(query(0x0003, [3, 0x77, 0x77, 0x77, 0]), 'udp', client)!.answer;
    expect(third).not.toBe(second);
    expect([second[0], second[1], third[0], third[1]]).toEqual([0, 2, 0, 3]);
    expect([...third.slice(2)]).toEqual([...second.slice(2)]);
    memo.held(Uint8Array.from(third)); // bytes the memo never lent: nothing happens
    memo.held(second); // held again after its entry moved on: nothing happens
    expect(memo.get(query(0x0004, [3, 0x77, 0x77, 0x77, 0]), 'udp', client)!.answer).toBe(third);
  });

  it('misses another name, another letter case, another transport', () => {
    const snap = {};
    const memo = new AnswerMemo<number>({ current: () => snap, clientClass: () => '' });
    const q = query(1, [1, 0x61, 0]);
    memo.put(q, 'udp', client, answerTo(q, 1), snap, 0);
    expect(memo.get(query(2, [1, 0x62, 0]), 'udp', client)).toBeUndefined();
    expect(memo.get(query(2, [1, 0x41, 0]), 'udp', client)).toBeUndefined();
    expect(memo.get(query(2, [1, 0x61, 0]), 'tcp', client)).toBeUndefined();
    expect(memo.get(query(2, [1, 0x61, 0]), 'udp', client)).toBeDefined();
  });

  it('keeps answers apart for clients the access rules tell apart', () => {
    const snap = {};
    const memo = new AnswerMemo<number>({ current: () => snap, clientClass: (r) => (r.address.startsWith('10.244.1.') ? 'in' : 'out') });
    const q = query(1, [1, 0x61, 0]);
    memo.put(q, 'udp', client, answerTo(q, 1), snap, 0);
    expect(memo.get(q, 'udp', { ...client, address: '10.244.1.77' })).toBeDefined();
    expect(memo.get(q, 'udp', other)).toBeUndefined();
  });

  it('forgets everything when the snapshot changes, and keeps nothing made from an old one', () => {
    let snap = {};
    const memo = new AnswerMemo<number>({ current: () => snap, clientClass: () => '' });
    const q = query(1, [1, 0x61, 0]);
    const old = snap;
    memo.put(q, 'udp', client, answerTo(q, 1), old, 0);
    snap = {};
    expect(memo.get(q, 'udp', client)).toBeUndefined();
    expect(memo.size).toBe(0);
    memo.put(q, 'udp', client, answerTo(q, 1), old, 0); // answered while the snapshot changed
    expect(memo.get(q, 'udp', client)).toBeUndefined();
  });

  it('holds at most `capacity` answers, dropping the oldest; long or short messages are not kept', () => {
    const snap = {};
    const memo = new AnswerMemo<number>({ current: () => snap, clientClass: () => '', capacity: 2 });
    const qs = [1, 2, 3].map((n) => query(n, [1, 0x60 + n, 0]));
    for (const q of qs) memo.put(q, 'udp', client, answerTo(q, 0), snap, 0);
    expect(qs.map((q) => memo.get(q, 'udp', client) !== undefined)).toEqual([false, true, true]);
    const long = query(9, Array.from({ length: MAX_MEMO_QUERY_SIZE }, () => 0));
    memo.put(long, 'udp', client, answerTo(long, 0), snap, 0);
    expect(memo.get(long, 'udp', client)).toBeUndefined();
    expect(memo.get(Uint8Array.from([1, 2, 3]), 'udp', client)).toBeUndefined();
    const big = query(10, [1, 0x7a, 0]);
    memo.put(big, 'tcp', client, new Uint8Array(MAX_MEMO_ANSWER_SIZE + 1), snap, 0);
    expect(memo.get(big, 'tcp', client)).toBeUndefined();
  });

  it('keeps no answer to a query whose question name is compressed: the name may point into the id', () => {
    const snap = {};
    const memo = new AnswerMemo<number>({ current: () => snap, clientClass: () => '' });
    // The name is a pointer to offset 0, the id; the id 0xC0xx points on at offset xx.
    const names = [1, 0x61, 0, 1, 0x62, 0];
    const viaId = (at: number) => query(0xc000 | at, [0xc0, 0, 0, 1, 0, 1, ...names]);
    memo.put(viaId(18), 'udp', client, answerTo(viaId(18), 1), snap, 0);
    expect(memo.get(viaId(21), 'udp', client)).toBeUndefined();
    expect(memo.get(viaId(18), 'udp', client)).toBeUndefined();
    const forward = query(1, [0xc0, 18, 0, 1, 0, 1, ...names]);
    memo.put(forward, 'udp', client, answerTo(forward, 1), snap, 0);
    expect(memo.get(forward, 'udp', client)).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('through the server: a name pointing into the id gets the answer for the name it reads, every time', async () => {
    const srv = await chainServer();
    try {
      const name = (s: string) => [...s.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0];
      const n1 = name('svc1.testns.svc.cluster.local');
      const n2 = name('svc-dual-stack.testns.svc.cluster.local');
      const viaId = (at: number) => Uint8Array.from([0xc0, at, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 1, 0, 1, ...n1, ...n2]);
      const ask = async (at: number) => (await udpFrom('127.0.0.1', srv.port, '', 'A', viaId(at)))?.answers?.map((a) => (a as { data?: unknown }).data);
      for (let i = 0; i < 2; i++) {
        expect(await ask(18)).toEqual(['10.0.0.1']);
        expect(await ask(18 + n1.length)).toEqual(['10.0.0.3']);
      }
    } finally {
      await srv.close();
    }
  });
});
