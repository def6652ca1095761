import { describe, expect, it } from 'vitest';
import { StoreTrust } from './store-trust.js';

describe('StoreTrust', () => {
  const clock = () => {
    let t = 1_000;
    return { now: () => t, pass: (ms: number) => (t += ms) };
  };

  it('lists once for another store, and believes it when the list names it', () => {
    const c = clock();
    const trust = new StoreTrust(10_000, c.now);
    trust.listed('a');
    expect(trust.verdict('b')).toEqual({ action: 'probe' });
    trust.listed('b'); // the apiserver moved to b
    c.pass(10_000);
    expect(trust.verdict('c')).toEqual({ action: 'probe' });
  });

  it('refutes a store the list did not name up to the revision probed; a later revision may ask again', () => {
    const c = clock();
    const trust = new StoreTrust(10_000, c.now);
    expect(trust.verdict('forged', 50)).toEqual({ action: 'probe' });
    trust.listed('a');
    c.pass(60_000);
    expect(trust.verdict('forged', 50)).toMatchObject({ action: 'refuse', reason: 'store forged is not the apiserver\'s' });
    expect(trust.verdict('forged', 12)).not.toHaveProperty('probeInMs');
    // The apiserver may really move to that store later: its newer messages ask again.
    expect(trust.verdict('forged', 51)).toEqual({ action: 'probe' });
    trust.listed('forged');
    c.pass(10_000);
    expect(trust.verdict('a', 99)).toEqual({ action: 'probe' });
  });

  it('costs one list per interval however many new stores are named, and checks again when it is over', () => {
    const c = clock();
    const trust = new StoreTrust(10_000, c.now);
    expect(trust.verdict('k1').action).toBe('probe');
    trust.listed('a');
    c.pass(4_000);
    for (let i = 2; i < 100; i++) expect(trust.verdict(`k${i}`)).toMatchObject({ action: 'refuse', probeInMs: 6_000 });
    c.pass(6_000);
    expect(trust.verdict('k100').action).toBe('probe');
  });

  it('ignores a list with no probe behind it', () => {
    const trust = new StoreTrust(10_000, () => 0);
    trust.listed('a');
    trust.listed('b');
    expect(trust.verdict('a').action).toBe('probe');
  });
});
