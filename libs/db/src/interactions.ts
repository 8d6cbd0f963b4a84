// Streams interactions for training in fixed-size chunks of typed arrays (keyset pagination by event
// id), so a training job never holds the events table, or a row object per event, in memory.
import { EVENT_TYPES, type EventTypeName } from './event-types.js';
import type { SqlClient } from './sql-driver.js';

export interface InteractionChunk {
  length: number;
  eventIds: Float64Array;
  userIds: Int32Array;
  itemIds: Int32Array;
  /** Index into EVENT_TYPES. */
  types: Uint8Array;
  values: Float32Array;
  /** Epoch milliseconds. */
  occurredAt: Float64Array;
}

export interface StreamInteractionsOptions {
  types?: readonly EventTypeName[];
  since?: Date;
  until?: Date;
  /** Only events with an id up to this one: a consistent snapshot while new events keep arriving. */
  maxEventId?: number;
  chunkSize?: number;
}

export async function* streamInteractions(sql: SqlClient, options: StreamInteractionsOptions = {}): AsyncGenerator<InteractionChunk> {
  const chunkSize = options.chunkSize ?? 50_000;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error('chunkSize must be a positive integer');
  for (const t of options.types ?? []) {
    if (!EVENT_TYPES.includes(t)) throw new Error(`types: unknown event type "${t}"`);
  }
  const where: string[] = ['id > $1'];
  const params: unknown[] = [0];
  if (options.types?.length) {
    params.push([...options.types]);
    // compared as the enum: casting every row's type to text is what PGlite spends most of its time on
    where.push(`type = ANY($${params.length}::text[]::"EventType"[])`);
  }
  if (options.since) {
    params.push(options.since.getTime());
    where.push(`occurred_at >= to_timestamp($${params.length}::float8 / 1000.0) AT TIME ZONE 'UTC'`);
  }
  if (options.until) {
    params.push(options.until.getTime());
    where.push(`occurred_at < to_timestamp($${params.length}::float8 / 1000.0) AT TIME ZONE 'UTC'`);
  }
  if (options.maxEventId !== undefined) {
    params.push(options.maxEventId);
    where.push(`id <= $${params.length}`);
  }
  params.push(chunkSize);
  // ORDER BY events.id (the key, walked by its index), not the float8 output column (which sorts every remaining row)
  const typeIndex = `CASE type ${EVENT_TYPES.map((t, i) => `WHEN '${t}' THEN ${i}`).join(' ')} END`;
  const query = `SELECT id::float8, user_id, item_id, ${typeIndex}, value, extract(epoch FROM occurred_at) * 1000
    FROM events WHERE ${where.join(' AND ')} ORDER BY events.id LIMIT $${params.length}`;
  for (;;) {
    const rows = await sql.queryArrays(query, params);
    if (rows.length === 0) return;
    const n = rows.length;
    const chunk: InteractionChunk = {
      length: n,
      eventIds: new Float64Array(n),
      userIds: new Int32Array(n),
      itemIds: new Int32Array(n),
      types: new Uint8Array(n),
      values: new Float32Array(n),
      occurredAt: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      chunk.eventIds[i] = Number(r[0]);
      chunk.userIds[i] = Number(r[1]);
      chunk.itemIds[i] = Number(r[2]);
      chunk.types[i] = Number(r[3]);
      chunk.values[i] = Number(r[4]);
      chunk.occurredAt[i] = Number(r[5]);
    }
    yield chunk;
    if (n < chunkSize) return;
    params[0] = chunk.eventIds[n - 1];
  }
}
