/** Event types in the order of the `EventType` enum; chunks of interactions carry the index into this list. */
export const EVENT_TYPES = ['impression', 'click', 'like', 'rating', 'purchase', 'custom'] as const;
export type EventTypeName = (typeof EVENT_TYPES)[number];

export function eventTypeIndex(type: EventTypeName): number {
  return EVENT_TYPES.indexOf(type);
}
