/**
 * Group commit through the registry and the SQLite store, with the log's sync held by the test:
 * a write is answered, and announced, only once the sync after its commit returned; the next
 * write does not wait for that sync (it reads what the one before applied), so the commits of
 * concurrent writers share one sync; readers never see what is not on disk yet.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Namespace, Service } from '@minimesh/api';
import { createLogger } from '@minimesh/runtime';
import { tempDir } from '@minimesh/runtime/testing';
import { SqliteStore } from '../store/sqlite-store.js';
import type { StoredEvent } from '../store/store.js';
import { openRegistry } from './bootstrap.js';
import type { Registry } from './registry.js';

const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const svc = (namespace: string, name: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] },
});
const tick = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let registry: Registry;
  let hold = false;
  let held: (() => void)[] = [];
  let syncs = 0;
  /** Lets the held syncs of the log run (really: fdatasync of the file). */
  const release = async () => {
    hold = false;
    for (const go of held.splice(0)) go();
    for (let i = 0; i < 20; i++) await tick();
  };

  beforeEach(async () => {
    dir = tempDir('minimesh-group-commit-');
    hold = false;
    held = [];
    store = new SqliteStore(dir.path, {
      syncLog: async (sync) => {
        syncs++;
        if (hold) await new Promise<void>((go) => held.push(go));
        await sync();
      },
    });
    registry = await openRegistry(store, { serviceCidr: '10.96.0.0/16', nodePortRange: '30000-32767', log: createLogger('test', { level: 'error' }) });
  });
  afterEach(async () => {
    hold = false;
    for (const go of held.splice(0)) go();
    registry.stop();
    await store.close();
    dir.remove();
  });

  it('writes are answered and announced only after the sync; the next write reads what the previous applied', async () => {
    const announced: StoredEvent[] = [];
    registry.onCommit((events) => announced.push(...events));
    const answered: string[] = [];
    hold = true;
    const syncsBefore = syncs;
    // The Service needs its namespace: created in the same burst, not yet on disk when it is read.
    const writes = [
      registry.create(ns('burst')).then(() => answered.push('ns')),
      registry.create(svc('burst', 'a')).then(() => answered.push('a')),
      registry.create(svc('burst', 'b')).then(() => answered.push('b')),
    ];
    for (let i = 0; i < 20; i++) await tick();
    expect(answered).toEqual([]);
    expect(announced).toEqual([]);
    // Applied, all three, while the first sync is still held.
    expect(await store.applied.get('Service', 'burst', 'b')).toMatchObject({ metadata: { name: 'b' } });
    expect(held.length).toBe(1);
    // A reader waits for the disk too.
    let read: Namespace | undefined;
    void registry.get('Namespace', '', 'burst').then((o) => (read = o as Namespace));
    for (let i = 0; i < 5; i++) await tick();
    expect(read).toBeUndefined();

    await release();
    await Promise.all(writes);
    expect(answered).toEqual(['ns', 'a', 'b']);
    expect(announced.map((e) => `${e.type} ${e.kind} ${e.name}`)).toEqual(['ADDED Namespace burst', 'ADDED Service a', 'ADDED Service b']);
    expect(announced.map((e) => e.revision)).toEqual([...announced.map((e) => e.revision)].sort((x, y) => x - y));
    expect(read?.metadata.name).toBe('burst');
    // The held sync covered the first commit; the two after it shared one more.
    expect(syncs - syncsBefore).toBe(2);
  });

  it('the answer of a refused write also waits for what it read to be on disk', async () => {
    hold = true;
    const first = registry.create(ns('twice'));
    let refused: unknown;
    const second = registry.create(ns('twice')).catch((e: unknown) => (refused = e));
    for (let i = 0; i < 20; i++) await tick();
    expect(refused).toBeUndefined(); // "already exists" is about an object not on disk yet
    await release();
    await Promise.all([first, second]);
    expect((refused as Error).message).toBe('namespaces "twice" already exists');
  });

  it('what was answered is there after a restart', async () => {
    for (let i = 0; i < 20; i++) await registry.create(ns(`n${i}`));
    registry.stop();
    await store.close();
    store = new SqliteStore(dir.path);
    registry = await openRegistry(store, { serviceCidr: '10.96.0.0/16', nodePortRange: '30000-32767', log: createLogger('test', { level: 'error' }) });
    const { items } = await registry.list('Namespace');
    expect(items.filter((n) => /^n\d+$/.test(n.metadata.name ?? '')).length).toBe(20);
  });
});
