/** Pieces of hand-written expected rulesets that every scenario shares (node1, KUBE- prefix). */

/** KUBE-MARK-MASQ and KUBE-POSTROUTING, which sort between the EXT/FW and the SEP chains. */
export const MASQ_RULES = [
  '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
  '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
  '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
  '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
].join('\n');

export const NODEPORTS_LAST = '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS';

export interface FilterRules {
  nodePorts?: string[];
  services?: string[];
  externalServices?: string[];
  proxyFirewall?: string[];
}

/** The filter table with the default options (localhost NodePorts, INVALID drop) and these rules. */
export function filterTable(r: FilterRules = {}): string {
  return [
    '*filter',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-EXTERNAL-SERVICES - [0:0]',
    ':KUBE-FIREWALL - [0:0]',
    ':KUBE-FORWARD - [0:0]',
    ':KUBE-PROXY-FIREWALL - [0:0]',
    ...(r.nodePorts ?? []),
    ...(r.services ?? []),
    ...(r.externalServices ?? []),
    '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ...(r.proxyFirewall ?? []),
    'COMMIT',
    '',
  ].join('\n');
}

/** The nat table of a node with no service chains. */
export const NAT_IDLE = ['*nat', ':KUBE-NODEPORTS - [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]', ':KUBE-POSTROUTING - [0:0]', NODEPORTS_LAST, MASQ_RULES, 'COMMIT', ''].join('\n');
