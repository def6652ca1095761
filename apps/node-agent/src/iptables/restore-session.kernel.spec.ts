/**
 * RestoreSession with the real iptables-nft-restore (the backend it serves), in a network namespace
 * this test creates: what it commits, what it refuses, that a process started before someone
 * else changed the rules acts on the rules as they are, and that the sentinel leaves nothing
 * behind. Needs root and iptables-nft 1.8.5 or later (skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestoreSession, restoreSessionSupported } from './restore-session.js';

const NS = `mmrsess${process.pid}`;
const BIN = 'iptables-nft-restore';
const version = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
const skip = process.getuid?.() !== 0 ? 'needs root (a network namespace)' : !restoreSessionSupported(`${version.stdout ?? ''}${version.stderr ?? ''}`) ? 'needs iptables-nft 1.8.5 or later' : undefined;
const inNs = (args: string[], input?: string) => spawnSync('ip', ['netns', 'exec', NS, ...args], { encoding: 'utf8', input });

describe.skipIf(skip !== undefined)(`RestoreSession with the real iptables-restore${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => void spawnSync('ip', ['netns', 'add', NS]));
  afterAll(() => void spawnSync('ip', ['netns', 'del', NS]));

  {
    const save = (table: string) => inNs(['iptables-nft-save', '-t', table]).stdout;
    const session = () => new RestoreSession({ bin: BIN, args: ['-w', '5', '--noflush'], prefix: ['ip', 'netns', 'exec', NS] });

    it('commits every table of the input, refuses a bad line as iptables-restore does, acts on rules changed after its process started, and leaves no sentinel', async () => {
      const s = session();
      try {
        expect(await s.restore('*filter\n:MM-F - [0:0]\n-A MM-F -j RETURN\nCOMMIT\n*nat\n:MM-N - [0:0]\n-A MM-N -j RETURN\nCOMMIT\n')).toMatchObject({ code: 0 });
        expect(save('filter')).toContain('-A MM-F -j RETURN');
        expect(save('nat')).toContain('-A MM-N -j RETURN');

        // The nat table refuses its input: the filter table before it is committed, nat is not.
        const r = await s.restore('*filter\n-A MM-F -j ACCEPT\nCOMMIT\n*nat\n-A MM-NO-SUCH -j RETURN\nCOMMIT\n');
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/line [56] failed/);
        expect(save('filter')).toContain('-A MM-F -j ACCEPT');

        // The next restore (a new process) sees what the others did: flush a chain, delete another.
        expect(await s.restore('*filter\n:MM-F - [0:0]\nCOMMIT\n*nat\n-F MM-N\n-X MM-N\nCOMMIT\n')).toMatchObject({ code: 0 });
        expect(save('filter')).not.toContain('-A MM-F ');
        expect(save('nat')).not.toContain('MM-N');
        expect(save('filter') + save('nat')).not.toContain('MINIMESH-RESTORE-SENTINEL');

        // The next process is waiting now. Someone else changes the rules; the restore then acts
        // on the rules as they are (a chain it never saw, a rule list that moved).
        await new Promise((r) => setTimeout(r, 300));
        expect(inNs([BIN, '--noflush'], '*nat\n:MM-OUT - [0:0]\n-A MM-OUT -j RETURN\n:MM-N2 - [0:0]\n-A MM-N2 -j MARK --set-mark 1\n-A MM-N2 -j RETURN\nCOMMIT\n').status).toBe(0);
        expect(await s.restore('*nat\n-A MM-OUT -j MARK --set-mark 2\n-D MM-N2 1\nCOMMIT\n')).toMatchObject({ code: 0 });
        expect(save('nat').split('\n').filter((l) => /^-A MM-(OUT|N2) /.test(l))).toEqual(['-A MM-N2 -j RETURN', '-A MM-OUT -j RETURN', '-A MM-OUT -j MARK --set-xmark 0x2/0xffffffff']);
      } finally {
        s.close();
      }
    });
  }
});
