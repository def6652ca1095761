/**
 * The `acl` plugin (coredns/coredns plugin/acl): who may ask what. Each policy (one `acl` block in
 * a Corefile) covers zones and lists rules `ACTION [type QTYPE...] [net SOURCE...]` (no types or
 * `type *`: any type; no nets or `net *`: any source):
 *
 * - `allow`: on down the chain;
 * - `block`: REFUSED;
 * - `filter`: NOERROR with an empty answer;
 * - `drop`: no reply at all.
 *
 * As in CoreDNS's ServeDNS, the policies are read in order, skipping those whose zones do not hold
 * the question; within one, the first rule whose types and sources both match decides. A policy
 * none of whose rules match decides nothing and the next one is read; a query no rule matches
 * is allowed. A source that is not an IP address is blocked. The server's own lookups on behalf
 * of a client (an ExternalName target, CoreDNS's upstream.Lookup) are checked with that client's
 * address, as CoreDNS runs them through the whole chain again; its own probes (loop) are not.
 *
 * minimesh-dns's default (see `defaultAcl`) makes it no open resolver: the cluster zones answer
 * anyone who can reach the server; every other name, i.e. forwarding, only the cluster's own
 * networks.
 */
import { BlockList, isIP } from 'node:net';
import { NO_REPLY, Rcode, matchZone, messageResponse, reply, typeCode, typeName, type Plugin, type Remote } from '@minimesh/dns-core';

export const ACL_PLUGIN = 'acl';
export const ACL_ACTIONS = ['allow', 'block', 'filter', 'drop'] as const;
export type AclAction = (typeof ACL_ACTIONS)[number];

export interface AclRule {
  action: AclAction;
  /** Query types (upper case mnemonics, or TYPEnnn); empty: any. */
  types: string[];
  /** CIDRs (or addresses) of the source; empty: any. */
  nets: string[];
}

export interface AclPolicy {
  /** Fully qualified, lower case, dot-terminated. */
  zones: string[];
  rules: AclRule[];
}

export class AclError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AclError';
  }
}

const fq = (z: string) => (z.endsWith('.') ? z : `${z}.`).toLowerCase();

/** One `net` source: an address or address/prefix, IPv4 or IPv6 (CoreDNS also takes `*`). */
function addNet(list: BlockList, source: string): void {
  if (source === '*') {
    list.addSubnet('0.0.0.0', 0, 'ipv4');
    list.addSubnet('::', 0, 'ipv6');
    return;
  }
  const [addr = '', prefixText] = source.split('/');
  const family = isIP(addr);
  if (family === 0) throw new AclError(`"${source}" is not an IP address or CIDR`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max) throw new AclError(`"${source}" has no valid prefix length`);
  list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Policies from CoreDNS-like text: `[zone...] { rule; rule }` blocks, or bare rules (zone `.`),
 * rules separated by `;` or newlines, e.g. `cluster.local { allow } . { allow net 10.0.0.0/8; block }`.
 */
export function parseAcl(text: string): AclPolicy[] {
  const policies: AclPolicy[] = [];
  const src = text.trim();
  if (src === '') return policies;
  const blocks = /[{}]/.test(src) ? [...src.matchAll(/([^{}]*)\{([^{}]*)\}/g)] : [['', '.', src] as unknown as RegExpMatchArray];
  const leftover = src.replace(/([^{}]*)\{([^{}]*)\}/g, '').trim();
  if (/[{}]/.test(src) && leftover !== '') throw new AclError(`unexpected "${leftover}" outside a { } block`);
  for (const b of blocks) {
    const zones = (b[1] ?? '').trim().split(/\s+/).filter(Boolean).map(fq);
    const rules = (b[2] ?? '').split(/[;\n]/).map((r) => r.trim()).filter(Boolean).map(parseRule);
    policies.push({ zones: zones.length ? zones : ['.'], rules });
  }
  return policies;
}

function parseRule(text: string): AclRule {
  const words = text.split(/\s+/);
  const action = words.shift()!.toLowerCase();
  if (!(ACL_ACTIONS as readonly string[]).includes(action)) throw new AclError(`unknown action "${action}" (${ACL_ACTIONS.join(', ')})`);
  const rule: AclRule = { action: action as AclAction, types: [], nets: [] };
  let into: string[] | undefined;
  let section = '';
  const sectionDone = () => {
    // CoreDNS: "no token specified in 'net' section" (an empty `net` must not mean every source).
    if (into && into.length === 0) throw new AclError(`no ${section} given in "${text}"`);
  };
  for (const w of words) {
    const lw = w.toLowerCase();
    if (lw === 'type' || lw === 'net') {
      if (section === lw) throw new AclError(`"${lw}" given twice in "${text}"`);
      sectionDone();
      section = lw;
      into = lw === 'type' ? rule.types : rule.nets;
    } else if (!into) throw new AclError(`"${w}" in "${text}": expected type or net`);
    else into.push(into === rule.types ? w.toUpperCase() : w);
  }
  sectionDone();
  // `type *` (CoreDNS's QtypeAll) is the same as no type filter; TYPE1 is A, as the question reads.
  if (rule.types.includes('*')) rule.types = [];
  rule.types = rule.types.map((t) => {
    const code = typeCode(t);
    if (code === undefined) throw new AclError(`"${t}" is not a query type`);
    return typeName(code);
  });
  for (const n of rule.nets) addNet(new BlockList(), n); // checked now, not at the first query
  return rule;
}

/**
 * The default policy: the cluster zones for anyone; everything else (forwarding) only for
 * `forwardFrom`. With no networks, forwarding is for nobody (a rule without nets would match
 * every source).
 */
export function defaultAcl(clusterZones: readonly string[], forwardFrom: readonly string[]): AclPolicy[] {
  return [
    { zones: clusterZones.map(fq), rules: [{ action: 'allow', types: [], nets: [] }] },
    {
      zones: ['.'],
      rules: [...(forwardFrom.length ? [{ action: 'allow' as const, types: [], nets: [...forwardFrom] }] : []), { action: 'block', types: [], nets: [] }],
    },
  ];
}

/**
 * The address a rule compares: an IPv6 zone (`%eth0`) dropped; undefined when it is no IP
 * address. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a dual-stack socket reports)
 * matches the IPv4 networks as the IPv4 address does.
 */
function sourceOf(remote: Remote): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const pct = remote.address.indexOf('%');
  const address = pct >= 0 ? remote.address.slice(0, pct) : remote.address;
  const family = isIP(address);
  if (family === 0) return undefined;
  return { address, family: family === 6 ? 'ipv6' : 'ipv4' };
}

