/**
 * RestoreSession against a stand-in for iptables-restore (a shell script that reads its input line
 * by line as the real one does, refuses a line that appends to an unknown chain with `line N
 * failed` and exits): what settles a restore, what fails it, the process waiting for the next one.
 * restore-session.kernel.spec.ts runs the real iptables-restore.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@minimesh/runtime/testing';
import { RestoreSession, restoreSessionSupported } from './restore-session.js';

// HOLD_UNTIL_EOF: reads all its input before acting on a line (iptables-nft 1.8.4's --noflush).
// AT_COMMIT: reports a refused append at the table's COMMIT line (the legacy backend).
const FAKE = `#!/bin/bash
echo "start $$" >> "$LOG"
if [ -n "$HOLD_UNTIL_EOF" ]; then data=$(cat); echo "$$ read to the end" >> "$LOG"; exec < <(printf '%s\\n' "$data"); fi
n=0; refused=0
while IFS= read -r l; do
  n=$((n+1))
  case "$l" in
    "-A MINIMESH-RESTORE-SENTINEL "*|"-A REFUSE "*)
      if [ -n "$AT_COMMIT" ]; then refused=1; else echo "iptables-restore: line $n failed: No chain/target/match by that name." >&2; exit 1; fi;;
    COMMIT) if [ "$refused" = 1 ]; then echo "iptables-restore: line $n failed" >&2; exit 1; fi;;
  esac
  echo "$$ $l" >> "$LOG"
done
exit 0
`;

describe('RestoreSession', () => {
  let dir: ReturnType<typeof tempDir>;
  let log: string;
  let sessions: RestoreSession[];
  const session = (bin = 'fake-restore', timeoutMs?: number) => {
    const s = new RestoreSession({ bin: join(dir.path, bin), args: ['--noflush'], timeoutMs });
    sessions.push(s);
    return s;
  };
  const logLines = () => readFileSync(log, 'utf8').trim().split('\n');
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(what()).toBe(true);
  };

  beforeEach(() => {
    dir = tempDir('mm-restore-session-');
    log = join(dir.path, 'log');
    writeFileSync(log, '');
    process.env.LOG = log;
    for (const [name, body] of [['fake-restore', FAKE], ['exits-at-once', '#!/bin/sh\nexit 0\n'], ['hangs', '#!/bin/sh\nexec sleep 30\n']] as const) {
      writeFileSync(join(dir.path, name), body);
      chmodSync(join(dir.path, name), 0o755);
    }
    sessions = [];
  });
  afterEach(() => {
    for (const s of sessions) s.close();
    delete process.env.LOG;
    delete process.env.HOLD_UNTIL_EOF;
    delete process.env.AT_COMMIT;
    dir.remove();
  });

  it('settles once the sentinel after the input is refused: every line of the input was read', async () => {
    const s = session();
    const r = await s.restore('*nat\n:KUBE-SVC-A - [0:0]\n-A KUBE-SVC-A -j RETURN\nCOMMIT\n');
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const [pid] = logLines()[0]!.split(' ').slice(1);
    expect(logLines().filter((l) => l.startsWith(`${pid} `)).map((l) => l.slice(pid!.length + 1))).toEqual(['*nat', ':KUBE-SVC-A - [0:0]', '-A KUBE-SVC-A -j RETURN', 'COMMIT', '*filter']);
  });

  it("reports the input's own refusal with the process's code and stderr", async () => {
    const s = session();
    const r = await s.restore('*nat\n-A REFUSE -j RETURN\nCOMMIT\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 2 failed');
    // The next restore uses a fresh process and succeeds.
    expect((await s.restore('*nat\nCOMMIT\n')).code).toBe(0);
  });

  it('settles with a program that reads all its input first (the input is followed by its end)', async () => {
    process.env.HOLD_UNTIL_EOF = '1';
    const r = await session().restore('*nat\n:KUBE-SVC-A - [0:0]\nCOMMIT\n');
    expect(r.code).toBe(0);
    expect(logLines().some((l) => l.endsWith(' read to the end'))).toBe(true);
  });

  it('tells the sentinel refused at its COMMIT (legacy) from the input refused at its own last line', async () => {
    process.env.AT_COMMIT = '1';
    const s = session();
    expect(await s.restore('*nat\n:KUBE-SVC-A - [0:0]\nCOMMIT\n')).toMatchObject({ code: 0 });
    // The input's own COMMIT (line 3) refused: the line just before the sentinel's.
    const r = await s.restore('*nat\n-A REFUSE -j RETURN\nCOMMIT\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 3 failed');
  });

  it('refuses restores after close', async () => {
    const s = session();
    s.close();
    await expect(s.restore('*nat\nCOMMIT\n')).rejects.toThrow(/closed/);
  });

  it('is used only with iptables-nft 1.8.5 or later', () => {
    expect(restoreSessionSupported('iptables-restore v1.8.9 (nf_tables)')).toBe(true);
    expect(restoreSessionSupported('iptables-restore v1.8.5 (nf_tables)')).toBe(true);
    expect(restoreSessionSupported('iptables-nft-restore v1.8.10 (nf_tables)')).toBe(true);
    expect(restoreSessionSupported('iptables-restore v1.8.4 (nf_tables)')).toBe(false);
    expect(restoreSessionSupported('iptables-restore v1.8.9 (legacy)')).toBe(false);
    expect(restoreSessionSupported('')).toBe(false);
  });

  it('keeps a process waiting for the next restore, and ends it on close', async () => {
    const s = session();
    await s.restore('*nat\nCOMMIT\n');
    await until(() => logLines().filter((l) => l.startsWith('start ')).length === 2);
    const spare = logLines().filter((l) => l.startsWith('start '))[1]!.slice(6);
    await s.restore('*filter\nCOMMIT\n');
    expect(logLines()).toContain(`${spare} *filter`); // the second restore went to the waiting process
    await until(() => logLines().filter((l) => l.startsWith('start ')).length === 3);
    s.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(logLines().filter((l) => l.startsWith('start ')).length).toBe(3); // nothing started after close
  });

  it('runs restores one at a time, in order', async () => {
    const s = session();
    const rs = await Promise.all(['A', 'B', 'C'].map((c) => s.restore(`*nat\n:KUBE-${c} - [0:0]\nCOMMIT\n`)));
    expect(rs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(logLines().filter((l) => / :KUBE-/.test(l)).map((l) => l.split(' ')[1])).toEqual([':KUBE-A', ':KUBE-B', ':KUBE-C']);
  });

  it('refuses an input whose last table is not committed (it would swallow the sentinel)', async () => {
    expect(RestoreSession.accepts('*nat\n-A X -j RETURN\n')).toBe(false);
    expect(RestoreSession.accepts('*nat\nCOMMIT')).toBe(false);
    expect(RestoreSession.accepts('*nat\nCOMMIT\n')).toBe(true);
    await expect(session().restore('*nat\n-A X -j RETURN\n')).rejects.toThrow(/must end with a COMMIT line/);
  });

  it('fails a restore whose process exits without refusing the sentinel', async () => {
    const r = await session('exits-at-once').restore('*nat\nCOMMIT\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exited before its sentinel was refused/);
  });

  it('fails a restore not settled in time, and kills its process', async () => {
    await expect(session('hangs', 200).restore('*nat\nCOMMIT\n')).rejects.toThrow(/no answer in 200 ms/);
  });

  it('fails a restore whose program is missing', async () => {
    const r = await session('not-there').restore('*nat\nCOMMIT\n');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not-there: spawn .* ENOENT/);
  });
});
