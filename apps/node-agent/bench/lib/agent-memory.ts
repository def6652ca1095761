/** The latency benchmark's last table: each node agent's memory, and its helper processes'. */
import { readFileSync, readdirSync } from 'node:fs';
import { table } from './stats.js';
import { NODES } from './kernel-observer.js';

/** The agents' memory at the end (VmRSS now, VmHWM the peak), and their helper processes'. */
export function reportMemory(cluster: string, background: number): void {
  const kib = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
  const rows = NODES.map((node) => {
    const pid = Number(readFileSync(`/run/minimesh/${cluster}/pids/node-agent-${node}.pid`, 'utf8').split(/\s+/)[0]);
    const children = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    const helpers = children.map((c) => `${readFileSync(`/proc/${c}/comm`, 'utf8').trim()} ${mib(kib(c, 'VmRSS'))}`).join(', ') || 'none';
    return [node, mib(kib(pid, 'VmRSS')), mib(kib(pid, 'VmHWM')), helpers];
  });
  console.log(`\n## Node agents' memory at the end (${background} background Services)\n`);
  console.log(table(['node', 'agent RSS', 'agent peak RSS', 'helper processes (RSS)'], rows));
}
