/**
 * A transaction of NftablesRuleset as one nf_tables netlink batch, ready for the kernel: the
 * same messages nft would send for it, without nft's parsing and its cache fill (before a rule or
 * element command, nft 1.0.6 reads every chain of every table; at 10,000 Services that is 30,000
 * chains and most of a small transaction's time). Every message names its table, chain and set,
 * which the kernel resolves itself, also for chains and sets the same batch creates.
 *
 * The commands known here are those the ruleset writes: the table with its comment, base chains
 * on their hooks, the skeleton's sets and verdict maps, `add|flush|delete chain`, `add rule`
 * (nft-rule-expressions.ts), affinity sets, `delete set|table`, `flush set|map`, `add|delete
 * element` of one element, all in the `ip` family. A transaction with any other line (e.g. a
 * drop rule for several Service CIDRs, an anonymous interval set) gives undefined: nft sends it.
 */
import { parseIPv4 } from '@minimesh/api';
import { NetlinkWriter, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST, u32be, u32host } from './netlink-message.js';
import { parseVerdict, writeValue, writeVerdict, type AnonymousSet, type Verdict } from './nft-expressions.js';
import { commentText, IP_PROTOCOLS, nftWords, ruleExpressions } from './nft-rule-expressions.js';

const NFNL_SUBSYS_NFTABLES = 10;
const NFNL_MSG_BATCH_BEGIN = 16;
const NFNL_MSG_BATCH_END = 17;
const NFPROTO_UNSPEC = 0;
const NFPROTO_IPV4 = 2;
const NFT_MSG = { newtable: 0, deltable: 2, newchain: 3, delchain: 5, newrule: 6, delrule: 8, newset: 9, delset: 11, newsetelem: 12, delsetelem: 14 } as const;
const HOOKS: Readonly<Record<string, number>> = { prerouting: 0, input: 1, forward: 2, output: 3, postrouting: 4 };
const NFT_SET_ANONYMOUS = 0x1;
const NFT_SET_CONSTANT = 0x2;
const NFT_SET_MAP = 0x8;
const NFT_DATA_VERDICT = 0xffffff00;
/** nft's datatype number for ct_state (TYPE_CT_STATE). */
const TYPE_CT_STATE = 26;
/**
 * The user data nft 1.0.6 gives the skeleton's sets, which nft itself reads back when it lists
 * them (the kernel keeps it as it is): for plain ipv4_addr sets the key's byte order; for the
 * verdict maps keyed by concatenations the byte orders, the key's description and the data's
 * interval flag; for an anonymous `ct state` set its key's byte order and expression. Copied
 * from `nft --debug=mnl`; each is followed by the comment (NFTNL_UDATA_SET_COMMENT, type 7).
 */
const SET_UDATA_IPV4 = Buffer.from('000402000000', 'hex');
const MAP_UDATA_CONCAT = Buffer.from('00040000000001040000000003080004' + '0d00000001000604' + '00000000', 'hex');
const CT_STATE_SET_UDATA = Buffer.from('00040100000003140004' + '0c000000010c0004' + '00000000010' + '4ffffffff', 'hex');
/** The verdict maps' key types: nft's concatenated type id (6 bits per part) and length. */
const MAP_KEYS: Readonly<Record<string, { type: number; len: number }>> = {
  'ipv4_addr . inet_proto . inet_service': { type: (7 << 12) | (12 << 6) | 13, len: 12 },
  'inet_proto . inet_service': { type: (12 << 6) | 13, len: 8 },
};
const NFT_SET_TIMEOUT = 0x10;
const NFT_SET_EVAL = 0x20;
/** nft's datatype number for ipv4_addr (TYPE_IPADDR), stored as the set's key type. */
const TYPE_IPADDR = 7;
/** nft's set user data: the key's byte order (NFTNL_UDATA_SET_KEYBYTEORDER), big-endian (2). */
const SET_UDATA_KEY_BIG_ENDIAN = Buffer.concat([Buffer.of(0, 4), u32host(2)]);

