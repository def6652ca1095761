/**
 * A model of one nftables table that applies the command subset our scripts use (add / flush /
 * delete of the table, chains, sets and maps; add rule; add / delete element) with nft's rules:
 * adding what exists is a no-op (an element with another value fails with "File exists"), and
 * deleting or flushing what is missing fails. Tests apply a sequence of transactions to it and
 * compare the result with one fresh load of the final state.
 */

export interface NftModel {
  chains: Map<string, string[]>;
  sets: Map<string, Map<string, string>>;
  /** Each set's declaration (`{ type … ; timeout …s ; }`): an `add set` over an existing set keeps the old one. */
  specs: Map<string, string>;
}

export function emptyNftModel(): NftModel {
  return { chains: new Map(), sets: new Map(), specs: new Map() };
}

/** Applies one script atomically: on an error the model is unchanged and the error is thrown. */
export function applyNftScript(model: NftModel, script: string): void {
  const next: NftModel = { chains: new Map([...model.chains].map(([k, v]) => [k, [...v]])), sets: new Map([...model.sets].map(([k, v]) => [k, new Map(v)])), specs: new Map(model.specs) };
  for (const line of script.split('\n')) if (line.trim() !== '') applyLine(next, line.trim());
  model.chains = next.chains;
  model.sets = next.sets;
  model.specs = next.specs;
}

function applyLine(m: NftModel, line: string): void {
  const words = line.split(' ');
  const [verb, what] = words;
  const name = words[4] ?? '';
  const fail = (why: string) => {
    throw new Error(`${why}: ${line}`);
  };
  if (what === 'table') {
    if (verb === 'delete') {
      m.chains.clear();
      m.sets.clear();
      m.specs.clear();
    }
    return;
  }
  if (what === 'chain') {
    if (verb === 'add') {
      if (!m.chains.has(name)) m.chains.set(name, []);
    } else if (!m.chains.has(name)) fail('no such chain');
    else if (verb === 'flush') m.chains.set(name, []);
    else if (m.chains.get(name)!.length > 0) fail('chain not empty');
    else if ([...m.chains.values()].some((rules) => rules.some((r) => refersTo(r, name))) || [...m.sets.values()].some((s) => [...s.values()].some((v) => refersTo(v, name)))) fail('chain in use');
    else m.chains.delete(name);
    return;
  }
  if (what === 'set' || what === 'map') {
    if (verb === 'add') {
      if (!m.sets.has(name)) {
        m.sets.set(name, new Map());
        m.specs.set(name, /\{.*\}/.exec(line)?.[0] ?? '');
      }
    } else if (!m.sets.has(name)) fail('no such set');
    else if (verb === 'flush') m.sets.get(name)!.clear();
    else if ([...m.chains.values()].some((rules) => rules.some((r) => r.includes(`@${name} `) || r.endsWith(`@${name}`)))) fail('set in use');
    else {
      m.sets.delete(name);
      m.specs.delete(name);
    }
    return;
  }
  if (what === 'rule') {
    const rules = m.chains.get(name) ?? fail('no such chain');
    const rule = words.slice(5).join(' ');
    for (const target of rule.matchAll(/(?:goto|jump) (\S+)/g)) if (!m.chains.has(target[1]!)) fail(`no chain ${target[1]}`);
    (rules as string[]).push(rule);
    return;
  }
  if (what === 'element') {
    const set = m.sets.get(name) ?? fail('no such set');
    const body = /\{ (.*) \}$/.exec(line)?.[1] ?? fail('no element');
    const colon = (body as string).lastIndexOf(' : ');
    const keyAndComment = colon === -1 ? (body as string) : (body as string).slice(0, colon);
    const key = keyAndComment.replace(/ comment "[^"]*"$/, '');
    const value = colon === -1 ? '' : `${(body as string).slice(colon + 3)}${keyAndComment === key ? '' : ` (${keyAndComment.slice(key.length + 1)})`}`;
    const s = set as Map<string, string>;
    if (verb === 'add') {
      const target = /goto (\S+)/.exec(value)?.[1];
      if (target !== undefined && !m.chains.has(target)) fail(`no chain ${target}`);
      if (s.has(key) && s.get(key) !== value) fail('File exists');
      s.set(key, value);
    } else if (!s.delete(key)) fail('no such element');
    return;
  }
  fail('unknown command');
}

function refersTo(text: string, chain: string): boolean {
  return new RegExp(`(goto|jump) ${chain.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}( |$)`).test(text);
}
