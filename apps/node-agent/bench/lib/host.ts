/**
 * Host plumbing for the benchmarks: network namespaces the benchmark creates (and always deletes),
 * a guard that refuses to touch the root namespace's tables, and a description of the machine.
 * Nothing here changes anything outside namespaces named by the caller.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';

export function sh(cmd: string, args: readonly string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

export function mustSh(cmd: string, args: readonly string[], input?: string): string {
  const r = sh(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export function has(bin: string): boolean {
  return sh('sh', ['-c', `command -v ${bin}`]).code === 0;
}

/** Why the kernel part cannot run here, or undefined. */
export function kernelSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (it creates a network namespace and loads iptables rules inside it)';
  for (const bin of ['ip', 'iptables-restore', 'iptables-save', 'nft']) if (!has(bin)) return `needs ${bin}`;
  return undefined;
}

export function netnsInode(pid: number | 'self' = 'self'): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}

export function netnsList(): string[] {
  return sh('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

export function createNetns(name: string): void {
  mustSh('ip', ['netns', 'add', name]);
  mustSh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export function deleteNetns(name: string): void {
  if (netnsList().includes(name)) sh('ip', ['netns', 'delete', name]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Namespaces `<prefix><pid>` left by an earlier run of this benchmark that was killed hard
 * (SIGKILL skips every cleanup): deleted only when that pid is gone and nothing runs inside.
 */
export function removeOwnLeftovers(prefix: string): string[] {
  const removed: string[] = [];
  for (const ns of netnsList()) {
    if (!ns.startsWith(prefix)) continue;
    const pid = Number(ns.slice(prefix.length));
    if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    if (sh('ip', ['netns', 'pids', ns]).stdout.trim() !== '') continue;
    deleteNetns(ns);
    removed.push(ns);
  }
  return removed;
}

/** Throws unless this process runs inside the namespace `expected` (never the root one). */
export function assertInsideNetns(expected: string, rootInode: string): void {
  const mine = netnsInode();
  if (mine === rootInode) throw new Error(`refusing to run: this process is in the root network namespace (${mine}), not in ${expected}`);
  const id = sh('ip', ['netns', 'identify', String(process.pid)]).stdout.trim();
  if (id !== expected) throw new Error(`refusing to run: this process is in network namespace "${id}", expected "${expected}"`);
}

/** Runs this same script (same node flags, so tsx too) inside `ns`; stdio passes through. */
export function spawnSelfInNetns(ns: string, args: readonly string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, ...process.execArgv, process.argv[1]!, ...args], { stdio: 'inherit' });
}

/**
 * Calls `cleanup` once on exit, SIGINT, SIGTERM or SIGHUP (then exits 130/143/129), so an
 * interrupted run leaves nothing behind.
 */
export function onInterrupt(cleanup: () => void | Promise<void>): () => void {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    await cleanup();
  };
  const handlers: [NodeJS.Signals, number][] = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]];
  const bound = handlers.map(([sig, code]) => {
    const h = () => {
      process.stderr.write(`\n${sig}: cleaning up…\n`);
      void once().finally(() => process.exit(code));
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of bound) process.off(sig, h);
  };
}

export function environment(): string {
  const ipt = sh('iptables', ['--version']).stdout.trim() || 'iptables: absent';
  const nft = sh('nft', ['--version']).stdout.trim() || 'nft: absent';
  const legacy = has('iptables-legacy-restore') ? 'iptables-legacy-restore present' : 'no iptables-legacy-restore';
  const cpu = cpus();
  return [
    `date ${new Date().toISOString()}, kernel ${release()}, ${cpu.length} × ${cpu[0]?.model ?? '?'}`,
    `node ${process.version}, ${ipt}, ${nft}, ${legacy}`,
    `load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews the figures)`,
  ].join('\n');
}

/** `bin args < file`, timed from spawn to exit (the applier's spawn cost is in its figure too). */
export function runWithFile(bin: string, args: readonly string[], file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'r');
    const err: Buffer[] = [];
    const t0 = process.hrtime.bigint();
    const p = spawn(bin, args, { stdio: [fd, 'ignore', 'pipe'] });
    p.stderr!.on('data', (d: Buffer) => err.push(d));
    p.once('error', (e) => {
      closeSync(fd);
      reject(e);
    });
    p.once('close', (code) => {
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
      closeSync(fd);
      if (code === 0) resolve(elapsed);
      else reject(new Error(`${bin} ${args.join(' ')} < ${file} failed (${code}): ${Buffer.concat(err).toString().trim()}`));
    });
  });
}
