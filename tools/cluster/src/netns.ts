/**
 * A thin wrapper over iproute2 (`ip`) for network namespaces, with one-line errors that say
 * which command failed and why. Nothing here touches the root namespace's links, addresses or
 * routes: every link and route command takes the namespace it acts in (`ip -n NS ...`).
 */
import { execFileSync } from 'node:child_process';
import { run } from '@minimesh/runtime';

export { CommandError } from '@minimesh/runtime';

/** Runs a program and returns its stdout; throws CommandError with the last line of stderr. */
export function exec(cmd: string, args: string[]): Promise<string> {
  return run(cmd, args);
}

/** `ip -n NS <args>` (or plain `ip <args>` for namespace management). */
export function ip(netns: string, ...args: string[]): Promise<string> {
  return exec('ip', ['-n', netns, ...args]);
}

export async function listNetns(): Promise<string[]> {
  const out = await exec('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export async function addNetns(name: string): Promise<void> {
  await exec('ip', ['netns', 'add', name]);
  await ip(name, 'link', 'set', 'lo', 'up');
}

/** Deletes a namespace; a missing one is fine. */
export async function deleteNetns(name: string): Promise<void> {
  try {
    await exec('ip', ['netns', 'del', name]);
  } catch (e) {
    if (!/No such file|Invalid argument|does not exist/i.test((e as Error).message)) throw e;
  }
}

/** Process ids whose network namespace is `name`. */
export async function netnsPids(name: string): Promise<number[]> {
  try {
    const out = await exec('ip', ['netns', 'pids', name]);
    return out.split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger);
  } catch {
    return [];
  }
}

/** `ip netns exec NS sysctl -q -w k=v ...`: sysctls of that namespace. */
export async function setSysctls(netns: string, values: Record<string, string | number>): Promise<void> {
  await exec('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
}

/**
 * A veth pair created directly inside `netns` (its end named `name`) with the peer moved into
 * `peerNetns` as `peerName`: no name ever appears in the root namespace.
 */
export async function addVeth(netns: string, name: string, peerNetns: string, peerName: string): Promise<void> {
  await ip(netns, 'link', 'add', name, 'type', 'veth', 'peer', 'name', peerName, 'netns', peerNetns);
}

/** Does `ip netns` work here (root, iproute2 installed, /run/netns writable)? Returns the reason when not. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    return `\`ip netns list\` failed: ${(e as Error).message.split('\n')[0]}`;
  }
}
