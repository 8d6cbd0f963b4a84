// Bulk event ingestion: one set-based INSERT per batch (arrays unnested in SQL), duplicates skipped
// by idempotency key, so replaying a batch or re-importing a file inserts nothing twice.
import { z } from 'zod';
import { EVENT_TYPES } from './event-types.js';
import { resolveIds } from './id-resolver.js';
import type { SqlClient } from './sql-driver.js';
import { parseBatch } from './validation.js';

const timestamp = z.union([z.date(), z.number().finite(), z.string().min(1)]).transform((v, ctx) => {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be a date (ISO 8601 string, epoch milliseconds or Date)' });
    return z.NEVER;
  }
  return ms;
});

export const eventInputSchema = z
  .object({
    type: z.enum(EVENT_TYPES),
    /** The application's own name for a `custom` event. */
    customType: z.string().min(1).max(100).optional(),
    value: z.number().finite().optional(),
    userId: z.string().trim().min(1, 'must not be empty').max(512),
    itemId: z.string().trim().min(1, 'must not be empty').max(512),
    requestId: z.string().min(1).max(200).optional(),
    placement: z.string().min(1).max(200).optional(),
    occurredAt: timestamp,
    idempotencyKey: z.string().min(1).max(512).optional(),
  })
  .refine((e) => e.type !== 'custom' || e.customType !== undefined, { message: 'is required when type is "custom"', path: ['customType'] });
export type EventInput = z.input<typeof eventInputSchema>;
/** An event as `eventInputSchema` parses it (ids trimmed, occurredAt in epoch milliseconds). */
export type ValidatedEventInput = z.output<typeof eventInputSchema>;

export interface InsertEventsOptions {
  /** Create users that are not in the database yet (default true: events often precede profile updates). */
  createMissingUsers?: boolean;
  /** Create items that are not in the catalogue yet (default false: an event for an unknown item is refused). */
  createMissingItems?: boolean;
  /** Skip validation when the caller has already validated (the importers do, to name file lines). */
  prevalidated?: boolean;
}

export interface InsertEventsResult {
  inserted: number;
  duplicates: number;
}

/** The key an event gets when the caller gives none: the same event always yields the same key. */
export function defaultIdempotencyKey(e: { type: string; userId: string; itemId: string; occurredAt: number; requestId?: string; customType?: string }): string {
  return `auto:${e.type}:${e.customType ?? ''}:${e.userId}:${e.itemId}:${e.occurredAt}:${e.requestId ?? ''}`;
}

export async function insertEvents(
  sql: SqlClient,
  events: readonly EventInput[] | readonly ValidatedEventInput[],
  options: InsertEventsOptions = {},
): Promise<InsertEventsResult> {
  const rows = options.prevalidated ? (events as readonly ValidatedEventInput[]) : parseBatch(eventInputSchema, events, 'event');
  const n = rows.length;
  if (n === 0) return { inserted: 0, duplicates: 0 };
  const types = new Array<string>(n);
  const customTypes = new Array<string | null>(n);
  const values = new Array<number>(n);
  const users = new Array<string>(n);
  const items = new Array<string>(n);
  const requestIds = new Array<string | null>(n);
  const placements = new Array<string | null>(n);
  const times = new Array<number>(n);
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = rows[i];
    types[i] = e.type;
    customTypes[i] = e.customType ?? null;
    values[i] = e.value ?? 1;
    users[i] = e.userId;
    items[i] = e.itemId;
    requestIds[i] = e.requestId ?? null;
    placements[i] = e.placement ?? null;
    times[i] = e.occurredAt;
    keys[i] = e.idempotencyKey ?? defaultIdempotencyKey(e);
  }
  const missing = (field: 'userId' | 'itemId', list: string[]) => (externalId: string): never => {
    throw new Error(`invalid event at index ${list.indexOf(externalId)}: field "${field}": unknown ${field === 'userId' ? 'user' : 'item'} "${externalId}"`);
  };
  const userIds = await resolveIds(sql, 'users', users, options.createMissingUsers ?? true, missing('userId', users));
  const itemIds = await resolveIds(sql, 'items', items, options.createMissingItems ?? false, missing('itemId', items));
  const inserted = await sql.execute(
    `INSERT INTO events (type, custom_type, value, user_id, item_id, request_id, placement, occurred_at, idempotency_key)
     SELECT e.type::"EventType", e.custom_type, e.value, e.user_id, e.item_id, e.request_id, e.placement, to_timestamp(e.ts / 1000.0) AT TIME ZONE 'UTC', e.key
     FROM unnest($1::text[], $2::text[], $3::float8[], $4::int4[], $5::int4[], $6::text[], $7::text[], $8::float8[], $9::text[])
       AS e(type, custom_type, value, user_id, item_id, request_id, placement, ts, key)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [types, customTypes, values, Array.from(userIds), Array.from(itemIds), requestIds, placements, times, keys],
  );
  return { inserted, duplicates: n - inserted };
}
