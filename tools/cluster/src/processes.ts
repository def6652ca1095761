/**
 * Detached background processes: started in their own session (so they outlive the command that
 * started them), output appended to a log file, and a pid file `<pids>/<name>.pid` holding
 * "<pid> <start time>". The start time (from /proc/<pid>/stat) makes a recycled pid harmless: a
 * process is only "ours" if both match. Stopping is SIGTERM to the process group, then SIGKILL.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { inCgroup } from './cgroups.js';

export interface ProcessRecord {
  name: string;
  pid: number;
  /** Clock ticks since boot at which the process started (field 22 of /proc/<pid>/stat). */
  startTime: number;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  pidDir: string;
  /** Run inside this network namespace (`ip netns exec NS ...`, which execs: the pid stays the same). */
  netns?: string;
  /** Run inside this cgroup v2 directory (a node's: cgroups.ts). */
  cgroup?: string;
  /** With netns: enter only the network namespace (nsenter), keeping the host's mounts (cgroup v2, bpffs), which `ip netns exec` hides. */
  hostMounts?: boolean;
  cwd?: string;
}

interface ProcStat {
  state: string;
  startTime: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, startTime: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** Alive and the same process (not a zombie, not a recycled pid). */
export function isAlive(pid: number, startTime?: number): boolean {
  const st = procStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}

export function pidFile(pidDir: string, name: string): string {
  return join(pidDir, `${name}.pid`);
}

/** The command line of `o`, inside its network namespace when it has one. */
function enterNetns(o: StartOptions): [string, string[]] {
  if (o.netns === undefined) return [o.command, o.args];
  if (o.hostMounts) return ['nsenter', [`--net=/run/netns/${o.netns}`, '--', o.command, ...o.args]];
  return ['ip', ['netns', 'exec', o.netns, o.command, ...o.args]];
}

export function startDetached(o: StartOptions): ProcessRecord {
  mkdirSync(o.pidDir, { recursive: true });
  const [cmd, args] = inCgroup(o.cgroup, ...enterNetns(o));
  const log = openSync(o.logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log], env: o.env, cwd: o.cwd });
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`could not start ${o.name}: ${cmd} not found`);
    child.unref();
    const startTime = procStat(child.pid)?.startTime ?? 0;
    const rec = { name: o.name, pid: child.pid, startTime };
    writeFileSync(pidFile(o.pidDir, o.name), `${rec.pid} ${rec.startTime}\n`);
    return rec;
  } finally {
    closeSync(log);
  }
}

export function readPidFile(path: string): ProcessRecord | undefined {
  try {
    const [pid, startTime] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    if (!Number.isInteger(pid) || pid! <= 1) return undefined;
    return { name: basename(path, '.pid'), pid: pid!, startTime: startTime ?? 0 };
  } catch {
    return undefined;
  }
}

export function readPidFiles(pidDir: string): ProcessRecord[] {
  if (!existsSync(pidDir)) return [];
  return readdirSync(pidDir)
    .filter((f) => f.endsWith('.pid'))
    .sort()
    .flatMap((f) => readPidFile(join(pidDir, f)) ?? []);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  // Detached children lead their own process group: signal the group, then the pid itself.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      /* gone already, or not a group leader */
    }
  }
}

/**
 * SIGTERM, then SIGKILL after `graceMs`, for every pid still alive (and still the same process
 * when a start time is known). Resolves once all are gone; returns how many were signalled.
 */
export async function stopAll(procs: { pid: number; startTime?: number }[], graceMs = 5000): Promise<number> {
  const own = new Set([process.pid, process.ppid]);
  const live = procs.filter((p) => !own.has(p.pid) && isAlive(p.pid, p.startTime));
  for (const p of live) signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.some((p) => isAlive(p.pid, p.startTime)) && Date.now() < deadline) await sleep(25);
  const stubborn = live.filter((p) => isAlive(p.pid, p.startTime));
  for (const p of stubborn) signal(p.pid, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (stubborn.some((p) => isAlive(p.pid, p.startTime)) && Date.now() < killDeadline) await sleep(25);
  return live.length;
}

/** Stops the process of a pid file (if it is still ours) and removes the file. */
export async function stopByPidFile(path: string, graceMs?: number): Promise<boolean> {
  const rec = readPidFile(path);
  const stopped = rec ? (await stopAll([rec], graceMs)) > 0 : false;
  rmSync(path, { force: true });
  return stopped;
}

/**
 * Leftovers after a crash: live node or nats-server processes whose command line mentions `path`
 * (the cluster's state directory appears in every control-plane process's flags).
 */
export function processesMentioning(path: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || pid === process.ppid) continue;
    try {
      const exe = basename(readlinkSync(`/proc/${pid}/exe`));
      if (!/^(node|nats-server)/.test(exe)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((a) => a.includes(path)) && isAlive(pid)) found.push(pid);
    } catch {
      /* exited meanwhile, or a kernel thread */
    }
  }
  return found;
}
