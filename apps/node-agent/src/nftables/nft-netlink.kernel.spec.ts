/**
 * nftables mode's netlink path against a real kernel, in two network namespaces this test
 * creates: each transaction of the scenario (the fresh load, the partial syncs, a full one) goes
 * through nft in one and as a netlink batch (Nft with its minimesh-nft-batch helper) in the other,
 * for several skeletons, and `nft list table` reads the same in both after every step. The fresh
 * load goes in stages when the table is not there, as one batch when it is; a refused stage
 * leaves a table that hooks nothing, which the next fresh load replaces; a stage with a line the
 * encoder does not know sends the transaction through nft. A batch the kernel refuses changes
 * nothing and names the refused command; a helper that dies fails its batch, and the next batch
 * starts a new one; one that keeps dying is given up for nft. Needs root, nft and the built helper
 * (skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, exec as realExec } from '@minimesh/runtime';
import { Nft } from './nft.js';
import { nftNetlinkBatch } from './nft-netlink-batch.js';
import { NftNetlinkRefusedError, NftNetlinkSession, NftNetlinkSessionError, NftNetlinkStartError } from './nft-netlink-session.js';
import { STAGE_BYTES } from './nft-staged-load.js';
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
function deleteTable(ns: string): void {
  spawnSync('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'ip', 'kube-proxy']);
}
/** The fresh load of the scenario, then enough chains to fill two more stages, then `extra` lines. */
function paddedFresh(extra: readonly string[]): string {
  const lines = partialSyncs(OPTION_SETS[0]!).fresh.split('\n');
  // ~60 bytes of netlink each: two stages and more.
  const pad = Array.from({ length: Math.ceil((2 * STAGE_BYTES) / 50) }, (_, i) => `add chain ip kube-proxy zz-pad-${i}`);
  return [...lines, ...pad, ...extra].join('\n');
}
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
      for (const ns of [VIA_NFT, VIA_NETLINK]) deleteTable(ns); // a node's first start
      try {
        let seen = '';
        for (const s of [{ name: 'fresh', script: fresh }, ...steps, { name: 'full', script: full }]) {
          await nft.apply(s.script);
          await netlink.apply(s.script);
          const text = list(VIA_NETLINK);
          expect(text, s.name).toBe(list(VIA_NFT));
          seen += text;
        }
        expect(netlink.applied).toEqual({ netlink: steps.length + 2, staged: 1, nft: 0 });
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

  it('nft netlink - over a table that is there (a restart) the fresh load is one batch; a refused stage leaves a table that hooks nothing, replaced by the next fresh load', async () => {
    const { fresh } = partialSyncs(OPTION_SETS[0]!);
    const nft = new Nft(inNs(VIA_NFT));
    const netlink = new Nft(inNs(VIA_NETLINK), { netlink: { prefix: prefix(VIA_NETLINK) } });
    try {
      await nft.apply(fresh);
      await netlink.apply('add table ip kube-proxy { comment "an older agent" ; }\nadd chain ip kube-proxy zz-old');
      await netlink.apply(fresh);
      expect(list(VIA_NETLINK)).toBe(list(VIA_NFT));
      expect(netlink.applied).toEqual({ netlink: 2, staged: 0, nft: 0 });

      // The second stage names a chain that is not there: refused; the hooks were not sent.
      deleteTable(VIA_NETLINK);
      const bad = paddedFresh(['add rule ip kube-proxy zz-pad-0 jump no-such-chain']);
      const refused = netlink.apply(bad);
      await expect(refused).rejects.toBeInstanceOf(NftNetlinkRefusedError);
      await expect(refused).rejects.toThrow(/\(ENOENT\): add rule ip kube-proxy zz-pad-0 jump no-such-chain/);
      // Stages are in, the base chains among them, but without their rules: nothing reaches the rest.
      const half = list(VIA_NETLINK);
      expect(half).toContain('chain zz-pad-0 {');
      expect(half).toMatch(/chain nat-prerouting \{\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\}/);
      expect(half).not.toContain('jump services');
      // What the proxier does next: a fresh load again, now over that table (one batch).
      await netlink.apply(fresh);
      expect(list(VIA_NETLINK)).toBe(list(VIA_NFT));
      expect(netlink.applied).toEqual({ netlink: 3, staged: 0, nft: 0 });

      // A line the encoder does not know, past the first stage: nft loads the whole transaction.
      deleteTable(VIA_NETLINK);
      deleteTable(VIA_NFT);
      const odd = paddedFresh(['add rule ip kube-proxy zz-pad-0 counter']);
      await netlink.apply(odd);
      await nft.apply(odd);
      expect(list(VIA_NETLINK)).toBe(list(VIA_NFT));
      expect(list(VIA_NETLINK)).toContain('counter packets 0 bytes 0');
      expect(netlink.applied).toEqual({ netlink: 3, staged: 0, nft: 1 });

      // A padded fresh load in stages (three here) equals nft's.
      deleteTable(VIA_NETLINK);
      deleteTable(VIA_NFT);
      const big = paddedFresh([]);
      await netlink.apply(big);
      await nft.apply(big);
      expect(list(VIA_NETLINK)).toBe(list(VIA_NFT));
      expect(netlink.applied).toEqual({ netlink: 4, staged: 1, nft: 1 });
    } finally {
      nft.close();
      netlink.close();
    }
  });

  it('nft netlink - batches written before the answers: each answered in order; a refused one fails the call once all are answered, an iterator that throws too', async () => {
    const s = new NftNetlinkSession({ prefix: prefix(VIA_NETLINK) });
    try {
      const batch = (script: string) => nftNetlinkBatch(script, 1)!;
      await s.applyEach(['add chain ip kube-proxy zz-q1', 'add chain ip kube-proxy zz-q2', 'add chain ip kube-proxy zz-q3'].map(batch));
      expect(list(VIA_NETLINK)).toMatch(/zz-q1[^]*zz-q2[^]*zz-q3/);
      const refused = s.applyEach(['add chain ip kube-proxy zz-q4', 'delete chain ip kube-proxy no-such', 'add chain ip kube-proxy zz-q5'].map(batch));
      await expect(refused).rejects.toThrow(/ENOENT.*delete chain ip kube-proxy no-such/);
      // Written before the refusal was read: the batch after it stands too.
      expect(list(VIA_NETLINK)).toMatch(/zz-q4[^]*zz-q5/);
      function* throwing() {
        yield batch('add chain ip kube-proxy zz-q6');
        throw new Error('no more');
      }
      await expect(s.applyEach(throwing())).rejects.toThrow('no more');
      expect(list(VIA_NETLINK)).toContain('zz-q6');
      await s.apply(batch('add chain ip kube-proxy zz-q7'));
      expect(list(VIA_NETLINK)).toContain('zz-q7');
    } finally {
      s.close();
    }
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
    expect(nft.applied).toEqual({ netlink: 0, staged: 0, nft: 2 });
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
