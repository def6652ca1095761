/**
 * Turning a chain's rules as the kernel holds them into the rules wanted, with a few
 * `iptables-restore` commands instead of a rewrite: `-D CHAIN <rule>` for the rules that went,
 * then `-I CHAIN <n> <rule>` for the new ones in the order of their final position, so that each
 * lands exactly where the full list has it. Rewriting KUBE-SERVICES of 10,000 Services costs
 * ~0.7 s on the nf_tables backend; adding one Service's rule this way costs what a restore of a
 * few lines costs.
 *
 * Undefined when a rewrite is the better (or the only safe) way: rules repeated in a list (a
 * `-D` by rule would not say which), rules kept but reordered, or more edits than `maxEdits`.
 */
export const DEFAULT_MAX_EDITS = 64;

export function chainEdits(chain: string, before: readonly string[], after: readonly string[], maxEdits = DEFAULT_MAX_EDITS): string[] | undefined {
  const old = new Set(before);
  const wanted = new Set(after);
  if (old.size !== before.length || wanted.size !== after.length) return undefined;
  const edits: string[] = [];
  for (const rule of before) {
    if (wanted.has(rule)) continue;
    edits.push(`-D ${chain} ${rule}`);
    if (edits.length > maxEdits) return undefined;
  }
  // The rules kept must keep their order: then inserting the new ones by final position rebuilds the list.
  let k = 0;
  const kept = before.filter((r) => wanted.has(r));
  for (let i = 0; i < after.length; i++) {
    const rule = after[i]!;
    if (old.has(rule)) {
      if (kept[k++] !== rule) return undefined;
      continue;
    }
    edits.push(`-I ${chain} ${i + 1} ${rule}`);
    if (edits.length > maxEdits) return undefined;
  }
  return edits;
}

/**
 * Like chainEdits, for a chain whose first `head` rules (of `after`) are Services' rules, each
 * matching its own destination, so their order does not matter (two Services given the same
 * external address and port overlap: which one wins then depends on the order, as it does in
 * kube-proxy, whose order is its map's), followed by fixed rules that must
 * stay last (KUBE-SERVICES' jump to KUBE-NODEPORTS). A new rule goes to the top (`-I CHAIN 1`):
 * iptables-nft inserts there without reading the chain's rules first, where `-I CHAIN n` for n > 1
 * reads them all (at 10,000 Services a new Service's restore took 227 ms with `-I n`, 107 ms with
 * `-I 1`). `before` is the chain as the kernel holds it; `kernel` is what it holds after the
 * edits (new rules first, in `after`'s order, then the kept ones in their order, then the tail),
 * for the next call. Rules of one Service whose order matters among themselves (nfacct's
 * localhost NodePort rule before the general one) change together, so they come in together, in
 * `after`'s order. Undefined when the tail is not already last, a rule is repeated, or more
 * than `maxEdits` edits are needed: the chain is then rewritten.
 */
export function headEdits(
  chain: string,
  before: readonly string[],
  after: readonly string[],
  head: number,
  maxEdits = DEFAULT_MAX_EDITS,
): { edits: string[]; kernel: string[] } | undefined {
  const tail = after.slice(head);
  const keptFrom = before.length - tail.length;
  if (keptFrom < 0) return undefined;
  for (let i = 0; i < tail.length; i++) if (before[keptFrom + i] !== tail[i]) return undefined;
  const old = new Set(before.slice(0, keptFrom));
  const wanted = new Set(after.slice(0, head));
  if (old.size !== keptFrom || wanted.size !== head || new Set([...wanted, ...tail]).size !== after.length) return undefined;
  const edits: string[] = [];
  const kept: string[] = [];
  for (const rule of before.slice(0, keptFrom)) {
    if (wanted.has(rule)) kept.push(rule);
    else edits.push(`-D ${chain} ${rule}`);
  }
  const added = after.slice(0, head).filter((rule) => !old.has(rule));
  if (edits.length + added.length > maxEdits) return undefined;
  // Each insert at the top pushes the ones before it down: the last one goes in first.
  for (let i = added.length - 1; i >= 0; i--) edits.push(`-I ${chain} 1 ${added[i]}`);
  return { edits, kernel: [...added, ...kept, ...tail] };
}
