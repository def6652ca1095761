import { describe, expect, it } from 'vitest';
import { isSubdomain, matchZone } from './names.js';

describe('isSubdomain (dns.IsSubDomain: by labels, escapes honoured)', () => {
  it.each([
    ['cluster.local.', 'cluster.local.', true],
    ['cluster.local.', 'web.ns.svc.cluster.local.', true],
    ['.', 'anything.example.', true],
    ['cluster.local.', 'mycluster.local.', false],
    ['cluster.local.', 'local.', false],
    // `a\.cluster.local.` is the labels `a.cluster` and `local`: not under cluster.local.
    ['cluster.local.', 'a\\.cluster.local.', false],
    ['cluster.local.', 'a\\\\\\.cluster.local.', false],
    // an escaped backslash ends its label: `a\` then `cluster`, `local`
    ['cluster.local.', 'a\\\\.cluster.local.', true],
    ['cluster.local.', 'a\\092.cluster.local.', true],
    ['cluster.local.', 'a\\046cluster.local.', false],
    ['in-addr.arpa.', '1\\.in-addr.arpa.', false],
  ])('%s holds %s: %s', (parent, child, want) => {
    expect(isSubdomain(parent, child)).toBe(want);
  });

  it('matchZone leaves a name whose last labels only look like a zone', () => {
    expect(matchZone(['cluster.local.', 'in-addr.arpa.'], 'a\\.cluster.local.')).toBeUndefined();
    expect(matchZone(['cluster.local.', 'local.'], 'a\\.cluster.local.')).toBe('local.');
    expect(matchZone(['cluster.local.', 'local.'], 'a.cluster.local.')).toBe('cluster.local.');
  });
});
