import { describe, expect, it, vi } from 'vitest';
import type { Namespace } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { listInPages } from './list-pages.js';

describe('listInPages', () => {
  it('lists a kind in pages and returns every object once, with the first page\'s revision', async () => {
    const api = new FakeApiClient();
    for (let i = 0; i < 1234; i++) await api.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}` } });
    const list = vi.spyOn(api, 'list');
    const r = await listInPages(api, 'Namespace', {}, 500);
    expect(list).toHaveBeenCalledTimes(3);
    expect(list.mock.calls.map((c) => c[1]?.limit)).toEqual([500, 500, 500]);
    expect(new Set(r.items.map((n) => n.metadata.name)).size).toBe(r.items.length);
    expect(r.items.length).toBeGreaterThanOrEqual(1234);
    expect(r.resourceVersion).toBe((await list.mock.results[0]!.value).resourceVersion);
  });
});
