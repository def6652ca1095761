import { describe, expect, it } from 'vitest';
import { RestoreTable } from './restore-table.js';

describe('RestoreTable', () => {
  it('lists the first chains, then the rest alphabetically; rules grouped by chain in write order; -X last', () => {
    const t = new RestoreTable('nat', ['KUBE-NODEPORTS', 'KUBE-SERVICES']);
    for (const c of ['KUBE-SVC-B', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-NODEPORTS']) t.declare(c);
    t.append('KUBE-SVC-B', '-j KUBE-SEP-1');
    t.append('KUBE-SERVICES', '-d 10.0.0.1 -j KUBE-SVC-B');
    t.append('KUBE-SVC-B', '-j KUBE-SEP-2');
    t.delete('KUBE-SEP-OLD');
    expect(t.render()).toBe(
      [
        '*nat',
        ':KUBE-NODEPORTS - [0:0]',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-MARK-MASQ - [0:0]',
        ':KUBE-SEP-OLD - [0:0]',
        ':KUBE-SVC-B - [0:0]',
        '-A KUBE-SERVICES -d 10.0.0.1 -j KUBE-SVC-B',
        '-A KUBE-SVC-B -j KUBE-SEP-1',
        '-A KUBE-SVC-B -j KUBE-SEP-2',
        '-X KUBE-SEP-OLD',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(t.ruleCount).toBe(3);
  });

  it('refuses rules for chains it does not flush, and deleting a chain that has rules', () => {
    const t = new RestoreTable('filter', []);
    expect(() => t.append('INPUT', '-j ACCEPT')).toThrow(/undeclared/);
    t.declare('KUBE-X');
    t.append('KUBE-X', '-j ACCEPT');
    expect(() => t.delete('KUBE-X')).toThrow(/has rules/);
  });
});
