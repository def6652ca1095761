/** How large an object the store takes. */
import { RequestEntityTooLargeError, type KubeObject } from '@minimesh/api';

/**
 * The largest object the store takes: etcd's default request limit (1.5 MiB), which is what a
 * Kubernetes cluster enforces; it also keeps one object from outgrowing a NATS message.
 */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export function checkObjectSize(obj: KubeObject): void {
  if (Buffer.byteLength(JSON.stringify(obj)) > MAX_OBJECT_BYTES) throw new RequestEntityTooLargeError('etcdserver: request is too large');
}