export interface NftNetlinkBatch {
  /** BATCH_BEGIN, one message per line, BATCH_END. */
  readonly bytes: Buffer;
  /** The sequence number of the first message (BATCH_BEGIN); command i is `firstSeq + 1 + i`. */
  readonly firstSeq: number;
  /** The command (a line of the script) that message `seq` carries, for error messages. */
  command(seq: number): string | undefined;
}

const TABLE = /^add table ip (\S+) \{ comment "([^"]{0,250})" ; \}$/;
const DELETE_TABLE = /^delete table ip (\S+)$/;
const BASE_CHAIN = /^add chain ip (\S+) (\S+) \{ type (filter|nat) hook (prerouting|input|forward|output|postrouting) priority (-?[0-9]+) ; \}$/;
const PLAIN_SET = /^add set ip (\S+) (\S+) \{ type ipv4_addr ; comment "([^"]{0,200})" ; \}$/;
const MAP = /^add map ip (\S+) (\S+) \{ type ([a-z0-9_. ]+) : verdict ; comment "([^"]{0,200})" ; \}$/;
const FLUSH_SET = /^flush (?:set|map) ip (\S+) (\S+)$/;
const CHAIN = /^(add|flush|delete) chain ip (\S+) (\S+)$/;
const RULE = /^add rule ip (\S+) (\S+) (.+)$/;
const SET = /^add set ip (\S+) (\S+) \{ type ipv4_addr ; flags dynamic,timeout ; timeout ([0-9]+)s ; \}$/;
const DELETE_SET = /^delete set ip (\S+) (\S+)$/;
const ELEMENT = /^(add|delete) element ip (\S+) (\S+) \{ (.+) \}$/;

const RESET_REGEXP_STATICS = /(?:)/;

/** A command, checked and ready to be written as one message. */
type Command = (w: NetlinkWriter, setId: () => number) => void;

/** The batch for `script` (one command per line), or undefined when a line is not one of ours. */
export function nftNetlinkBatch(script: string, firstSeq: number): NftNetlinkBatch | undefined {
  // About twice the text's size in the end (measured: 27 MB for a 13 MB first sync).
  const w = new NetlinkWriter(firstSeq, script.length * 2.2);
  w.begin(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES).end();
  let setId = 0;
  const nextSetId = () => ++setId;
  // Where each command's line starts: no array of 100,000 line strings for a first sync (they
  // would outlive many young-generation collections and stay in the old one).
  const starts: number[] = [];
  // Each command is written as soon as it is read: nothing per line outlives its line.
  for (let at = 0; at < script.length; ) {
    let end = script.indexOf('\n', at);
    if (end === -1) end = script.length;
    const line = script.slice(at, end).trim();
    if (line !== '') {
      const c = command(line);
      if (c === undefined) return undefined;
      starts.push(at);
      c(w, nextSetId);
    }
    at = end + 1;
  }
  w.begin(NFNL_MSG_BATCH_END, NLM_F_REQUEST, NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES).end();
  // The regexps' legacy statics (RegExp.input, lastMatch) keep the last string matched: a slice
  // of `script`, which keeps all of it (13 MB at 10,000 Services) until the next match anywhere.
  RESET_REGEXP_STATICS.exec('');
  const commandAt = (seq: number) => {
    const start = starts[seq - firstSeq - 1];
    if (start === undefined) return undefined;
    const end = script.indexOf('\n', start);
    return script.slice(start, end === -1 ? undefined : end).trim();
  };
  return { bytes: w.finish(), firstSeq, command: commandAt };
}

const begin = (w: NetlinkWriter, type: number, flags: number) => w.begin((NFNL_SUBSYS_NFTABLES << 8) | type, NLM_F_REQUEST | flags, NFPROTO_IPV4);

