/**
 * nftables mode's netlink path against a real kernel, in two network namespaces this test
 * creates: each transaction of the scenario (the fresh load, the partial syncs, a full one) goes
 * through nft in one and as a netlink batch (Nft with its minimesh-nft-batch helper) in the other,
 * for several skeletons, and `nft list table` reads the same in both after every step. A batch the kernel refuses changes nothing and names the refused
 * command; a helper that dies fails its batch, and the next batch starts a new one; one that
 * keeps dying is given up for nft. Needs root, nft and the built helper (skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, exec as realExec } from '@minimesh/runtime';
import { Nft } from './nft.js';
import { nftNetlinkBatch } from './nft-netlink-batch.js';
import { NftNetlinkSession, NftNetlinkSessionError, NftNetlinkStartError } from './nft-netlink-session.js';
import { OPTION_SETS, partialSyncs } from '../testing/nft-partial-syncs.js';

const VIA_NFT = `mmnlnft${process.pid}`;
const VIA_NETLINK = `mmnlnl${process.pid}`;
const prefix = (ns: string) => ['ip', 'netns', 'exec', ns];
const helperBuilt = new NftNetlinkSession().available();
const skip =
  process.getuid?.() !== 0
    ? 'needs root (network namespaces)'
    : spawnSync('nft', ['--version']).status !== 0
      ? 'needs nft'
      : !helperBuilt
        ? 'needs minimesh-nft-batch (apps/node-agent/native/build.sh)'
        : undefined;
const inNs = (ns: string) => (file: string, args: readonly string[], input?: string) => realExec('ip', ['netns', 'exec', ns, file, ...args], input);
/** An Nft on VIA_NETLINK with the given netlink helper, recording the arguments of every nft it runs. */
const nftWithHelper = (netlink: { prefix: string[]; helper: string }) => {
  const calls: string[] = [];
  const nft = new Nft(async (f, a, i) => {
    calls.push(a.join(' '));
    return inNs(VIA_NETLINK)(f, a, i);
  }, { netlink });
  return { nft, calls };
};
function list(ns: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'ip', 'kube-proxy'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft list table in ${ns}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(skip !== undefined)(`nftables over netlink on a real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    for (const ns of [VIA_NFT, VIA_NETLINK]) spawnSync('ip', ['netns', 'add', ns]);
  });
  afterAll(() => {
    for (const ns of [VIA_NFT, VIA_NETLINK]) spawnSync('ip', ['netns', 'del', ns]);
  });

  OPTION_SETS.forEach((opts, n) => {
    it(`nft netlink - the fresh load, every partial sync and a full one leave the table nft would leave (options ${n + 1}: ${JSON.stringify(opts)})`, async () => {
      const { fresh, steps, full } = partialSyncs(opts);
      const nft = new Nft(inNs(VIA_NFT));
      const netlink = new Nft(inNs(VIA_NETLINK), { netlink: { prefix: prefix(VIA_NETLINK) } });
      try {
        let seen = '';
        for (const s of [{ name: 'fresh', script: fresh }, ...steps, { name: 'full', script: full }]) {
          await nft.apply(s.script);
          await netlink.apply(s.script);
          const text = list(VIA_NETLINK);
          expect(text, s.name).toBe(list(VIA_NFT));
          seen += text;
        }
        expect(netlink.applied).toEqual({ netlink: steps.length + 2, nft: 0 });
        // The kernel held the scenario's shapes on the way (a sample).
        for (const want of ['fib saddr type local goto', 'comment "short-circuit pod traffic"', 'update @affinity-', 'timeout 5m', 'sctp dport 3868', 'ip saddr 10.128.0.0/9 return', 'ip saddr 198.51.100.9 return', 'dnat to 10.244.1.50:5353', 'goto reject-chain', ': drop', 'vmap @service-nodeports']) {
          expect(seen).toContain(want);
        }
      } finally {
        nft.close();
        netlink.close();
      }
    });
  });

  it('nft netlink - a refused batch changes nothing and names the command; a dead helper fails its batch only', async () => {
    const s = new NftNetlinkSession({ prefix: prefix(VIA_NETLINK) });
    try {
      const before = list(VIA_NETLINK);
      const refused = s.apply(nftNetlinkBatch('add chain ip kube-proxy zz-new\ndelete chain ip kube-proxy mark-for-masquerade\n', 1)!);
      await expect(refused).rejects.toBeInstanceOf(CommandError);
      await expect(refused).rejects.toThrow(/Could not process rule: .*\(EBUSY\): delete chain ip kube-proxy mark-for-masquerade/);
      expect(list(VIA_NETLINK)).toBe(before);
      await expect(s.apply(nftNetlinkBatch('delete element ip kube-proxy cluster-ips { 10.255.255.1 }', 1)!)).rejects.toThrow(/ENOENT/);

      process.kill(s.pid!, 'SIGKILL'); // `ip netns exec` became the helper: the same pid
      // Its end is taken at 'close' (stdout read to its end), which may take a while on a busy machine.
      for (let i = 0; i < 200 && s.pid !== undefined; i++) await new Promise((r) => setTimeout(r, 25));
      expect(s.pid).toBeUndefined();
      await s.apply(nftNetlinkBatch('add chain ip kube-proxy zz-new', 1)!);
      expect(list(VIA_NETLINK)).toContain('chain zz-new');

      const dead = new NftNetlinkSession({ helper: '/bin/false' });
      await expect(dead.apply(nftNetlinkBatch('add chain ip kube-proxy never', 1)!)).rejects.toBeInstanceOf(NftNetlinkStartError);
    } finally {
      s.close();
    }
  });

  it('nft netlink - a helper that cannot run sends nothing: the transaction and every later one go through nft', async () => {
    const { nft, calls } = nftWithHelper({ prefix: [], helper: '/bin/false' });
    await nft.apply('add chain ip kube-proxy zz-a');
    await nft.apply('add chain ip kube-proxy zz-b');
    expect(calls).toEqual(['-f -', '-f -']);
    expect(nft.applied).toEqual({ netlink: 0, nft: 2 });
    expect(list(VIA_NETLINK)).toContain('chain zz-b');
  });

  it('nft netlink - Nft gives up on a helper that keeps dying after it started and sends everything through nft', async () => {
    // Says it is ready, then dies before it answers: the batch's fate is unknown.
    const { nft, calls } = nftWithHelper({ prefix: ['sh', '-c', 'echo ready; exit 1'], helper: '/bin/true' });
    for (let i = 0; i < 3; i++) await expect(nft.apply('add chain ip kube-proxy zz-c')).rejects.toBeInstanceOf(NftNetlinkSessionError);
    expect(calls).toEqual([]);
    await nft.apply('add chain ip kube-proxy zz-c');
    expect(calls).toEqual(['-f -']);
    expect(list(VIA_NETLINK)).toContain('chain zz-c');
  });
});
