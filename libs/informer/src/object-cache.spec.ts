import { describe, expect, it } from 'vitest';
import type { Pod } from '@minimesh/api';
import { NAMESPACE_INDEX, ObjectCache, labelIndexFunc } from './object-cache.js';

const pod = (namespace: string, name: string, rv: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, resourceVersion: rv, labels },
  spec: { containers: [{ name: 'c' }] },
});

describe('object cache', () => {
  it('cache - get, list and keys by namespace/name; objects are frozen', () => {
    const c = new ObjectCache<Pod>();
    c.set(pod('a', 'p1', '1'));
    c.set(pod('b', 'p1', '2'));
    expect(c.get('a', 'p1')?.metadata.resourceVersion).toBe('1');
    expect(c.keys().sort()).toEqual(['a/p1', 'b/p1']);
    expect(c.list()).toHaveLength(2);
    expect(() => {
      (c.get('a', 'p1')!.metadata as { name: string }).name = 'x';
    }).toThrow(TypeError);
    // Arrays too (kept as exact-size copies of what was given: equal, frozen).
    const containers = c.get('a', 'p1')!.spec!.containers!;
    expect(containers).toEqual([{ name: 'c' }]);
    expect(Object.isFrozen(containers) && Object.isFrozen(containers[0])).toBe(true);
    expect(() => (containers as unknown as unknown[]).push({ name: 'd' })).toThrow(TypeError);
  });

  it('indexes - the namespace index follows deletes and replacements with nothing kept per object', () => {
    const c = new ObjectCache<Pod>();
    for (let i = 0; i < 3; i++) c.set(pod('a', `p${i}`, `${i + 1}`));
    c.set(pod('b', 'p0', '9'));
    c.set(pod('a', 'p1', '10'));
    expect(c.byIndex(NAMESPACE_INDEX, 'a').map((p) => p.metadata.name).sort()).toEqual(['p0', 'p1', 'p2']);
    c.delete('a/p0');
    c.delete('a/p2');
    expect(c.byIndex(NAMESPACE_INDEX, 'a').map((p) => p.metadata.resourceVersion)).toEqual(['10']);
    c.delete('a/p1');
    expect(c.indexValues(NAMESPACE_INDEX)).toEqual(['b']);
  });

  it('indexes - by namespace built in, by label, kept current on update and delete, added late', () => {
    const c = new ObjectCache<Pod>();
    c.set(pod('a', 'p1', '1', { app: 'web' }));
    c.set(pod('a', 'p2', '2', { app: 'db' }));
    c.set(pod('b', 'p3', '3', { app: 'web' }));
    c.addIndexer('app', labelIndexFunc('app'));
    expect(c.byIndex(NAMESPACE_INDEX, 'a').map((p) => p.metadata.name).sort()).toEqual(['p1', 'p2']);
    expect(c.byIndex('app', 'web').map((p) => p.metadata.name).sort()).toEqual(['p1', 'p3']);
    c.set(pod('a', 'p1', '4', { app: 'db' }));
    expect(c.byIndex('app', 'web').map((p) => p.metadata.name)).toEqual(['p3']);
    c.delete('b/p3');
    expect(c.byIndex('app', 'web')).toEqual([]);
    expect(c.indexValues('app')).toEqual(['db']);
    expect(c.byIndex(NAMESPACE_INDEX, 'b')).toEqual([]);
    expect(() => c.addIndexer('app', labelIndexFunc('x'))).toThrow(/already exists/);
    expect(() => c.byIndex('nope', 'x')).toThrow(/no index "nope"/);
  });

  it('indexes - an index function that throws leaves the object out of that index only', () => {
    const errors: string[] = [];
    const c = new ObjectCache<Pod>((index) => errors.push(index));
    c.addIndexer('boom', (p) => {
      if (p.metadata.name === 'bad') throw new Error('no');
      return ['x'];
    });
    c.set(pod('a', 'bad', '1'));
    c.set(pod('a', 'good', '2'));
    expect(c.byIndex('boom', 'x').map((p) => p.metadata.name)).toEqual(['good']);
    expect(c.get('a', 'bad')).toBeDefined();
    expect(errors).toEqual(['boom']);
    c.delete('a/bad');
    expect(c.size).toBe(1);
  });

  it('replace - deletes what is missing, updates what changed, adds what is new, skips what is equal', () => {
    const c = new ObjectCache<Pod>();
    c.replace([pod('a', 'keep', '1'), pod('a', 'change', '2'), pod('a', 'gone', '3')]);
    const d = c.replace([pod('a', 'keep', '1'), pod('a', 'change', '5'), pod('a', 'new', '6')]);
    expect(d.deleted.map((p) => p.metadata.name)).toEqual(['gone']);
    expect(d.updated.map((u) => [u.old.metadata.resourceVersion, u.current.metadata.resourceVersion])).toEqual([['2', '5']]);
    expect(d.added.map((p) => p.metadata.name)).toEqual(['new']);
    expect(c.keys().sort()).toEqual(['a/change', 'a/keep', 'a/new']);
  });

  it('replace - the same resourceVersion with another uid is another object (a list from a new store): updated', () => {
    const withUid = (p: Pod, uid: string): Pod => ({ ...p, metadata: { ...p.metadata, uid } });
    const c = new ObjectCache<Pod>();
    c.replace([withUid(pod('a', 'same', '7'), 'old-1'), withUid(pod('a', 'moved', '8'), 'old-2')]);
    const d = c.replace([withUid(pod('a', 'same', '7'), 'old-1'), withUid(pod('a', 'moved', '8'), 'new-2')]);
    expect(d.deleted).toEqual([]);
    expect(d.added).toEqual([]);
    expect(d.updated.map((u) => [u.old.metadata.uid, u.current.metadata.uid])).toEqual([['old-2', 'new-2']]);
    expect(c.get('a', 'moved')?.metadata.uid).toBe('new-2');
    expect(c.get('a', 'same')?.metadata.uid).toBe('old-1');
  });

  it('isNewer - compares resourceVersions as revisions', () => {
    const c = new ObjectCache<Pod>();
    c.set(pod('a', 'p', '10'));
    expect(c.isNewer(pod('a', 'p', '9'))).toBe(false);
    expect(c.isNewer(pod('a', 'p', '10'))).toBe(false);
    expect(c.isNewer(pod('a', 'p', '11'))).toBe(true);
    expect(c.isNewer(pod('a', 'other', '1'))).toBe(true);
  });
});