function command(line: string): Command | undefined {
  // Rules and elements are nearly every line of a large transaction: looked at first.
  if (line.startsWith('add rule ')) return ruleCommand(line);
  if (line.startsWith('add element ') || line.startsWith('delete element ')) return elementCommand(line);
  let m: RegExpExecArray | null;
  if ((m = TABLE.exec(line)) !== null) {
    const [, table, comment] = m as unknown as [string, string, string];
    return (w) => begin(w, NFT_MSG.newtable, NLM_F_CREATE).str(1 /* TABLE_NAME */, table).u32be(2 /* TABLE_FLAGS */, 0).comment(6 /* TABLE_USERDATA */, comment).end();
  }
  if ((m = DELETE_TABLE.exec(line)) !== null) {
    const table = m[1]!;
    return (w) => begin(w, NFT_MSG.deltable, 0).str(1 /* TABLE_NAME */, table).end();
  }
  if ((m = BASE_CHAIN.exec(line)) !== null) {
    const [, table, chain, type, hook, priority] = m as unknown as [string, string, string, string, string, string];
    const prio = Number(priority);
    if (!Number.isSafeInteger(prio) || prio < -0x80000000 || prio > 0x7fffffff) return undefined;
    return (w) => {
      begin(w, NFT_MSG.newchain, NLM_F_CREATE).str(1 /* CHAIN_TABLE */, table).str(3 /* CHAIN_NAME */, chain).str(7 /* CHAIN_TYPE */, type);
      const h = w.open(4 /* CHAIN_HOOK */);
      w.u32be(1 /* HOOK_HOOKNUM */, HOOKS[hook]!).u32be(2 /* HOOK_PRIORITY */, prio);
      w.close(h).end();
    };
  }
  if ((m = PLAIN_SET.exec(line)) !== null) {
    const [, table, set, comment] = m as unknown as [string, string, string, string];
    return (w, setId) =>
      begin(w, NFT_MSG.newset, NLM_F_CREATE)
        .str(1 /* SET_TABLE */, table)
        .str(2 /* SET_NAME */, set)
        .u32be(3 /* SET_FLAGS */, 0)
        .u32be(4 /* SET_KEY_TYPE */, TYPE_IPADDR)
        .u32be(5 /* SET_KEY_LEN */, 4)
        .u32be(10 /* SET_ID */, setId())
        .bytes(13 /* SET_USERDATA */, setUserdata(SET_UDATA_IPV4, comment))
        .end();
  }
  if ((m = MAP.exec(line)) !== null) {
    const [, table, set, keyType, comment] = m as unknown as [string, string, string, string, string];
    const key = MAP_KEYS[keyType];
    if (key === undefined) return undefined;
    return (w, setId) =>
      begin(w, NFT_MSG.newset, NLM_F_CREATE)
        .str(1 /* SET_TABLE */, table)
        .str(2 /* SET_NAME */, set)
        .u32be(3 /* SET_FLAGS */, NFT_SET_MAP)
        .u32be(4 /* SET_KEY_TYPE */, key.type)
        .u32be(5 /* SET_KEY_LEN */, key.len)
        .u32be(6 /* SET_DATA_TYPE */, NFT_DATA_VERDICT)
        .u32be(7 /* SET_DATA_LEN */, 0)
        .u32be(10 /* SET_ID */, setId())
        .bytes(13 /* SET_USERDATA */, setUserdata(MAP_UDATA_CONCAT, comment))
        .end();
  }
  if ((m = FLUSH_SET.exec(line)) !== null) {
    const [, table, set] = m as unknown as [string, string, string];
    return (w) => begin(w, NFT_MSG.delsetelem, 0).str(1 /* LIST_TABLE */, table).str(2 /* LIST_SET */, set).end();
  }
  if ((m = CHAIN.exec(line)) !== null) {
    const [, verb, table, chain] = m as unknown as [string, string, string, string];
    if (verb === 'flush') return (w) => begin(w, NFT_MSG.delrule, 0).str(1 /* RULE_TABLE */, table).str(2 /* RULE_CHAIN */, chain).end();
    const [type, flags] = verb === 'add' ? [NFT_MSG.newchain, NLM_F_CREATE] : [NFT_MSG.delchain, 0];
    return (w) => begin(w, type, flags).str(1 /* CHAIN_TABLE */, table).str(3 /* CHAIN_NAME */, chain).end();
  }
  if ((m = SET.exec(line)) !== null) {
    const [, table, set] = m as unknown as [string, string, string];
    const timeoutMs = Number(m[3]) * 1000;
    if (!Number.isSafeInteger(timeoutMs)) return undefined;
    return (w, setId) =>
      begin(w, NFT_MSG.newset, NLM_F_CREATE)
        .str(1 /* SET_TABLE */, table)
        .str(2 /* SET_NAME */, set)
        .u32be(3 /* SET_FLAGS */, NFT_SET_TIMEOUT | NFT_SET_EVAL)
        .u32be(4 /* SET_KEY_TYPE */, TYPE_IPADDR)
        .u32be(5 /* SET_KEY_LEN */, 4)
        .u32be(10 /* SET_ID */, setId())
        .u64be(11 /* SET_TIMEOUT */, timeoutMs)
        .bytes(13 /* SET_USERDATA */, SET_UDATA_KEY_BIG_ENDIAN)
        .end();
  }
  if ((m = DELETE_SET.exec(line)) !== null) {
    const [, table, set] = m as unknown as [string, string, string];
    return (w) => begin(w, NFT_MSG.delset, 0).str(1 /* SET_TABLE */, table).str(2 /* SET_NAME */, set).end();
  }
  return undefined;
}

