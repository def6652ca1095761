/**
 * RestoreSession with the real iptables-restore of each backend this machine has (nft, legacy),
 * in a network namespace this test creates: what it commits, what it refuses, and that the
 * sentinel leaves nothing behind. Needs root (skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestoreSession } from './restore-session.js';

const NS = `mmrsess${process.pid}`;
const skip = process.getuid?.() !== 0 ? 'needs root (a network namespace)' : spawnSync('iptables-restore', ['--version']).status !== 0 ? 'needs iptables' : undefined;
const backends = ['iptables-nft-restore', 'iptables-legacy-restore'].filter((b) => spawnSync(b, ['--version']).status === 0);

describe.skipIf(skip !== undefined)(`RestoreSession with the real iptables-restore${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => void spawnSync('ip', ['netns', 'add', NS]));
  afterAll(() => void spawnSync('ip', ['netns', 'del', NS]));

  describe.each(backends)('%s', (bin) => {
    const save = (table: string) => spawnSync('ip', ['netns', 'exec', NS, bin.replace(/-restore$/, '-save'), '-t', table], { encoding: 'utf8' }).stdout;
    const session = () => new RestoreSession({ bin, args: ['-w', '5', '--noflush'], prefix: ['ip', 'netns', 'exec', NS] });

    it('commits every table of the input, refuses a bad line as iptables-restore does, and leaves no sentinel', async () => {
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
      } finally {
        s.close();
      }
    });
  });
});
