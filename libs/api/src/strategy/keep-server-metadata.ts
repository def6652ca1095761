/** What the generic registry keeps from the stored object's metadata on every update (rest.BeforeUpdate). */
import { isRecord, rec, str, type JsonRecord } from '../validation/json-access.js';
import { cloneObject } from '../util/clone-object.js';

/**
 * uid when the client left it out; creationTimestamp and generation always (changes to them are
 * ignored); resourceVersion when the client left it out (an unconditional update: the caller has
 * already checked a given one against the stored object); deletionTimestamp once set (an update
 * can never remove or change it) and deletionGracePeriodSeconds when the client left it out.
 * Mutates `copy`, a private copy.
 */
export function keepServerMetadata(copy: JsonRecord, old: unknown): void {
  if (!isRecord(copy.metadata)) copy.metadata = {};
  const meta = copy.metadata as JsonRecord;
  const oldMeta = rec(rec(old).metadata);
  if (!str(meta.uid) && str(oldMeta.uid)) meta.uid = oldMeta.uid;
  if (str(oldMeta.creationTimestamp)) meta.creationTimestamp = oldMeta.creationTimestamp;
  if (!str(meta.resourceVersion) && str(oldMeta.resourceVersion)) meta.resourceVersion = oldMeta.resourceVersion;
  copyField(meta, oldMeta, 'generation');
  if (str(oldMeta.deletionTimestamp)) meta.deletionTimestamp = oldMeta.deletionTimestamp;
  if (meta.deletionGracePeriodSeconds === undefined && oldMeta.deletionGracePeriodSeconds !== undefined) {
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  }
}

/** Sets `target[key]` to a copy of `source[key]`, or removes it when the source has none. */
export function copyField(target: JsonRecord, source: unknown, key: string): void {
  const value = rec(source)[key];
  if (value === undefined) delete target[key];
  else target[key] = cloneObject(value);
}
