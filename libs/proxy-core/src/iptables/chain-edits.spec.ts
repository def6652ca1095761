import { describe, expect, it } from 'vitest';
import { chainEdits, headEdits } from './chain-edits.js';

/** What iptables-restore does with the edits: `-D` by rule, `-I n` at position n. */
function apply(chain: string, before: readonly string[], edits: readonly string[]): string[] {
  const rules = [...before];
  for (const e of edits) {
    if (e.startsWith(`-D ${chain} `)) {
      const i = rules.indexOf(e.slice(`-D ${chain} `.length));
      if (i < 0) throw new Error(`no such rule: ${e}`);
      rules.splice(i, 1);
      continue;
    }
    const m = /^-I (\S+) (\d+) (.*)$/.exec(e);
    if (!m || m[1] !== chain) throw new Error(`not an edit of ${chain}: ${e}`);
    const at = Number(m[2]) - 1;
    if (at > rules.length) throw new Error(`past the end: ${e}`);
    rules.splice(at, 0, m[3]!);
  }
  return rules;
}

const rule = (n: number) => `-m comment --comment "ns/svc-${n}:http cluster IP" -d 10.96.0.${n} -j KUBE-SVC-${n}`;
const TAIL = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS';

describe('chainEdits: a chain edited in place instead of rewritten', () => {
  it('a new Service\'s rule goes where the full list has it, the NODEPORTS jump stays last', () => {
    const before = [rule(1), rule(3), TAIL];
    const after = [rule(1), rule(2), rule(3), TAIL];
    const edits = chainEdits('KUBE-SERVICES', before, after)!;
    expect(edits).toEqual([`-I KUBE-SERVICES 2 ${rule(2)}`]);
    expect(apply('KUBE-SERVICES', before, edits)).toEqual(after);
  });

  it('a removed Service\'s rule is deleted by its text', () => {
    const before = [rule(1), rule(2), rule(3), TAIL];
    const edits = chainEdits('KUBE-SERVICES', before, [rule(1), rule(3), TAIL])!;
    expect(edits).toEqual([`-D KUBE-SERVICES ${rule(2)}`]);
  });

  it('random changes: the edited chain always equals the list wanted', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    let current = [...Array.from({ length: 40 }, (_, i) => rule(i * 2)), TAIL];
    for (let step = 0; step < 300; step++) {
      const next = current.slice(0, -1).filter(() => rnd(10) > 0);
      for (let k = rnd(4); k > 0; k--) next.push(rule(rnd(200)));
      const wanted = [...[...new Set(next)].sort((a, b) => Number(/svc-(\d+)/.exec(a)![1]) - Number(/svc-(\d+)/.exec(b)![1])), TAIL];
      const edits = chainEdits('KUBE-SERVICES', current, wanted, 1000);
      expect(edits).toBeDefined();
      expect(apply('KUBE-SERVICES', current, edits!)).toEqual(wanted);
      current = wanted;
    }
  });

  it('asks for a rewrite when rules repeat, when kept rules change order, or past maxEdits', () => {
    expect(chainEdits('C', ['a', 'a'], ['a'])).toBeUndefined();
    expect(chainEdits('C', ['a'], ['a', 'a'])).toBeUndefined();
    expect(chainEdits('C', ['a', 'b', 'c'], ['b', 'a', 'c'])).toBeUndefined();
    expect(chainEdits('C', ['a'], ['a', 'b', 'c', 'd'], 2)).toBeUndefined();
    expect(chainEdits('C', ['a', 'b', 'c'], ['a'], 1)).toBeUndefined();
    expect(chainEdits('C', ['a', 'b'], ['a', 'b'])).toEqual([]);
  });
});

