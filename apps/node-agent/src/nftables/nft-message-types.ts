/**
 * nf_tables message types and the header every nf_tables message of a batch starts with
 * (include/uapi/linux/netfilter/nf_tables.h, nfnetlink.h).
 */
import { NLM_F_REQUEST, type NetlinkWriter } from './netlink-message.js';

export const NFNL_SUBSYS_NFTABLES = 10;
export const NFPROTO_UNSPEC = 0;
export const NFPROTO_IPV4 = 2;
export const NFT_MSG = { newtable: 0, deltable: 2, newchain: 3, delchain: 5, newrule: 6, delrule: 8, newset: 9, delset: 11, newsetelem: 12, delsetelem: 14 } as const;

/** Starts an nf_tables message of `type` in the ip family (NLM_F_REQUEST and `flags`). */
export function beginNft(w: NetlinkWriter, type: number, flags: number): NetlinkWriter {
  return w.begin((NFNL_SUBSYS_NFTABLES << 8) | type, NLM_F_REQUEST | flags, NFPROTO_IPV4);
}

/** A command read and checked, writing its message(s) when called; `nextSetId` numbers the batch's new sets. */
export type MessageWriter = (w: NetlinkWriter, nextSetId: () => number) => void;
