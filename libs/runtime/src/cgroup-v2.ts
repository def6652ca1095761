/** Where cgroup v2 is mounted: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one; undefined without it. */
import { readFileSync } from 'node:fs';

export function cgroupV2Root(mounts?: string): string | undefined {
  let text = mounts;
  try {
    text ??= readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return undefined;
  }
  return text
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[2] === 'cgroup2')?.[1];
}
