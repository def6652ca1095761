/**
 * A partial sync's transaction as one nf_tables netlink batch, ready for the kernel: the same
 * messages nft would send for it, without nft's cache fill (before a rule or element command,
 * nft 1.0.6 reads every chain of every table; at 10,000 Services that is 30,000 chains and most
 * of a small transaction's time). Every message names its table, chain and set, which the kernel
 * resolves itself, also for chains and sets the same batch creates.
 *
 * The commands known here are those NftablesRuleset writes for Services' own chains, sets and
 * elements: `add|flush|delete chain`, `add rule` (nft-rule-expressions.ts), `add set` of an
 * affinity set, `delete set`, `add|delete element` of one element, all in the `ip` family. A
 * transaction with any other line (the table's skeleton, written by full syncs) gives undefined:
 * nft sends it.
 */
import { parseIPv4 } from '@minimesh/api';
import { attr, cstr, encodeMessages, nest, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST, u32be, u32host, u64be, type NlAttr, type NlMessage } from './netlink-message.js';
import { commentUserdata, IP_PROTOCOLS, nftWords, ruleExpressions, verdictData } from './nft-rule-expressions.js';

const NFNL_SUBSYS_NFTABLES = 10;
const NFNL_MSG_BATCH_BEGIN = 16;
const NFNL_MSG_BATCH_END = 17;
const NFPROTO_UNSPEC = 0;
const NFPROTO_IPV4 = 2;
const NFT_MSG = { newchain: 3, delchain: 5, newrule: 6, delrule: 8, newset: 9, delset: 11, newsetelem: 12, delsetelem: 14 } as const;
const NFT_SET_TIMEOUT = 0x10;
const NFT_SET_EVAL = 0x20;
/** nft's datatype number for ipv4_addr (TYPE_IPADDR), stored as the set's key type. */
const TYPE_IPADDR = 7;
/** nft's set user data: the key's byte order (NFTNL_UDATA_SET_KEYBYTEORDER), big-endian (2). */
const SET_UDATA_KEY_BIG_ENDIAN = Buffer.concat([Buffer.of(0, 4), u32host(2)]);

export interface NftNetlinkBatch {
  /** BATCH_BEGIN, one message per line, BATCH_END. */
  readonly bytes: Buffer;
  /** The sequence number of the first message (BATCH_BEGIN); line i is `firstSeq + 1 + i`. */
  readonly firstSeq: number;
  readonly lines: readonly string[];
}

const CHAIN = /^(add|flush|delete) chain ip (\S+) (\S+)$/;
const RULE = /^add rule ip (\S+) (\S+) (.+)$/;
const SET = /^add set ip (\S+) (\S+) \{ type ipv4_addr ; flags dynamic,timeout ; timeout ([0-9]+)s ; \}$/;
const DELETE_SET = /^delete set ip (\S+) (\S+)$/;
const ELEMENT = /^(add|delete) element ip (\S+) (\S+) \{ (.+) \}$/;

const message = (type: number, flags: number, attrs: NlAttr[]): NlMessage => ({ type: (NFNL_SUBSYS_NFTABLES << 8) | type, flags: NLM_F_REQUEST | flags, family: NFPROTO_IPV4, attrs });

/** The batch for `script` (one command per line), or undefined when a line is not one of ours. */
export function nftNetlinkBatch(script: string, firstSeq: number): NftNetlinkBatch | undefined {
  const lines = script.split('\n').filter((l) => l.trim() !== '');
  const messages: NlMessage[] = [{ type: NFNL_MSG_BATCH_BEGIN, flags: NLM_F_REQUEST, family: NFPROTO_UNSPEC, resId: NFNL_SUBSYS_NFTABLES, attrs: [] }];
  let setId = 0;
  for (const line of lines) {
    const m = lineMessage(line.trim(), () => ++setId);
    if (m === undefined) return undefined;
    messages.push(m);
  }
  messages.push({ type: NFNL_MSG_BATCH_END, flags: NLM_F_REQUEST, family: NFPROTO_UNSPEC, resId: NFNL_SUBSYS_NFTABLES, attrs: [] });
  return { bytes: encodeMessages(messages, firstSeq), firstSeq, lines };
}