function ruleCommand(line: string): Command | undefined {
  const m = RULE.exec(line);
  if (m !== null) {
    const [, table, chain] = m as unknown as [string, string, string];
    const rule = ruleExpressions(m[3]!);
    if (rule === undefined) return undefined;
    return (w, setId) => {
      for (const set of rule.anonymousSets) writeCtStateSet(w, table, set, setId());
      begin(w, NFT_MSG.newrule, NLM_F_CREATE | NLM_F_APPEND).str(1 /* RULE_TABLE */, table).str(2 /* RULE_CHAIN */, chain);
      const list = w.open(4 /* RULE_EXPRESSIONS */);
      for (const e of rule.expressions) e(w);
      w.close(list);
      if (rule.comment !== undefined) w.comment(7 /* RULE_USERDATA */, rule.comment);
      w.end();
    };
  }
  return undefined;
}

function elementCommand(line: string): Command | undefined {
  const m = ELEMENT.exec(line);
  if (m !== null) {
    const [, verb, table, set, body] = m as unknown as [string, string, string, string, string];
    const element = parseElement(body, verb === 'add');
    if (element === undefined) return undefined;
    const [type, flags] = verb === 'add' ? [NFT_MSG.newsetelem, NLM_F_CREATE] : [NFT_MSG.delsetelem, 0];
    return (w) => {
      begin(w, type, flags).str(1 /* LIST_TABLE */, table).str(2 /* LIST_SET */, set);
      const list = w.open(3 /* LIST_ELEMENTS */);
      const e = w.open(1 /* LIST_ELEM */);
      writeValue(w, 1 /* ELEM_KEY */, element.key);
      if (element.verdict !== undefined) {
        const d = w.open(2 /* ELEM_DATA */);
        writeVerdict(w, element.verdict);
        w.close(d);
      }
      if (element.comment !== undefined) w.comment(6 /* ELEM_USERDATA */, element.comment);
      w.close(e);
      w.close(list);
      w.end();
    };
  }
  return undefined;
}

