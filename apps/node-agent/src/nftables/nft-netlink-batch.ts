/**
 * A transaction of NftablesRuleset as one nf_tables netlink batch, ready for the kernel: the
 * same messages nft would send for it, without nft's parsing and its cache fill (before a rule or
 * element command, nft 1.0.6 reads every chain of every table; at 10,000 Services that is 30,000
 * chains and most of a small transaction's time). Every message names its table, chain and set,
 * which the kernel resolves itself, also for chains and sets the same batch creates.
 *
 * The commands known here are those the ruleset writes: the table with its comment (`add`, or
 * `create`: only if it is not there), base chains
 * on their hooks, `add|flush|delete chain`, `add rule` (nft-rule-expressions.ts), `delete table`,
 * and the set and element commands of nft-set-commands.ts, all in the `ip` family. A transaction
 * with any other line (e.g. a drop rule for several Service CIDRs, which needs an anonymous
 * interval set) gives undefined: nft sends it.
 */
import { NetlinkWriter, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST } from './netlink-message.js';
import { beginNft, NFNL_SUBSYS_NFTABLES, NFPROTO_UNSPEC, NFT_MSG, type MessageWriter } from './nft-message-types.js';
import { ruleExpressions } from './nft-rule-expressions.js';
import { elementCommand, setCommand, writeCtStateSet } from './nft-set-commands.js';
import { commentText } from './nft-words.js';

const NFNL_MSG_BATCH_BEGIN = 16;
const NFNL_MSG_BATCH_END = 17;
const HOOKS: ReadonlyMap<string, number> = new Map([
  ['prerouting', 0],
  ['input', 1],
  ['forward', 2],
  ['output', 3],
  ['postrouting', 4],
]);

export interface NftNetlinkBatch {
  /** BATCH_BEGIN, the commands' messages, BATCH_END. */
  readonly bytes: Buffer;
  /** The sequence number of BATCH_BEGIN; the messages after it count up from there. */
  readonly firstSeq: number;
  /** The command (a line of the script) that wrote message `seq`, for error messages. */
  lineOf(seq: number): string | undefined;
}

