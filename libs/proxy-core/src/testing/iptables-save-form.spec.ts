import { describe, expect, it } from 'vitest';
import { iptablesSaveRule, saveString, splitRuleArgs } from './iptables-save-form.js';

describe('iptablesSaveRule: kube-proxy input → iptables-save output', () => {
  it.each([
    // The seed (default/my-nodeport-service), today's comment spelling.
    [
      '-A KUBE-SERVICES -m comment --comment "default/my-nodeport-service has no endpoints" -m tcp -p tcp -d 10.233.44.13 --dport 80 -j REJECT',
      '-A KUBE-SERVICES -d 10.233.44.13/32 -p tcp -m comment --comment "default/my-nodeport-service has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    ],
    [
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/my-nodeport-service has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30036 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/my-nodeport-service has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30036 -j REJECT --reject-with icmp-port-unreachable',
    ],
    // Lines as seen in `iptables-save | grep test-svc` on a kind node.
    ['-A KUBE-SEP-SQEBHSRBMT4ZUBXZ -m comment --comment default/test-svc -s 10.244.1.3 -j KUBE-MARK-MASQ', '-A KUBE-SEP-SQEBHSRBMT4ZUBXZ -s 10.244.1.3/32 -m comment --comment "default/test-svc" -j KUBE-MARK-MASQ'],
    [
      '-A KUBE-SEP-SQEBHSRBMT4ZUBXZ -m comment --comment default/test-svc -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:80',
      '-A KUBE-SEP-SQEBHSRBMT4ZUBXZ -p tcp -m comment --comment "default/test-svc" -m tcp -j DNAT --to-destination 10.244.1.3:80',
    ],
    [
      '-A KUBE-SVC-X -m comment --comment "default/test-svc cluster IP" -m tcp -p tcp -d 10.96.115.88 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-X ! -s 10.244.0.0/16 -d 10.96.115.88/32 -p tcp -m comment --comment "default/test-svc cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
    ],
    // Session affinity, as real dumps show it.
    [
      '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 172.16.0.11:6443" -m recent --name KUBE-SEP-23Y66C2VAJ3WDEMI --rcheck --seconds 10800 --reap -j KUBE-SEP-23Y66C2VAJ3WDEMI',
      '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 172.16.0.11:6443" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-23Y66C2VAJ3WDEMI --mask 255.255.255.255 --rsource -j KUBE-SEP-23Y66C2VAJ3WDEMI',
    ],
    [
      '-A KUBE-SEP-23Y66C2VAJ3WDEMI -m comment --comment default/kubernetes:https -m recent --name KUBE-SEP-23Y66C2VAJ3WDEMI --set -m tcp -p tcp -j DNAT --to-destination 172.16.0.11:6443',
      '-A KUBE-SEP-23Y66C2VAJ3WDEMI -p tcp -m comment --comment "default/kubernetes:https" -m recent --set --name KUBE-SEP-23Y66C2VAJ3WDEMI --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 172.16.0.11:6443',
    ],
    // Probabilities are stored in steps of 1/2^31 and printed with 11 decimals.
    ['-A KUBE-SVC-X -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-A', '-A KUBE-SVC-X -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-A'],
    ['-A KUBE-SVC-X -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-B', '-A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B'],
    // Marks.
    ['-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000', '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'],
    ['-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000', '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'],
    ['-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000', '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0'],
    ['-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN', '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN'],
    [
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ],
    [
      '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ],
    [
      '-A KUBE-EXT-X -m comment --comment "masquerade LOCAL traffic for ns/svc:p external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-X -m comment --comment "masquerade LOCAL traffic for ns/svc:p external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
    ],
    ['-A KUBE-FW-X -m comment --comment "ns/svc loadbalancer IP" -s 203.0.113.5/25 -j KUBE-EXT-X', '-A KUBE-FW-X -s 203.0.113.0/25 -m comment --comment "ns/svc loadbalancer IP" -j KUBE-EXT-X'],
    ['-A KUBE-FW-X -m comment --comment "other traffic to ns/svc will be dropped by KUBE-PROXY-FIREWALL"', '-A KUBE-FW-X -m comment --comment "other traffic to ns/svc will be dropped by KUBE-PROXY-FIREWALL"'],
    ['-A KUBE-SERVICES -m sctp -p sctp -d 10.96.9.9 --dport 9999 -j KUBE-SVC-Y', '-A KUBE-SERVICES -d 10.96.9.9/32 -p sctp -m sctp --dport 9999 -j KUBE-SVC-Y'],
  ])('%s', (input, saved) => {
    expect(iptablesSaveRule(input)).toBe(saved);
  });

  it('refuses what it does not know', () => {
    expect(() => iptablesSaveRule('-A X -m tcp --tcp-flags SYN SYN -j ACCEPT')).toThrow(/unsupported option --tcp-flags/);
    expect(() => iptablesSaveRule('-A X -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT')).toThrow(/unsupported/);
    expect(() => iptablesSaveRule('-I X -j ACCEPT')).toThrow(/not an -A rule/);
  });
});

describe('rule text helpers', () => {
  it('splitRuleArgs honours double quotes and escapes', () => {
    expect(splitRuleArgs('-A X -m comment --comment "a b \\"c\\"" -j Y')).toEqual(['-A', 'X', '-m', 'comment', '--comment', 'a b "c"', '-j', 'Y']);
    expect(() => splitRuleArgs('-A X --comment "open')).toThrow(/unterminated/);
  });

  it('saveString quotes anything beyond [A-Za-z0-9_-]', () => {
    expect(saveString('plain_text-1')).toBe('plain_text-1');
    expect(saveString('ns/svc')).toBe('"ns/svc"');
    expect(saveString('say "hi"')).toBe('"say \\"hi\\""');
  });
});