function lineMessage(line: string, nextSetId: () => number): NlMessage | undefined {
  let m: RegExpExecArray | null;
  if ((m = CHAIN.exec(line)) !== null) {
    const [, verb, table, chain] = m as unknown as [string, string, string, string];
    if (verb === 'flush') return message(NFT_MSG.delrule, 0, [attr(1 /* RULE_TABLE */, cstr(table)), attr(2 /* RULE_CHAIN */, cstr(chain))]);
    const attrs = [attr(1 /* CHAIN_TABLE */, cstr(table)), attr(3 /* CHAIN_NAME */, cstr(chain))];
    return verb === 'add' ? message(NFT_MSG.newchain, NLM_F_CREATE, attrs) : message(NFT_MSG.delchain, 0, attrs);
  }
  if ((m = RULE.exec(line)) !== null) {
    const rule = ruleExpressions(m[3]!);
    if (rule === undefined) return undefined;
    const attrs = [attr(1 /* RULE_TABLE */, cstr(m[1]!)), attr(2 /* RULE_CHAIN */, cstr(m[2]!)), nest(4 /* RULE_EXPRESSIONS */, rule.expressions)];
    if (rule.userdata !== undefined) attrs.push(attr(7 /* RULE_USERDATA */, rule.userdata));
    return message(NFT_MSG.newrule, NLM_F_CREATE | NLM_F_APPEND, attrs);
  }
  if ((m = SET.exec(line)) !== null) {
    const timeoutMs = Number(m[3]) * 1000;
    if (!Number.isSafeInteger(timeoutMs)) return undefined;
    return message(NFT_MSG.newset, NLM_F_CREATE, [
      attr(1 /* SET_TABLE */, cstr(m[1]!)),
      attr(2 /* SET_NAME */, cstr(m[2]!)),
      attr(3 /* SET_FLAGS */, u32be(NFT_SET_TIMEOUT | NFT_SET_EVAL)),
      attr(4 /* SET_KEY_TYPE */, u32be(TYPE_IPADDR)),
      attr(5 /* SET_KEY_LEN */, u32be(4)),
      attr(10 /* SET_ID */, u32be(nextSetId())),
      attr(11 /* SET_TIMEOUT */, u64be(timeoutMs)),
      attr(13 /* SET_USERDATA */, SET_UDATA_KEY_BIG_ENDIAN),
    ]);
  }
  if ((m = DELETE_SET.exec(line)) !== null) return message(NFT_MSG.delset, 0, [attr(1 /* SET_TABLE */, cstr(m[1]!)), attr(2 /* SET_NAME */, cstr(m[2]!))]);
  if ((m = ELEMENT.exec(line)) !== null) {
    const [, verb, table, set, body] = m as unknown as [string, string, string, string, string];
    const element = elementAttrs(body, verb === 'add');
    if (element === undefined) return undefined;
    const attrs = [attr(1 /* LIST_TABLE */, cstr(table)), attr(2 /* LIST_SET */, cstr(set)), nest(3 /* LIST_ELEMENTS */, [nest(1 /* LIST_ELEM */, element)])];
    return verb === 'add' ? message(NFT_MSG.newsetelem, NLM_F_CREATE, attrs) : message(NFT_MSG.delsetelem, 0, attrs);
  }
  return undefined;
}

/** `KEY [comment "C"] [: VERDICT]` of one element (a delete names the key only). */
function elementAttrs(body: string, adding: boolean): NlAttr[] | undefined {
  const words = nftWords(body);
  if (words === undefined) return undefined;
  const colon = words.indexOf(':');
  const keyPart = colon === -1 ? words : words.slice(0, colon);
  const verdict = colon === -1 ? undefined : words.slice(colon + 1);
  let comment: Uint8Array | undefined;
  const c = keyPart.indexOf('comment');
  if (c !== -1) {
    if (c !== keyPart.length - 2 || !adding) return undefined;
    comment = commentUserdata(keyPart[c + 1]!);
    if (comment === undefined) return undefined;
  }
  const key = elementKey(c === -1 ? keyPart : keyPart.slice(0, c));
  if (key === undefined) return undefined;
  const attrs: NlAttr[] = [nest(1 /* ELEM_KEY */, [attr(1 /* DATA_VALUE */, key)])];
  if (verdict !== undefined) {
    const data = adding ? verdictData(verdict) : undefined;
    if (data === undefined) return undefined;
    attrs.push(nest(2 /* ELEM_DATA */, [data]));
  }
  if (comment !== undefined) attrs.push(attr(6 /* ELEM_USERDATA */, comment));
  return attrs;
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
