/**
 * nftNetlinkBatch: the messages are those nft 1.0.6 sends for the same commands, byte for byte
 * (36 commands captured from `nft --debug=mnl`; for element and `@set` commands nft adds the set's
 * id from its cache, which the kernel needs only for a set made in the same batch and finds by
 * name otherwise), every transaction NftablesRuleset writes is one batch, errors name the right
 * command, and anything else is left to nft.
 */
import { describe, expect, it } from 'vitest';
import { nftNetlinkBatch } from './nft-netlink-batch.js';
import { NFT_1_0_6_MESSAGES } from '../testing/nft-golden-messages.js';
import { OPTION_SETS, partialSyncs } from '../testing/nft-partial-syncs.js';

/** Each message of a batch from its nfgenmsg header on (sequence and flags left out), as hex. */
function payloads(script: string): string[] {
  const b = nftNetlinkBatch(script, 1);
  if (b === undefined) throw new Error(`not compiled: ${script}`);
  const out: string[] = [];
  for (let at = 0; at < b.bytes.length; at += b.bytes.readUInt32LE(at)) out.push(b.bytes.subarray(at + 16, at + b.bytes.readUInt32LE(at)).toString('hex'));
  return out.slice(1, -1); // without BATCH_BEGIN and BATCH_END
}

/** The messages between BATCH_BEGIN and BATCH_END, as hex. */
function messagesHex(script: string): string {
  const b = nftNetlinkBatch(script, 1);
  if (b === undefined) throw new Error(`not compiled: ${script}`);
  return b.bytes.subarray(20, b.bytes.length - 20).toString('hex');
}

const hex = (s: string) => s.replace(/\s+/g, '');

