/**
 * An event from the stream is believed only once it checks out: NATS is one more door into the
 * informers, and what comes through it must be what the apiserver would have written. A
 * decoded event's object must be of the informer's kind, named by the message's subject, carry
 * the event's revision as its resourceVersion, and (unless it is a deletion) pass the apiserver's
 * own validation (libs/api validateObject: names, IPs, ports — nothing that could reach the
 * kernel unchecked).
 */
import { formatFieldError, validateObject, type Kind, type KubeObject } from '@minimesh/api';
import { eventSubject } from '@minimesh/wire';

export function streamEventProblem(kind: Kind, subject: string, revision: number, type: string, obj: KubeObject): string | undefined {
  if (obj.kind !== kind) return `object of kind ${JSON.stringify(obj.kind)} on a ${kind} subject`;
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace ?? '';
  if (!name) return 'object without a name';
  if (eventSubject(kind, namespace, name) !== subject) return `object ${namespace}/${name} on subject ${subject}`;
  if (obj.metadata.resourceVersion !== String(revision)) return `resourceVersion ${JSON.stringify(obj.metadata.resourceVersion)} in event ${revision}`;
  if (type === 'DELETED') return undefined;
  const errors = validateObject(obj);
  return errors.length ? `invalid object: ${errors.slice(0, 3).map(formatFieldError).join('; ')}` : undefined;
}