describe('headEdits: Services\' rules in any order, new ones at the top, the fixed tail last', () => {
  /** What iptables-restore does with `-D` by rule and `-I CHAIN 1`. */
  const applyTop = (before: readonly string[], edits: readonly string[]) => apply('KUBE-SERVICES', before, edits);

  it('a new Service\'s rule goes to the top whatever its place in the rendered list; the kernel list it reports is the kernel\'s', () => {
    const before = [rule(1), rule(3), TAIL];
    const after = [rule(1), rule(2), rule(3), TAIL];
    const { edits, kernel } = headEdits('KUBE-SERVICES', before, after, 3)!;
    expect(edits).toEqual([`-I KUBE-SERVICES 1 ${rule(2)}`]);
    expect(applyTop(before, edits)).toEqual(kernel);
    expect(kernel).toEqual([rule(2), rule(1), rule(3), TAIL]);
  });

  it('several new rules keep their rendered order at the top; removed ones are deleted by rule', () => {
    const before = [rule(5), rule(1), rule(3), TAIL];
    const after = [rule(1), rule(2), rule(4), rule(5), TAIL];
    const { edits, kernel } = headEdits('KUBE-SERVICES', before, after, 4)!;
    expect(edits).toEqual([`-D KUBE-SERVICES ${rule(3)}`, `-I KUBE-SERVICES 1 ${rule(4)}`, `-I KUBE-SERVICES 1 ${rule(2)}`]);
    expect(applyTop(before, edits)).toEqual(kernel);
    expect(kernel).toEqual([rule(2), rule(4), rule(5), rule(1), TAIL]);
    expect(edits.every((e) => !/^-I \S+ (?!1 )/.test(e))).toBe(true);
  });

  it('the same rules in another order need no edit; the kernel keeps its order', () => {
    const before = [rule(3), rule(1), TAIL];
    expect(headEdits('KUBE-SERVICES', before, [rule(1), rule(3), TAIL], 2)).toEqual({ edits: [], kernel: before });
  });

  it('every Service gone: only deletes, the tail stays', () => {
    const before = [rule(1), rule(2), TAIL];
    const { edits, kernel } = headEdits('KUBE-SERVICES', before, [TAIL], 0)!;
    expect(applyTop(before, edits)).toEqual([TAIL]);
    expect(kernel).toEqual([TAIL]);
  });

  it('no plan when the tail is not last in the kernel, changed, or a rule repeats, or too many edits', () => {
    expect(headEdits('KUBE-SERVICES', [TAIL, rule(1)], [rule(1), TAIL], 1)).toBeUndefined();
    expect(headEdits('KUBE-SERVICES', [rule(1), TAIL], [rule(1), `${TAIL} -d 10.0.0.1`], 1)).toBeUndefined();
    expect(headEdits('KUBE-SERVICES', [rule(1), rule(1), TAIL], [rule(1), TAIL], 1)).toBeUndefined();
    expect(headEdits('KUBE-SERVICES', [rule(1), TAIL], [rule(1), rule(1), TAIL], 2)).toBeUndefined();
    expect(headEdits('KUBE-SERVICES', [rule(1), TAIL], [rule(1), TAIL, TAIL], 1)).toBeUndefined();
    const many = Array.from({ length: 10 }, (_, i) => rule(i + 10));
    expect(headEdits('KUBE-SERVICES', [TAIL], [...many, TAIL], 10, 9)).toBeUndefined();
    expect(headEdits('KUBE-SERVICES', [TAIL], [...many, TAIL], 10, 10)?.edits).toHaveLength(10);
  });

  it('seeded random changes: applying the edits to the kernel list always gives the reported list, a permutation of the wanted head, and the tail last', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let kernel: string[] = [TAIL];
    for (let step = 0; step < 200; step++) {
      const head = [...new Set(Array.from({ length: Math.floor(rnd() * 12) }, () => rule(Math.floor(rnd() * 20))))].sort();
      const plan = headEdits('KUBE-SERVICES', kernel, [...head, TAIL], head.length);
      expect(plan).toBeDefined();
      const applied = applyTop(kernel, plan!.edits);
      expect(applied).toEqual(plan!.kernel);
      expect(applied.at(-1)).toBe(TAIL);
      expect([...applied.slice(0, -1)].sort()).toEqual(head);
      kernel = applied;
    }
  });
});
