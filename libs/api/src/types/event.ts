import type { ObjectMeta, ObjectReference } from './meta.js';

/**
 * core/v1 Event: something that happened to an object (an address assigned to a Service, an
 * Endpoints write that failed), reported by the component that saw it. `kubectl describe`
 * lists the events of the object it shows; the apiserver forgets them after --event-ttl.
 */
export interface Event {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  /** UpperCamelCase, for machines: `IPAllocated`. */
  reason?: string;
  /** For humans. */
  message?: string;
  source?: EventSource;
  /** metav1.Time: when the event was first and last seen, and how often. */
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
  /** `Normal` or `Warning`. */
  type?: string;
  /** metav1.MicroTime, for events written the events.k8s.io/v1 way. */
  eventTime?: string;
  series?: EventSeries;
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

export interface EventSource {
  component?: string;
  host?: string;
}

export interface EventSeries {
  count?: number;
  lastObservedTime?: string;
}