/** Whether `remote` is in one of `nets` (CIDRs or addresses, as a rule's `net` takes them). */
export function sourceMatcher(nets: readonly string[]): (remote: Remote) => boolean {
  const list = new BlockList();
  for (const n of nets) addNet(list, n);
  return (remote) => {
    const src = sourceOf(remote);
    return src !== undefined && list.check(src.address, src.family);
  };
}

interface CompiledRule {
  action: AclAction;
  types: Set<string>;
  nets?: BlockList;
}

/** `zone`: the zone of the policy that decided (CoreDNS's metric label); none for an allow. */
export type AclObserver = (action: AclAction, zone?: string) => void;

export function aclPlugin(policies: readonly AclPolicy[], onDecision?: AclObserver): Plugin {
  const compiled = policies.map((p) => ({
    zones: p.zones,
    rules: p.rules.map((r): CompiledRule => {
      if (r.nets.length === 0) return { action: r.action, types: new Set(r.types) };
      const nets = new BlockList();
      for (const n of r.nets) addNet(nets, n);
      return { action: r.action, types: new Set(r.types), nets };
    }),
  }));
  const decide = (name: string, type: string, remote: Remote): { action: AclAction; zone?: string } => {
    const src = sourceOf(remote);
    // CoreDNS: "Blocking request. Unable to parse source address".
    if (!src) return { action: 'block', zone: '.' };
    for (const policy of compiled) {
      const zone = matchZone(policy.zones, name);
      if (zone === undefined) continue;
      for (const r of policy.rules) {
        if (r.types.size && !r.types.has(type)) continue;
        if (r.nets && !r.nets.check(src.address, src.family)) continue;
        return r.action === 'allow' ? { action: 'allow' } : { action: r.action, zone };
      }
      // No rule of this policy matched: it decides nothing, the next one may.
    }
    return { action: 'allow' };
  };
  return {
    name: ACL_PLUGIN,
    setup: (next) => async (req) => {
      // The server's own probes (the loop plugin's HINFO) are not a client's.
      if (req.internal && !req.forClient) return next(req);
      const { action, zone } = decide(req.question.name.toLowerCase(), req.question.type, req.remote);
      onDecision?.(action, zone);
      switch (action) {
        case 'allow':
          return next(req);
        case 'block':
          return messageResponse(ACL_PLUGIN, reply(Rcode.REFUSED));
        case 'filter':
          return messageResponse(ACL_PLUGIN, reply(Rcode.NOERROR));
        case 'drop':
          return { plugin: ACL_PLUGIN, rcode: NO_REPLY, message: reply(Rcode.NOERROR) };
      }
    },
  };
}

/** Addresses remembered by `aclClientClass` before it starts over. */
const CLASS_MEMORY = 4096;

/**
 * What the policies see of a client: which of their rules' networks hold its address (a string of
 * 0s and 1s), so that two clients of one class get the same decision for every question.
 * Remembered per address.
 */
export function aclClientClass(policies: readonly AclPolicy[]): (remote: Remote) => string {
  const nets = policies.flatMap((p) => p.rules.filter((r) => r.nets.length > 0).map((r) => sourceMatcher(r.nets)));
  if (nets.length === 0) return () => '';
  const known = new Map<string, string>();
  return (remote) => {
    let c = known.get(remote.address);
    if (c === undefined) {
      c = sourceOf(remote) ? nets.map((m) => (m(remote) ? '1' : '0')).join('') : 'x';
      if (known.size >= CLASS_MEMORY) known.clear();
      known.set(remote.address, c);
    }
    return c;
  };
}

/**
 * The server's access control from its flags: the `--acl` policies, or by default the cluster
 * zones for anyone and forwarding only for `forwardFrom`. With the default, `forwardFrom` also
 * guards the forward plugin itself, for names of the cluster zones that fall through to it (a
 * reverse name of an address outside the cluster, in a `fallthrough` zone).
 */
export function accessControl(o: { acl: string; forwardFrom: readonly string[]; zones: readonly string[]; onDecision?: AclObserver }): {
  acl: Plugin;
  forwardFrom?: (remote: Remote) => boolean;
  /** What the policies see of a client (aclClientClass). */
  clientClass: (remote: Remote) => string;
} {
  const policies = o.acl.trim() !== '' ? parseAcl(o.acl) : defaultAcl(o.zones, o.forwardFrom);
  const access = { acl: aclPlugin(policies, o.onDecision), clientClass: aclClientClass(policies) };
  return o.acl.trim() !== '' ? access : { ...access, forwardFrom: sourceMatcher(o.forwardFrom) };
}
