/**
 * stagedLoad: a fresh transaction split into what hooks nothing (led by `create table`) and the
 * base chains' rules, every line kept once and in order; any other transaction is not staged.
 * nftNetlinkBatchFrom: the stages' batches hold the same messages as the one batch, a line's
 * messages in one stage, each stage near its size. Nft's staged path against a stand-in helper
 * (testing/fake-nft-batch.mjs): the frames it sends, the fall-back to one batch when the table is
 * there, and a helper that dies between stages. (Against the kernel: nft-netlink.kernel.spec.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Exec } from '@minimesh/runtime';
import { Nft } from './nft.js';
import { nftNetlinkBatch, nftNetlinkBatchFrom } from './nft-netlink-batch.js';
import { NftNetlinkRefusedError, NftNetlinkSessionError } from './nft-netlink-session.js';
import { STAGE_BYTES, stagedLoad } from './nft-staged-load.js';
import { OPTION_SETS, partialSyncs } from '../testing/nft-partial-syncs.js';

const FAKE = fileURLToPath(new URL('../testing/fake-nft-batch.mjs', import.meta.url));

/**
 * The messages of a batch without BATCH_BEGIN/END: type, flags, and the rest from nfgenmsg on, as
 * hex. A set's id (NFTA_SET_ID, numbered per batch: it names a set made in the same batch) is
 * left out of NEWSET messages.
 */
function messages(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += bytes.readUInt32LE(at)) {
    const type = bytes.readUInt16LE(at + 4);
    let body = bytes.subarray(at + 16, at + bytes.readUInt32LE(at)).toString('hex');
    if (type === 0x0a09) body = body.replace(/08000a00[0-9a-f]{8}/, '08000a00 id ');
    out.push(`${type.toString(16)} ${bytes.readUInt16LE(at + 6).toString(16)} ${body}`);
  }
  return out.slice(1, -1);
}

