// Training examples from the events table: every labelled event becomes (user, item, context at the event's
// time) records, which go through the same assembleFeatures path as serving. Recent-activity counts are the
// user's counted events in [t − days, t) before each event's time t, as loadFeatureRecords counts them for a
// request (kept per user as sorted times while streaming).
import type { CascadeDatabase, EventTypeName } from '@cascade/db';
import { EVENT_TYPES, streamInteractions } from '@cascade/db';
import type { FeatureRecords, ItemFeatures, UserFeatures } from './assemble.js';
import { selectItemRows, selectUserRows, type ActivityWindow } from './database-features.js';
import { asAttributes, lowerBound } from './row-values.js';

/** Label of an event (1 = clicked, 0 = not), or null to skip it. */
export type EventLabeler = (type: EventTypeName, value: number) => 0 | 1 | null;

/** click / like / purchase → 1, impression → 0, rating → value ≥ 4, custom events skipped. */
export const defaultEventLabeler: EventLabeler = (type, value) => {
  if (type === 'click' || type === 'like' || type === 'purchase') return 1;
  if (type === 'impression') return 0;
  if (type === 'rating') return value >= 4 ? 1 : 0;
  return null;
};

export interface DatabaseTrainingOptions {
  since?: Date;
  until?: Date;
  label?: EventLabeler;
  activity?: readonly ActivityWindow[];
  chunkSize?: number;
}

export interface DatabaseTrainingRecords {
  examples: FeatureRecords[];
  labels: Float32Array;
}

/**
 * Streams events in event-id order and returns one record set and label per labelled event. Users and items
 * are read in bulk per chunk and cached.
 */
export async function loadTrainingRecords(db: CascadeDatabase, options: DatabaseTrainingOptions = {}): Promise<DatabaseTrainingRecords> {
  const label = options.label ?? defaultEventLabeler;
  const windows = options.activity ?? [];
  for (const w of windows) {
    if (!w.name) throw new Error('activity window name is required');
    if (!(w.days > 0)) throw new Error(`activity window "${w.name}": days must be > 0, got ${w.days}`);
    for (const t of w.types) if (!EVENT_TYPES.includes(t)) throw new Error(`activity window "${w.name}": unknown event type "${t}"`);
  }
  const users = new Map<number, UserFeatures>();
  const items = new Map<number, ItemFeatures>();
  // Per window and user: times of the counted events seen so far (chronological).
  const history = windows.map(() => new Map<number, number[]>());
  const examples: FeatureRecords[] = [];
  const labels: number[] = [];
  for await (const chunk of streamInteractions(db.sql, { since: options.since, until: options.until, chunkSize: options.chunkSize })) {
    const missingUsers = [...new Set(chunk.userIds)].filter((id) => !users.has(id));
    const missingItems = [...new Set(chunk.itemIds)].filter((id) => !items.has(id));
    if (missingUsers.length > 0) {
      for (const u of await selectUserRows(db, missingUsers)) {
        users.set(u.id, { id: u.externalId, attributes: asAttributes(u.attributes) });
      }
    }
    if (missingItems.length > 0) {
      for (const it of await selectItemRows(db, missingItems)) {
        items.set(it.id, { id: it.externalId, categories: it.categories, tags: it.tags, attributes: asAttributes(it.attributes) });
      }
    }
    for (let i = 0; i < chunk.length; i++) {
      const type = EVENT_TYPES[chunk.types[i]];
      const at = chunk.occurredAt[i];
      const userId = chunk.userIds[i];
      const y = label(type, chunk.values[i]);
      if (y !== null) {
        const user = users.get(userId);
        const item = items.get(chunk.itemIds[i]);
        if (!user || !item) throw new Error(`event ${chunk.eventIds[i]} refers to a missing user or item`);
        const activity: Record<string, number> = {};
        windows.forEach((w, k) => {
          const times = history[k].get(userId);
          activity[w.name] = times ? lowerBound(times, at) - lowerBound(times, at - w.days * 86_400_000) : 0;
        });
        examples.push({ user, item, context: { timestamp: at, activity } });
        labels.push(y);
      }
      windows.forEach((w, k) => {
        if (!w.types.includes(type)) return;
        let times = history[k].get(userId);
        if (!times) history[k].set(userId, (times = []));
        times.splice(lowerBound(times, at + 0.5), 0, at);
        // Forget what no later event can count (events arriving far out of order lose those counts).
        if (times.length > 256) times.splice(0, lowerBound(times, times[times.length - 1] - w.days * 86_400_000));
      });
    }
  }
  return { examples, labels: Float32Array.from(labels) };
}
