/**
 * The `acl` plugin (CoreDNS plugin/acl): who may ask what. A policy covers zones and lists rules
 * `ACTION [type QTYPE...] [net SOURCE...]`, read top to bottom; the first rule whose types and
 * sources both match decides (no types: any type; no nets: any source):
 *
 * - `allow`: on down the chain;
 * - `block`: REFUSED;
 * - `filter`: NOERROR with an empty answer;
 * - `drop`: no reply at all.
 *
 * A query no rule matches is allowed. Of several policies, the first whose zones contain the
 * question decides (CoreDNS builds one policy per `acl` block, in order). minimesh-dns's default
 * (see `defaultAcl`) makes it no open resolver: the cluster zones answer anyone who can reach the
 * server; every other name, i.e. forwarding, only the cluster's own networks.
 */
import { BlockList, isIP } from 'node:net';
import { NO_REPLY, Rcode, matchZone, messageResponse, reply, type Plugin } from '@minimesh/dns-core';

export const ACL_PLUGIN = 'acl';
export const ACL_ACTIONS = ['allow', 'block', 'filter', 'drop'] as const;
export type AclAction = (typeof ACL_ACTIONS)[number];

export interface AclRule {
  action: AclAction;
  /** Query types (upper case); empty: any. */
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
  for (const w of words) {
    if (w === 'type') into = rule.types;
    else if (w === 'net') into = rule.nets;
    else if (!into) throw new AclError(`"${w}" in "${text}": expected type or net`);
    else into.push(into === rule.types ? w.toUpperCase() : w);
  }
  for (const n of rule.nets) addNet(new BlockList(), n); // checked now, not at the first query
  return rule;
}

/** Cluster zones for anyone; everything else (forwarding) only for `forwardFrom`. */
export function defaultAcl(clusterZones: readonly string[], forwardFrom: readonly string[]): AclPolicy[] {
  return [
    { zones: clusterZones.map(fq), rules: [] },
    {
      zones: ['.'],
      // No networks: forwarding for nobody (a rule without nets would match every source).
      rules: [...(forwardFrom.length ? [{ action: 'allow' as const, types: [], nets: [...forwardFrom] }] : []), { action: 'block', types: [], nets: [] }],
    },
  ];
}

interface CompiledRule {
  action: AclAction;
  types: Set<string>;
  nets?: BlockList;
}

export function aclPlugin(policies: readonly AclPolicy[], onDecision?: (action: AclAction) => void): Plugin {
  const compiled = policies.map((p) => ({
    zones: p.zones,
    rules: p.rules.map((r): CompiledRule => {
      if (r.nets.length === 0) return { action: r.action, types: new Set(r.types) };
      const nets = new BlockList();
      for (const n of r.nets) addNet(nets, n);
      return { action: r.action, types: new Set(r.types), nets };
    }),
  }));
  const decide = (name: string, type: string, source: string): AclAction => {
    const policy = compiled.find((p) => matchZone(p.zones, name) !== undefined);
    if (!policy) return 'allow';
    const family = isIP(source) === 6 ? 'ipv6' : 'ipv4';
    for (const r of policy.rules) {
      if (r.types.size && !r.types.has(type)) continue;
      if (r.nets && !(isIP(source) !== 0 && r.nets.check(source, family))) continue;
      return r.action;
    }
    return 'allow';
  };
  return {
    name: ACL_PLUGIN,
    setup: (next) => async (req) => {
      if (req.internal) return next(req);
      const action = decide(req.question.name.toLowerCase(), req.question.type, req.remote.address);
      onDecision?.(action);
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