describe('nftNetlinkBatch', () => {
  it('nft netlink - the messages of 36 commands are those nft 1.0.6 sends', () => {
    for (const [command, messages] of NFT_1_0_6_MESSAGES) expect(payloads(command), command).toEqual(messages);
  });

  it('nft netlink - a DNAT rule, a verdict-map element with a comment and an affinity set as nft sends them', () => {
    // nlmsghdr (length, NFT_MSG_NEWRULE | REQUEST,CREATE,APPEND, seq 2, port 0), nfgenmsg (ip), table, chain, expressions.
    expect(messagesHex('add rule ip kp ep1 meta l4proto tcp dnat to 10.244.1.5:8080')).toBe(
      hex(`08010000 060a010c 02000000 00000000 02000000 07000100 6b700000 08000200 65703100 e4000480
        24000180 09000100 6d657461 00000000 14000280 08000200 00000010 08000100 00000001
        2c000180 08000100 636d7000 20000280 08000100 00000001 08000200 00000000 0c000380 05000100 06000000
        2c000180 0e000100 696d6d65 64696174 65000000 18000280 08000100 00000001 0c000280 08000100 0af40105
        2c000180 0e000100 696d6d65 64696174 65000000 18000280 08000100 00000002 0c000280 06000100 1f900000
        38000180 08000100 6e617400 2c000280 08000100 00000001 08000200 00000002 08000300 00000001 08000500 00000002 08000700 00000002`),
    );
    // Key 10.96.0.9 . tcp . 80 (each part padded to 4 bytes), goto svc, comment in the user data.
    expect(messagesHex('add element ip kp service-ips { 10.96.0.9 . tcp . 80 comment "ns/svc:http" : goto svc }')).toBe(
      hex(`74000000 0c0a0104 02000000 00000000 02000000 07000100 6b700000 10000200 73657276 6963652d 69707300
        48000380 44000180 14000180 10000100 0a600009 06000000 00500000 18000280 14000280 08000100 fffffffc 08000200 73766300
        12000600 000c6e73 2f737663 3a687474 70000000`),
    );
    // Flags timeout|dynamic, key ipv4_addr of 4 bytes, set id 1, timeout 10,800,000 ms, key byte order big-endian.
    expect(messagesHex('add set ip kp aff2 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }')).toBe(
      hex(`60000000 090a0104 02000000 00000000 02000000 07000100 6b700000 09000200 61666632 00000000 08000300 00000030
        08000400 00000007 08000500 00000004 08000a00 00000001 0c000b00 00000000 00a4cb80 0a000d00 00040200 00000000`),
    );
  });

  it('nft netlink - the batch is framed by BATCH_BEGIN and BATCH_END for nf_tables, messages numbered in order, each mapped to its command', () => {
    const localnet = 'add rule ip kube-proxy a ct state != { established, related } drop';
    const b = nftNetlinkBatch(`add chain ip kube-proxy a\n${localnet}\n\nflush chain ip kube-proxy a\ndelete chain ip kube-proxy a\n`, 40)!;
    const types: number[] = [];
    const seqs: number[] = [];
    for (let at = 0; at < b.bytes.length; at += b.bytes.readUInt32LE(at)) {
      types.push(b.bytes.readUInt16LE(at + 4));
      seqs.push(b.bytes.readUInt32LE(at + 8));
    }
    // BATCH_BEGIN, NEWCHAIN, the anonymous set (NEWSET, NEWSETELEM) and the rule, DELRULE (flush), DELCHAIN, BATCH_END.
    expect(types).toEqual([0x10, 0x0a03, 0x0a09, 0x0a0c, 0x0a06, 0x0a08, 0x0a05, 0x11]);
    expect(seqs).toEqual([40, 41, 42, 43, 44, 45, 46, 47]);
    expect(b.bytes.subarray(16, 20)).toEqual(Buffer.from([0, 0, 0, 10])); // res_id NFNL_SUBSYS_NFTABLES
    expect([40, 41, 42, 43, 44, 45, 46, 47].map((seq) => b.lineOf(seq))).toEqual([
      undefined,
      'add chain ip kube-proxy a',
      localnet,
      localnet,
      localnet,
      'flush chain ip kube-proxy a',
      'delete chain ip kube-proxy a',
      undefined,
    ]);
    // A transaction's lines, as the proxier hands them over, make the same batch.
    const fromLines = nftNetlinkBatch(['add chain ip kube-proxy a', localnet, '', 'flush chain ip kube-proxy a', 'delete chain ip kube-proxy a'], 40)!;
    expect(fromLines.bytes).toEqual(b.bytes);
    expect(fromLines.lineOf(42)).toBe(localnet);
    expect(fromLines.lineOf(45)).toBe('flush chain ip kube-proxy a');
  });

  it('nft netlink - every transaction of the scenario is one batch, fresh and full ones included', () => {
    for (const opts of OPTION_SETS) {
      const { fresh, steps, full } = partialSyncs(opts);
      expect(nftNetlinkBatch(fresh, 1), JSON.stringify(opts)).toBeDefined();
      for (const s of steps) expect(nftNetlinkBatch(s.script, 1), s.name).toBeDefined();
      expect(nftNetlinkBatch(full, 1)).toBeDefined();
    }
    // Several Service CIDRs make an anonymous interval set, which is left to nft.
    expect(nftNetlinkBatch(partialSyncs({ serviceCIDRs: ['10.96.0.0/12', '10.112.0.0/16'] }).fresh, 1)).toBeUndefined();
  });

  it('nft netlink - commands, statements and values it does not know are left to nft', () => {
    for (const line of [
      'add table ip kube-proxy',
      'add chain ip kube-proxy in { type filter hook ingress priority 0 ; }',
      'add map ip kube-proxy m { type ipv4_addr : verdict ; comment "m" ; }',
      'add rule ip kube-proxy a ip daddr { 10.96.0.0/12, 10.112.0.0/16 } drop',
      'add rule ip kube-proxy a ct state != { established, nonsense } drop',
      'add rule ip kube-proxy a meta mark set meta mark | 4000',
      'add chain ip6 kube-proxy a',
      'add rule ip kube-proxy a counter',
      'add rule ip kube-proxy a ip saddr 10.0.0.1/8 return', // host bits set: nft's own error
      'add rule ip kube-proxy a tcp dport 70000 drop',
      'add rule ip kube-proxy a meta l4proto tcp tcp dport 80 drop', // nft would drop the repeated protocol match
      'add rule ip kube-proxy a dnat to 10.0.0.1:80', // no protocol for the port
      'add rule ip kube-proxy a drop accept',
      'add rule ip kube-proxy a numgen random mod 2 2 goto b',
      'add rule ip kube-proxy a drop comment "unterminated',
      'add set ip kube-proxy s { type ipv4_addr ; }',
      'add element ip kube-proxy service-ips { 10.0.0.1 . tcp . 80 : goto a, 10.0.0.2 . tcp . 80 : goto a }',
      'add element ip kube-proxy service-ips { 10.0.0.1 . tcp : goto a }'.replace(' . tcp', ' . tcp .'),
      'add element ip kube-proxy service-ips { 10.0.0.1 . icmp . 80 : goto a }',
      'delete element ip kube-proxy service-ips { 10.0.0.1 . tcp . 80 : goto a }',
      `add rule ip kube-proxy a drop comment "${'x'.repeat(129)}"`, // nft: comment too long
      'add rule ip kube-proxy a toString',
      'add rule ip kube-proxy a constructor x',
      'add element ip kube-proxy service-ips { 10.0.0.1 . tcp . 80 : toString }',
      'add element ip kube-proxy service-ips { 10.0.0.1 . 6 . 80 : goto a }', // a protocol by number
      'add element ip kube-proxy service-ips { tcp . 10.0.0.1 . 80 : goto a }',
      'add rule ip kube-proxy a masquerade drop',
    ]) {
      expect(nftNetlinkBatch(`add chain ip kube-proxy a\n${line}\n`, 1), line).toBeUndefined();
    }
  });
});
