import { describe, expect, it } from 'vitest';
import { findStartSequence, type MessageMark } from './stream-position.js';

/** A stream as a table: index i holds sequence first + i; null is a deleted message. */
function stream(first: number, marks: ReadonlyArray<readonly [number, string] | null>) {
  const reads: number[] = [];
  const read = async (seq: number): Promise<MessageMark | null> => {
    reads.push(seq);
    const m = marks[seq - first];
    return m ? { revision: m[0], store: m[1] } : null;
  };
  return { read, reads, bounds: { firstSeq: first, lastSeq: first + marks.length - 1 } };
}

const revs = (from: number, to: number, store = 'a'): Array<[number, string]> =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, store]);

describe('findStartSequence', () => {
  it.each([
    // name, first seq, stream, after, store, expected start
    ['empty stream: the next sequence', 1, [], 10, 'a', 1],
    ['empty stream after a purge', 41, [], 10, 'a', 41],
    ['revision inside: the message just after it', 1, revs(1, 100), 37, 'a', 38],
    ['before the stream: its first message', 1, revs(50, 60), 10, 'a', 1],
    ['younger stream: sequences offset from revisions', 7, revs(20, 30), 25, 'a', 13],
    ['at the end: the next sequence', 1, revs(1, 20), 20, 'a', 21],
    ['beyond the end (publisher behind): the next sequence', 1, revs(1, 20), 35, 'a', 21],
    ['a re-sent tail: the first copy after the revision', 1, [...revs(1, 10), ...revs(8, 12)], 10, 'a', 14],
    ['holes (deleted messages) are stepped over', 1, [[1, 'a'], null, null, [4, 'a'], null, [6, 'a'], [7, 'a']], 4, 'a', 6],
    ['another store first: its messages count as before', 1, [...revs(1, 50, 'old'), ...revs(1, 10, 'new')], 3, 'new', 54],
    ['only another store\'s tail: after the stream', 1, revs(1, 50, 'old'), 3, 'new', 51],
    ['holes after the store\'s last message (unbelieved ones): after the stream', 1, [...revs(1, 5), ...Array(12).fill(null)], 5, 'a', 18],
    ['holes after wanted messages: the first wanted one', 1, [...revs(1, 5), ...Array(12).fill(null)], 2, 'a', 3],
    ['nothing but holes: after the stream', 1, Array(10).fill(null), 0, 'a', 11],
    ['unknown store: revision only', 1, revs(1, 10, 'x'), 4, undefined, 5],
  ] as const)('%s', async (_name, first, marks, after, store, expected) => {
    const s = stream(first, marks);
    expect(await findStartSequence(s.read, s.bounds, after, store)).toBe(expected);
  });

  it('reads O(log n) messages', async () => {
    const s = stream(1, revs(1, 100_000));
    expect(await findStartSequence(s.read, s.bounds, 77_777, 'a')).toBe(77_778);
    expect(s.reads.length).toBeLessThanOrEqual(18);
  });

  it('messages aged out during the search read as holes: what is delivered first is the oldest left', async () => {
    const s = stream(1, revs(1, 20));
    const read = async (seq: number) => (seq < 8 ? null : s.read(seq));
    // Nothing is left below 8, so a consumer starting anywhere in 1..8 gets revision 8 first.
    expect(await findStartSequence(read, s.bounds, 3, 'a')).toBeLessThanOrEqual(8);
    expect(await findStartSequence(read, s.bounds, 12, 'a')).toBe(13);
  });
});
