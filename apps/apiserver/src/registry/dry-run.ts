/**
 * A dry run's last step (`dryRun=All`): what the store would do with a batch, without doing it.
 */
import { AlreadyExistsError, ConflictError, NotFoundError, type KubeObject } from '@minimesh/api';
import type { AppliedReads, Batch } from '../store/store.js';
import { checkObjectSize } from './object-size.js';

/**
 * A dry run's stand-in for `commit`: the store's preconditions checked against what the writes
 * so far left (a create of an object that exists: AlreadyExists; an update or delete of one
 * that is gone: NotFound; at another revision: Conflict), and the size limit; then the objects
 * as kube-apiserver's dry-run storage answers them: a created one without a resourceVersion, an
 * updated one at the revision it was read at, a deleted one as it is stored. Nothing is
 * written, no revision is used, no watcher, publisher or deletion timer hears of it.
 */
export async function rehearse(applied: AppliedReads, batch: Batch): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const op of batch.ops) {
    if (op.type === 'delete') {
      const existing = await applied.get(op.kind, op.namespace, op.name);
      if (!existing) throw new NotFoundError(op.kind, op.name);
      if (op.expectRevision !== undefined && Number(existing.metadata.resourceVersion) !== op.expectRevision) throw new ConflictError(op.kind, op.name);
      out.push(existing);
      continue;
    }
    checkObjectSize(op.object);
    const { kind, metadata } = op.object;
    const existing = await applied.get(kind, metadata.namespace ?? '', metadata.name ?? '');
    if (op.type === 'create') {
      if (existing) throw new AlreadyExistsError(kind, metadata.name ?? '');
      const { resourceVersion: _rv, ...meta } = metadata;
      out.push({ ...op.object, metadata: meta });
    } else {
      if (!existing) throw new NotFoundError(kind, metadata.name ?? '');
      if (Number(existing.metadata.resourceVersion) !== op.expectRevision) throw new ConflictError(kind, metadata.name ?? '');
      out.push({ ...op.object, metadata: { ...metadata, resourceVersion: String(op.expectRevision) } });
    }
  }
  return out;
}
