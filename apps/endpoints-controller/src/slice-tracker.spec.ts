import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@minimesh/api';
import { SliceTracker, StaleCacheError } from './slice-tracker.js';

const slice = (name: string, rv: string): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'study', resourceVersion: rv },
  addressType: 'IPv4',
});

describe('SliceTracker', () => {
  it('slice tracker - a sync waits until the cache has seen our create, update and delete', () => {
    const t = new SliceTracker();
    const cache = new Map<string, EndpointSlice>();
    t.written('study/web', slice('web-abcde', '10'));
    expect(() => t.check('study/web', (n) => cache.get(n))).toThrow(StaleCacheError);
    cache.set('web-abcde', slice('web-abcde', '9'));
    expect(() => t.check('study/web', (n) => cache.get(n))).toThrow(StaleCacheError);
    cache.set('web-abcde', slice('web-abcde', '10'));
    t.check('study/web', (n) => cache.get(n));
    t.deleted('study/web', 'web-abcde');
    expect(() => t.check('study/web', (n) => cache.get(n))).toThrow(StaleCacheError);
    cache.delete('web-abcde');
    t.check('study/web', (n) => cache.get(n));
    t.check('study/other', () => undefined);
  });
});
