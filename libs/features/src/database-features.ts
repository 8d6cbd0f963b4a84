// Feature records read from the database (User / Item rows and recent activity counts by SQL through db.sql, which
// every database mode has, including PGlite on its own thread where there is no Prisma client), so
// serving and training assemble features from the same stored data through assembleFeatures.
import type { CascadeDatabase, EventTypeName } from '@cascade/db';
import { EVENT_TYPES } from '@cascade/db';
import { assembleFeatures } from './assemble.js';
import type { ContextFeatures, ItemFeatures, UserFeatures } from './assemble.js';
import type { EncodedRows, FeatureEncoder, RawFeatureValue } from './feature-encoder.js';
import { asAttributes } from './row-values.js';

/** A recent-activity count: the user's events of `types` in the `days` before the request (`context.activity.<name>`). */
export interface ActivityWindow {
  name: string;
  types: readonly EventTypeName[];
  days: number;
}

export interface DatabaseFeatureRequest {
  /** Internal user id (User.id). */
  userId: number;
  /** Internal item ids (Item.id) of the candidates, in the order scores are wanted. */
  itemIds: readonly number[];
  /** Request time (default now): drives context.hour / dayOfWeek and the activity windows. */
  at?: Date;
  activity?: readonly ActivityWindow[];
  values?: Readonly<Record<string, RawFeatureValue>>;
}

export interface DatabaseFeatureRecords {
  user: UserFeatures;
  context: ContextFeatures;
  items: ItemFeatures[];
}

/** The User columns features read. */
export interface UserRow {
  id: number;
  externalId: string;
  attributes: unknown;
}

/** The Item columns features read. */
export interface ItemRow {
  id: number;
  externalId: string;
  categories: string[];
  tags: string[];
  attributes: unknown;
}

export function selectUserRows(db: CascadeDatabase, ids: readonly number[]): Promise<UserRow[]> {
  return db.sql.query<UserRow>('SELECT "id", "external_id" AS "externalId", "attributes" FROM "users" WHERE "id" = ANY($1::int[])', [[...ids]]);
}

export function selectItemRows(db: CascadeDatabase, ids: readonly number[]): Promise<ItemRow[]> {
  return db.sql.query<ItemRow>('SELECT "id", "external_id" AS "externalId", "categories", "tags", "attributes" FROM "items" WHERE "id" = ANY($1::int[])', [[...ids]]);
}

/** Reads the user, the candidate items and the activity counts; users and items are identified by their external ids. */
export async function loadFeatureRecords(db: CascadeDatabase, request: DatabaseFeatureRequest): Promise<DatabaseFeatureRecords> {
  if (!Number.isInteger(request.userId)) throw new Error(`userId must be an integer, got ${request.userId}`);
  if (!Array.isArray(request.itemIds) || request.itemIds.some((id) => !Number.isInteger(id))) throw new Error('itemIds must be an array of integers');
  const at = request.at ?? new Date();
  if (Number.isNaN(at.getTime())) throw new Error('at must be a valid date');
  for (const w of request.activity ?? []) {
    if (!w.name) throw new Error('activity window name is required');
    if (!(w.days > 0)) throw new Error(`activity window "${w.name}": days must be > 0, got ${w.days}`);
    for (const t of w.types) if (!EVENT_TYPES.includes(t)) throw new Error(`activity window "${w.name}": unknown event type "${t}"`);
  }
  const [user] = await db.sql.query<UserRow>('SELECT "id", "external_id" AS "externalId", "attributes" FROM "users" WHERE "id" = $1', [request.userId]);
  if (!user) throw new Error(`userId ${request.userId} not found`);
  const rows = request.itemIds.length > 0 ? await selectItemRows(db, request.itemIds) : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items = request.itemIds.map((id) => {
    const row = byId.get(id);
    if (!row) throw new Error(`itemId ${id} not found`);
    return { id: row.externalId, categories: row.categories, tags: row.tags, attributes: asAttributes(row.attributes) };
  });
  const activity: Record<string, number> = {};
  for (const w of request.activity ?? []) {
    const since = new Date(at.getTime() - w.days * 86_400_000);
    const result = await db.sql.query<{ n: number | string }>(
      'SELECT count(*)::int AS n FROM "events" WHERE "user_id" = $1 AND "type"::text = ANY($2::text[]) AND "occurred_at" >= $3 AND "occurred_at" < $4',
      [request.userId, [...w.types], since, at],
    );
    activity[w.name] = Number(result[0]?.n ?? 0);
  }
  return {
    user: { id: user.externalId, attributes: asAttributes(user.attributes) },
    context: { timestamp: at, activity, values: request.values },
    items,
  };
}

/** loadFeatureRecords + assembleFeatures: encoded candidate rows for one request, straight from the database. */
export async function assembleFeaturesFromDatabase(db: CascadeDatabase, encoder: FeatureEncoder, request: DatabaseFeatureRequest): Promise<EncodedRows> {
  const records = await loadFeatureRecords(db, request);
  return assembleFeatures(encoder, { user: records.user, context: records.context }, records.items);
}
