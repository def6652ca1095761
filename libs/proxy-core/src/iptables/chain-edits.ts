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