const TABLE = /^(add|create) table ip (\S+) \{ comment ("[^"]*") ; \}$/;
const DELETE_TABLE = /^delete table ip (\S+)$/;
const BASE_CHAIN = /^add chain ip (\S+) (\S+) \{ type (filter|nat) hook ([a-z]+) priority (-?[0-9]{1,10}) ; \}$/;
const CHAIN = /^(add|flush|delete) chain ip (\S+) (\S+)$/;
const RULE = /^add rule ip (\S+) (\S+) (.+)$/;
const RESET_REGEXP_STATICS = /(?:)/;

/**
 * The batch for a transaction's commands (a script, one per line, or its lines), or undefined
 * when a line is not one of ours.
 */
export function nftNetlinkBatch(script: string | readonly string[], firstSeq: number): NftNetlinkBatch | undefined {
  const lines = typeof script === 'string' ? script.split('\n') : script;
  let chars = 0;
  for (const line of lines) chars += line.length + 1;
  // About twice the text's size in the end (measured: 27 MB for a 13 MB first sync).
  return encodeBatch(lines, 0, firstSeq, chars * 2.2, Infinity)?.batch;
}

/**
 * Lines `from`, `from + 1`, … as one batch that ends after the first line taking it to
 * `maxBytes` or more (the messages of one line stay together), and where the next batch starts;
 * undefined when a line is not one of ours.
 */
export function nftNetlinkBatchFrom(lines: readonly string[], from: number, firstSeq: number, maxBytes: number): { batch: NftNetlinkBatch; next: number } | undefined {
  return encodeBatch(lines, from, firstSeq, Math.min(maxBytes + 64 * 1024, 64 << 20), maxBytes);
}

function encodeBatch(lines: readonly string[], from: number, firstSeq: number, sizeHint: number, maxBytes: number): { batch: NftNetlinkBatch; next: number } | undefined {
  const w = new NetlinkWriter(firstSeq, sizeHint);
  w.begin(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES).end();
  let setId = 0;
  const nextSetId = () => ++setId;
  // The line of each message (a line may write several), by its index.
  const lineOfMessage: number[] = [];
  // Each command is written as soon as it is read.
  let i = from;
  for (; i < lines.length && w.length < maxBytes; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const write = command(line);
    if (write === undefined) return undefined;
    const before = w.count;
    write(w, nextSetId);
    for (let k = before; k < w.count; k++) lineOfMessage.push(i);
  }
  w.begin(NFNL_MSG_BATCH_END, NLM_F_REQUEST, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES).end();
  // The regexps' legacy statics (RegExp.input, lastMatch) keep the last string matched (a line;
  // for a script, a slice that keeps all of it) until the next match anywhere.
  RESET_REGEXP_STATICS.exec('');
  if (w.overflowed) return undefined; // a nested attribute past 64 KiB: not a batch nft would send either
  // Message 0 is BATCH_BEGIN.
  const lineOf = (seq: number) => {
    const k = lineOfMessage[seq - firstSeq - 1];
    return k === undefined ? undefined : lines[k]!.trim();
  };
  return { batch: { bytes: w.finish(), firstSeq, lineOf }, next: i };
}

function command(line: string): MessageWriter | undefined {
  // Rules and elements are nearly every line of a large transaction: looked at first.
  if (line.startsWith('add rule ')) return ruleCommand(line);
  if (line.startsWith('add element ') || line.startsWith('delete element ')) return elementCommand(line);
  let m: RegExpExecArray | null;
  if ((m = CHAIN.exec(line)) !== null) {
    const [, verb, table, chain] = m as unknown as [string, string, string, string];
    if (verb === 'flush') return (w) => beginNft(w, NFT_MSG.delrule, 0).str(1 /* RULE_TABLE */, table).str(2 /* RULE_CHAIN */, chain).end();
    const [type, flags] = verb === 'add' ? [NFT_MSG.newchain, NLM_F_CREATE] : [NFT_MSG.delchain, 0];
    return (w) => beginNft(w, type, flags).str(1 /* CHAIN_TABLE */, table).str(3 /* CHAIN_NAME */, chain).end();
  }
  if ((m = BASE_CHAIN.exec(line)) !== null) {
    const [, table, chain, type, hook, priority] = m as unknown as [string, string, string, string, string, string];
    const hooknum = HOOKS.get(hook);
    const prio = Number(priority);
    if (hooknum === undefined || prio < -0x80000000 || prio > 0x7fffffff) return undefined;
    return (w) => {
      beginNft(w, NFT_MSG.newchain, NLM_F_CREATE).str(1 /* CHAIN_TABLE */, table).str(3 /* CHAIN_NAME */, chain).str(7 /* CHAIN_TYPE */, type);
      const h = w.open(4 /* CHAIN_HOOK */);
      w.u32be(1 /* HOOK_HOOKNUM */, hooknum).u32be(2 /* HOOK_PRIORITY */, prio);
      w.close(h).end();
    };
  }
  if ((m = TABLE.exec(line)) !== null) {
    const [, verb, table] = m as unknown as [string, string, string];
    const comment = commentText(m[3]!);
    if (comment === undefined) return undefined;
    // `create` (nft's word for it too) fails with EEXIST when the table is there.
    const flags = verb === 'create' ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE;
    return (w) => beginNft(w, NFT_MSG.newtable, flags).str(1 /* TABLE_NAME */, table).u32be(2 /* TABLE_FLAGS */, 0).comment(6 /* TABLE_USERDATA */, comment).end();
  }
  if ((m = DELETE_TABLE.exec(line)) !== null) {
    const table = m[1]!;
    return (w) => beginNft(w, NFT_MSG.deltable, 0).str(1 /* TABLE_NAME */, table).end();
  }
  return setCommand(line);
}

/** `add rule`: the anonymous sets it looks up (if any), then the rule. */
function ruleCommand(line: string): MessageWriter | undefined {
  const m = RULE.exec(line);
  const rule = m === null ? undefined : ruleExpressions(m[3]!);
  if (m === null || rule === undefined) return undefined;
  const [, table, chain] = m as unknown as [string, string, string];
  return (w, nextSetId) => {
    for (const set of rule.anonymousSets) writeCtStateSet(w, table, set, nextSetId());
    beginNft(w, NFT_MSG.newrule, NLM_F_CREATE | NLM_F_APPEND).str(1 /* RULE_TABLE */, table).str(2 /* RULE_CHAIN */, chain);
    const list = w.open(4 /* RULE_EXPRESSIONS */);
    for (const e of rule.expressions) e(w);
    w.close(list);
    if (rule.comment !== undefined) w.comment(7 /* RULE_USERDATA */, rule.comment);
    w.end();
  };
}
