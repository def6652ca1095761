/**
 * The `nft -i` session against a real kernel, in a network namespace this test creates: a
 * transaction per line, atomic (a refused one changes nothing and carries nft's error), long
 * lines, and a new process after the old one died. Needs root and nft (skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, exec as realExec } from '@minimesh/runtime';
import { Nft } from './nft.js';
import { NftSession, NftSessionError } from './nft-session.js';

const NS = `mmnfts${process.pid}`;
const skip = process.getuid?.() !== 0 ? 'needs root (a network namespace)' : spawnSync('nft', ['--version']).status !== 0 ? 'needs nft' : undefined;
const PREFIX = ['ip', 'netns', 'exec', NS];
const list = () => spawnSync('ip', ['netns', 'exec', NS, 'nft', 'list', 'ruleset'], { encoding: 'utf8' }).stdout;

describe.skipIf(skip !== undefined)('NftSession (nft -i) in a namespace of its own', () => {
  beforeAll(() => {
    spawnSync('ip', ['netns', 'add', NS]);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('nft session - one transaction per apply; a refused one changes nothing and says why; long scripts', async () => {
    const s = new NftSession({ prefix: PREFIX });
    try {
      await s.apply('add table ip t\nadd chain ip t c\nadd set ip t s { type ipv4_addr ; }\nadd rule ip t c ip daddr @s drop comment "a; b"\n');
      expect(list()).toContain('ip daddr @s drop comment "a; b"');
      const refused = s.apply('add element ip t s { 10.0.0.1 }\ndelete element ip t s { 10.9.9.9 }\n');
      await expect(refused).rejects.toBeInstanceOf(CommandError);
      await expect(refused).rejects.toThrow(/Error: Could not process rule: No such file or directory/);
      expect(list()).not.toContain('10.0.0.1');
      const many = Array.from({ length: 5000 }, (_, i) => `add element ip t s { 10.1.${i >> 8}.${i & 255} }`).join('\n');
      await s.apply(many);
      expect(list().match(/10\.1\.\d+\.\d+/g)).toHaveLength(5000);
      await s.apply('flush set ip t s');
      expect(list()).not.toContain('10.1.0.0');
    } finally {
      s.close();
    }
  });

  it('nft session - a process that dies fails its transaction; the next apply starts a new one', async () => {
    const s = new NftSession({ prefix: PREFIX });
    try {
      await s.apply('add table ip t2');
      process.kill(s.pid!, 'SIGKILL'); // `ip netns exec` became nft: the same pid
      await new Promise((r) => setTimeout(r, 200));
      await s.apply('add chain ip t2 d');
      expect(list()).toContain('chain d');
      const dead = new NftSession({ bin: 'false' }); // exits at once, as an nft without its CLI would
      await expect(dead.apply('add table ip never')).rejects.toBeInstanceOf(NftSessionError);
      const hung = new NftSession({ prefix: ['sh', '-c', 'cat >/dev/null'] }); // never answers: close() fails what waits
      const waiting = hung.apply('add table ip never');
      await new Promise((r) => setTimeout(r, 100));
      hung.close();
      await expect(waiting).rejects.toThrow(/closed/);
    } finally {
      s.close();
    }
  });

  it('nft session - Nft gives up on a session that keeps dying and uses nft -f - from then on', async () => {
    const calls: string[] = [];
    const nft = new Nft(
      async (f, a, i) => {
        calls.push(a.join(' '));
        return realExec('ip', ['netns', 'exec', NS, f, ...a], i);
      },
      { bin: 'false', session: { prefix: [] } },
    );
    for (let i = 0; i < 3; i++) await expect(nft.apply('add table ip t4')).rejects.toBeInstanceOf(NftSessionError);
    expect(calls).toEqual([]);
    await expect(nft.apply('add table ip t4')).rejects.toThrow(/false -f - failed/);
    expect(calls).toEqual(['-f -']);
  });

  it('nft session - Nft sends small scripts through the session and large ones through nft -f -', async () => {
    const inNs = (file: string, args: readonly string[], input?: string) => realExec('ip', ['netns', 'exec', NS, file, ...args], input);
    const calls: string[] = [];
    const nft = new Nft(async (f, a, i) => {
      calls.push(a.join(' '));
      return inNs(f, a, i);
    }, { session: { prefix: PREFIX, maxBytes: 100 } });
    try {
      await nft.apply('add table ip t3\nadd chain ip t3 small\n');
      expect(calls).toEqual([]);
      await nft.apply(`add chain ip t3 large\n${'add rule ip t3 large counter\n'.repeat(10)}`);
      expect(calls).toEqual(['-f -']);
      expect(list()).toContain('chain small');
      expect(list()).toContain('chain large');
    } finally {
      nft.close();
    }
  });
});
