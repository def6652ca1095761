/** Watch event types: their names (Kubernetes') and their minimesh.v1.EventType values. */
import { pb } from '@minimesh/proto';

export type EventTypeName = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export const WIRE_EVENT_TYPES: { readonly [T in EventTypeName]: pb.EventType } = {
  ADDED: pb.EventType.ADDED,
  MODIFIED: pb.EventType.MODIFIED,
  DELETED: pb.EventType.DELETED,
  BOOKMARK: pb.EventType.BOOKMARK,
};

const NAMES = new Map<pb.EventType, EventTypeName>(Object.entries(WIRE_EVENT_TYPES).map(([name, wire]) => [wire, name as EventTypeName]));

/** The name of a wire event type; undefined for EVENT_TYPE_UNSPECIFIED or a value this version does not know. */
export function eventTypeName(wire: pb.EventType): EventTypeName | undefined {
  return NAMES.get(wire);
}
