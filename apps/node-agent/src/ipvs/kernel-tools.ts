/**
 * The IPVS mode's kernel tools, as thin wrappers over their command lines: `ipvsadm` (list, one
 * command, `ipvsadm-restore` for a batch), `ipset` (save, restore), the dummy device `kube-ipvs0`
 * (`ip link`, `ip addr`), and sysctls. Failures are CommandErrors with the tool's own words.
 */
import { parseIpsetSave, parseIpvsadmList, type IpvsTable, type SavedIpset } from '@minimesh/proxy-core';
import { CommandError, type Exec } from '@minimesh/runtime';

export interface IpvsadmOptions {
  /** ipvsadm's path (default `ipvsadm`). */
  bin?: string;
  /** How to run a batch (default `ipvsadm-restore`, reading stdin). */
  restore?: { bin: string; args: readonly string[] };
}

async function must(exec: Exec, file: string, args: readonly string[], input?: string): Promise<string> {
  const r = await exec(file, [...args], input);
  if (r.code !== 0) throw new CommandError(`${file} ${args.join(' ')}`, r.code, r.stderr);
  return r.stdout;
}

export class Ipvsadm {
  private readonly bin: string;
  private readonly restoreCmd: { bin: string; args: readonly string[] };

  constructor(
    private readonly exec: Exec,
    o: IpvsadmOptions = {},
  ) {
    this.bin = o.bin ?? 'ipvsadm';
    this.restoreCmd = o.restore ?? { bin: 'ipvsadm-restore', args: [] };
  }

  /** The kernel's table, counters included (`ipvsadm -Ln`). */
  async list(): Promise<IpvsTable> {
    return parseIpvsadmList(await must(this.exec, this.bin, ['-Ln']));
  }

  async run(args: readonly string[]): Promise<void> {
    await must(this.exec, this.bin, args);
  }

  /** Many commands in one process (`-A`/`-a` lines, as `ipvsadm -Sn` prints them). */
  async restore(text: string): Promise<void> {
    if (text.trim() === '') return;
    await must(this.exec, this.restoreCmd.bin, this.restoreCmd.args, text);
  }
}

export class Ipset {
  constructor(private readonly exec: Exec) {}

  async save(): Promise<SavedIpset[]> {
    return parseIpsetSave(await must(this.exec, 'ipset', ['save']));
  }

  async restore(text: string): Promise<void> {
    if (text.trim() === '') return;
    await must(this.exec, 'ipset', ['restore'], text);
  }
}

/** The dummy device the virtual addresses live on, so the node accepts their packets. */
export class DummyDevice {
  constructor(
    private readonly exec: Exec,
    readonly name: string,
  ) {}

  /** Creates it (type dummy) unless it exists, and brings it up. */
  async ensure(): Promise<void> {
    const shown = await this.exec('ip', ['link', 'show', this.name]);
    if (shown.code !== 0) await must(this.exec, 'ip', ['link', 'add', this.name, 'type', 'dummy']);
    await must(this.exec, 'ip', ['link', 'set', this.name, 'up']);
  }

  async addresses(): Promise<string[]> {
    const out = await must(this.exec, 'ip', ['-o', '-4', 'addr', 'show', 'dev', this.name]);
    return out
      .split('\n')
      .map((l) => /inet ([\d.]+)\/32/.exec(l)?.[1])
      .filter((x): x is string => !!x);
  }

  /** Makes the device's /32 addresses exactly `want`. */
  async sync(want: readonly string[]): Promise<{ added: number; removed: number }> {
    const have = new Set(await this.addresses());
    const wanted = new Set(want);
    let added = 0;
    let removed = 0;
    for (const ip of want) {
      if (have.has(ip)) continue;
      await must(this.exec, 'ip', ['addr', 'add', `${ip}/32`, 'dev', this.name]);
      added++;
    }
    for (const ip of have) {
      if (wanted.has(ip)) continue;
      await must(this.exec, 'ip', ['addr', 'del', `${ip}/32`, 'dev', this.name]);
      removed++;
    }
    return { added, removed };
  }
}

/** `sysctl -w` with the name as kube-proxy writes it (`net/ipv4/vs/conntrack`). */
export async function writeSysctl(exec: Exec, name: string, value: number): Promise<void> {
  await must(exec, 'sysctl', ['-qw', `${name.replace(/\//g, '.')}=${value}`]);
}
