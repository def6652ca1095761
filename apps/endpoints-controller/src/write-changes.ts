/** Carries a computed set of EndpointSlice changes out against the API. */
import { AlreadyExistsError, NotFoundError, type EndpointSlice } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { SliceChanges } from '@minimesh/endpoints';

export interface WriteCounts {
  created: number;
  updated: number;
  deleted: number;
}

/** Thrown before a write when this replica is no longer the leader (the sync stops there). */
export class NotLeaderError extends Error {
  constructor() {
    super('not the leader any more: write skipped');
    this.name = 'NotLeaderError';
  }
}

/** Checked before every write: throws NotLeaderError once leadership is lost. */
export type WriteGuard = () => void;

/** What was written, for the SliceTracker. */
export interface WriteObserver {
  written(slice: EndpointSlice): void;
  deleted(name: string): void;
}

export async function writeSliceChanges(
  client: ApiClient,
  changes: SliceChanges,
  guard: WriteGuard = () => undefined,
  observer?: WriteObserver,
): Promise<WriteCounts> {
  for (const s of changes.create) {
    guard();
    try {
      const created = await client.create<EndpointSlice>(s);
      observer?.written(created);
    } catch (e) {
      // A generated name that is taken: the next sync generates another.
      if (!(e instanceof AlreadyExistsError)) throw e;
      throw new Error(`EndpointSlice name ${s.metadata.name} is taken; retrying`, { cause: e });
    }
  }
  for (const s of changes.update) {
    guard();
    const updated = await client.update<EndpointSlice>(s);
    observer?.written(updated);
  }
  for (const s of changes.delete) {
    guard();
    try {
      await client.delete('EndpointSlice', s.metadata.namespace ?? '', s.metadata.name ?? '');
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    observer?.deleted(s.metadata.name ?? '');
  }
  return { created: changes.create.length, updated: changes.update.length, deleted: changes.delete.length };
}
