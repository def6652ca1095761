/** What the server itself writes into metadata on create and keeps on update. */
import { randomUUID } from 'node:crypto';
import { KINDS, stableStringify, type KubeObject, type ObjectMeta } from '@minimesh/api';

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' SimpleNameGenerator: generateName + 5 random characters. */
export function generateName(prefix: string): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return prefix + s;
}

/** RFC 3339 in UTC with seconds precision, as metav1.Time marshals. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function metaForCreate<T extends KubeObject>(obj: T, now: Date): T {
  const meta: ObjectMeta = { ...obj.metadata };
  if (!KINDS[obj.kind].namespaced) delete meta.namespace;
  else if (!meta.namespace) meta.namespace = 'default';
  if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(now);
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  return { ...obj, metadata: meta };
}

/** uid and creationTimestamp come from the stored object when the client left them out. */
export function metaForUpdate<T extends KubeObject>(obj: T, old: KubeObject): T {
  const meta: ObjectMeta = { ...obj.metadata };
  if (!KINDS[obj.kind].namespaced) delete meta.namespace;
  meta.uid ||= old.metadata.uid;
  meta.creationTimestamp ||= old.metadata.creationTimestamp;
  if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
  if (!meta.generateName && old.metadata.generateName) meta.generateName = old.metadata.generateName;
  return { ...obj, metadata: meta };
}

/** Equal apart from resourceVersion: an update that would change nothing is not written. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return stableStringify(strip(a)) === stableStringify(strip(b));
}