describe('stagedLoad', () => {
  it('nft staged - a fresh load: `create table` and everything but the base chains\' rules, then those rules', () => {
    for (const opts of OPTION_SETS) {
      const lines = partialSyncs(opts).fresh.split('\n');
      const plan = stagedLoad(lines)!;
      expect(plan, JSON.stringify(opts)).toBeDefined();
      expect(plan.body[0]).toBe('create table ip kube-proxy { comment "rules for kube-proxy" ; }');
      // Every line but the table's three, once, in its order within each part.
      const rest = lines.slice(3).filter((l) => l !== '');
      expect([...plan.body.slice(1), ...plan.hooks].sort()).toEqual([...rest].sort());
      expect(plan.body.slice(1)).toEqual(rest.filter((l) => !plan.hooks.includes(l)));
      expect(plan.hooks).toEqual(rest.filter((l) => plan.hooks.includes(l)));
      // The base chains (made in the first stage, empty), and the hooks: only rules in them.
      const bases = plan.body.filter((l) => / \{ type (nat|filter) hook /.test(l));
      expect(bases.length).toBeGreaterThanOrEqual(5);
      const baseNames = new Set(bases.map((l) => l.split(' ')[4]));
      for (const l of plan.hooks) expect(l.startsWith('add rule ') && baseNames.has(l.split(' ')[4]!), l).toBe(true);
      for (const l of plan.body) expect(l.startsWith('add rule ') && baseNames.has(l.split(' ')[4]!), l).toBe(false);
      expect(plan.hooks).toContain('add rule ip kube-proxy nat-prerouting jump services');
    }
  });

  it('nft staged - partial and full transactions, and anything else, are not staged', () => {
    const { fresh, steps, full } = partialSyncs(OPTION_SETS[0]!);
    for (const s of steps) expect(stagedLoad(s.script.split('\n')), s.name).toBeUndefined();
    expect(stagedLoad(full.split('\n'))).toBeUndefined();
    const lines = fresh.split('\n');
    expect(stagedLoad(lines.slice(1))).toBeUndefined(); // no `add table` first
    expect(stagedLoad([...lines, 'flush chain ip kube-proxy services'])).toBeUndefined();
    expect(stagedLoad([...lines, 'add chain ip other x'])).toBeUndefined(); // another table
    expect(stagedLoad([lines[0]!, 'delete table ip other', lines[0]!])).toBeUndefined();
    expect(stagedLoad([])).toBeUndefined();
  });
});

describe('nftNetlinkBatchFrom', () => {
  it('nft staged - batches of at most ~N bytes hold, between them, the messages of the one batch, each mapped to its line', () => {
    const lines = partialSyncs(OPTION_SETS[1]!).fresh.split('\n');
    const whole = nftNetlinkBatch(lines, 1)!;
    const parts: string[] = [];
    let batches = 0;
    for (let at = 0; at < lines.length; batches++) {
      const stage = nftNetlinkBatchFrom(lines, at, 1, 2048)!;
      expect(stage.next).toBeGreaterThan(at);
      const msgs = messages(stage.batch.bytes);
      parts.push(...msgs);
      // Messages numbered from 1 (BATCH_BEGIN) in each batch; message 2 is the stage's first line's.
      expect(stage.batch.bytes.readUInt32LE(8)).toBe(1);
      const first = lines.slice(at).find((l) => l.trim() !== '');
      expect(stage.batch.lineOf(2)).toBe(first);
      // Every message of the stage is one of its own lines' (a line's messages are not split),
      // and the stage ends with the line that took it past 2 KiB.
      const own = new Set(lines.slice(at, stage.next).map((l) => l.trim()));
      for (let seq = 2; seq <= msgs.length + 1; seq++) expect(own.has(stage.batch.lineOf(seq)!)).toBe(true);
      const withoutLast = nftNetlinkBatch(lines.slice(at, stage.next - 1), 1)!;
      expect(withoutLast.bytes.length).toBeLessThan(2048 + 40);
      at = stage.next;
    }
    expect(batches).toBeGreaterThan(3);
    expect(parts).toEqual(messages(whole.bytes));
    expect(nftNetlinkBatchFrom(['add chain ip kube-proxy a', 'add rule ip kube-proxy a nonsense'], 0, 1, 1 << 20)).toBeUndefined();
  });

  it('nft staged - `create table` is `add table` with NLM_F_EXCL', () => {
    const add = nftNetlinkBatch('add table ip kube-proxy { comment "rules for kube-proxy" ; }', 1)!.bytes;
    const create = nftNetlinkBatch('create table ip kube-proxy { comment "rules for kube-proxy" ; }', 1)!.bytes;
    expect(create.length).toBe(add.length);
    // The message after BATCH_BEGIN (20 bytes): flags at offset 6 of its header.
    expect(add.readUInt16LE(20 + 6)).toBe(0x401); // NLM_F_REQUEST | NLM_F_CREATE
    expect(create.readUInt16LE(20 + 6)).toBe(0x601); // … | NLM_F_EXCL
    expect(Buffer.concat([create.subarray(0, 26), create.subarray(28)])).toEqual(Buffer.concat([add.subarray(0, 26), add.subarray(28)]));
  });
});

describe('Nft: a fresh load in stages, with a stand-in helper', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-nft-staged-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const noNft: Exec = async (file) => {
    throw new Error(`${file} was run`);
  };
  /** An Nft whose helper answers `answers`; `frames()` reads the message types of each frame it got. */
  function withHelper(answers: string) {
    const log = join(dir, `frames-${++n}`);
    const nft = new Nft(noNft, { netlink: { prefix: [process.execPath, FAKE, answers, log], helper: '/bin/true' } });
    const frames = () => readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(','));
    return { nft, frames };
  }
  // BATCH_BEGIN, NEWTABLE, BATCH_END; NEWRULE; DELTABLE; NEWCHAIN.
  const [BEGIN, NEWTABLE, END, NEWRULE, DELTABLE, NEWCHAIN] = ['10', 'a00', '11', 'a06', 'a02', 'a03'];
  /** The last stage: rules (and the anonymous sets they look up), no chain, no table. */
  const onlyRules = (frame: string[]) => frame.includes(NEWRULE) && !frame.includes(NEWCHAIN) && !frame.includes(NEWTABLE);
  /** The scenario's fresh load with enough chains after it for several stages. */
  const big = () => [...partialSyncs(OPTION_SETS[0]!).fresh.split('\n'), ...Array.from({ length: Math.ceil((3 * STAGE_BYTES) / 50) }, (_, i) => `add chain ip kube-proxy zz-pad-${i}`)];

  it('nft staged - no table: `create table` alone, the stages, then a batch of the base chains\' rules only', async () => {
    const { nft, frames } = withHelper('');
    try {
      await nft.apply(big());
      expect(nft.applied).toEqual({ netlink: 1, staged: 1, nft: 0 });
      const f = frames();
      expect(f[0]).toEqual([BEGIN, NEWTABLE, END]);
      expect(f.length).toBeGreaterThanOrEqual(5); // create, three stages or more, the hooks
      expect(onlyRules(f.at(-1)!)).toBe(true);
      for (const stage of f.slice(1, -1)) expect(stage.includes(DELTABLE) || stage.includes(NEWTABLE) || onlyRules(stage)).toBe(false);
    } finally {
      nft.close();
    }
  });

  it('nft staged - the table is there (EEXIST for `create table`): the transaction goes as one batch; EEXIST for the batch itself is an error', async () => {
    const { nft, frames } = withHelper('err 17 2');
    try {
      await nft.apply(big());
      expect(nft.applied).toEqual({ netlink: 1, staged: 0, nft: 0 });
      const f = frames();
      expect(f).toHaveLength(2);
      expect(f[1]!.slice(0, 4)).toEqual([BEGIN, NEWTABLE, DELTABLE, NEWTABLE]); // add, delete, add: one transaction
    } finally {
      nft.close();
    }
    const other = withHelper('err 17 0');
    try {
      await expect(other.nft.apply(big())).rejects.toBeInstanceOf(NftNetlinkRefusedError);
      expect(other.frames()).toHaveLength(1);
    } finally {
      other.nft.close();
    }
  });

  it('nft staged - a helper that dies between stages fails the load and gets no more frames; the next apply starts a new one', async () => {
    const { nft, frames } = withHelper('ok,ok,die');
    try {
      await expect(nft.apply(big())).rejects.toBeInstanceOf(NftNetlinkSessionError);
      const sent = frames().length;
      expect(sent).toBeGreaterThanOrEqual(3);
      expect(frames().some(onlyRules)).toBe(false); // the base chains' rules never went
      await nft.apply('add chain ip kube-proxy zz-after');
      expect(frames()).toHaveLength(sent + 1);
      expect(nft.applied).toEqual({ netlink: 1, staged: 0, nft: 0 });
    } finally {
      nft.close();
    }
  });
});