/** A set's user data: nft's fixed part, then the comment (type 7, length, text, NUL). */
function setUserdata(fixed: Buffer, comment: string): Buffer {
  const text = Buffer.from(`${comment}\0`, 'utf8');
  return Buffer.concat([fixed, Buffer.of(7, text.length), text]);
}

/** An anonymous constant set of ct states, as nft sends it before the rule that looks it up. */
function writeCtStateSet(w: NetlinkWriter, table: string, set: AnonymousSet, id: number): void {
  set.id = id;
  begin(w, NFT_MSG.newset, NLM_F_CREATE)
    .str(1 /* SET_TABLE */, table)
    .str(2 /* SET_NAME */, '__set%d')
    .u32be(3 /* SET_FLAGS */, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT)
    .u32be(4 /* SET_KEY_TYPE */, TYPE_CT_STATE)
    .u32be(5 /* SET_KEY_LEN */, 4)
    .u32be(10 /* SET_ID */, id);
  const desc = w.open(9 /* SET_DESC */);
  w.u32be(1 /* DESC_SIZE */, set.ctStates.length).close(desc);
  w.bytes(13 /* SET_USERDATA */, CT_STATE_SET_UDATA).end();
  begin(w, NFT_MSG.newsetelem, NLM_F_CREATE).str(1 /* LIST_TABLE */, table).str(2 /* LIST_SET */, '__set%d').u32be(4 /* LIST_SET_ID */, id);
  const list = w.open(3 /* LIST_ELEMENTS */);
  for (const state of set.ctStates) {
    const e = w.open(1 /* LIST_ELEM */);
    w.value(1 /* ELEM_KEY */, state, 4, true);
    w.close(e);
  }
  w.close(list).end();
}

interface Element {
  readonly key: Uint8Array;
  readonly verdict?: Verdict;
  readonly comment?: string;
}

/** `KEY [comment "C"] [: VERDICT]` of one element (a delete names the key only). */
function parseElement(body: string, adding: boolean): Element | undefined {
  const words = nftWords(body);
  if (words === undefined) return undefined;
  const colon = words.indexOf(':');
  const keyPart = colon === -1 ? words : words.slice(0, colon);
  let verdict: Verdict | undefined;
  if (colon !== -1) {
    verdict = adding ? parseVerdict(words.slice(colon + 1)) : undefined;
    if (verdict === undefined) return undefined;
  }
  let comment: string | undefined;
  const c = keyPart.indexOf('comment');
  if (c !== -1) {
    if (c !== keyPart.length - 2 || !adding) return undefined;
    comment = commentText(keyPart[c + 1]!);
    if (comment === undefined) return undefined;
  }
  const key = elementKey(c === -1 ? keyPart : keyPart.slice(0, c));
  if (key === undefined) return undefined;
  return { key, ...(verdict === undefined ? {} : { verdict }), ...(comment === undefined ? {} : { comment }) };
}
/**
 * A key of ipv4_addr, inet_proto and inet_service parts (`10.96.0.1 . tcp . 80`): each part in
 * network byte order, and in a concatenation padded to 4 bytes (nft's register size).
 */
function elementKey(words: readonly string[]): Uint8Array | undefined {
  const parts: Buffer[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (i % 2 === 1) {
      if (w !== '.') return undefined;
      continue;
    }
    const ip = parseIPv4(w);
    if (ip !== undefined && w.includes('.')) parts.push(Buffer.from(u32be(ip)));
    else if (IP_PROTOCOLS[w] !== undefined) parts.push(Buffer.of(IP_PROTOCOLS[w]!));
    else if (/^[0-9]+$/.test(w) && Number(w) <= 65535) {
      const port = Buffer.alloc(2);
      port.writeUInt16BE(Number(w));
      parts.push(port);
    } else return undefined;
  }
  if (parts.length === 0 || words.length % 2 === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return Buffer.concat(parts.map((p) => Buffer.concat([p, Buffer.alloc((4 - (p.length % 4)) % 4)])));
}
