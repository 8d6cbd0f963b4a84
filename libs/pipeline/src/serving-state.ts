// What the request path keeps in memory, read once at load time with a few set-based SQL queries: the
// catalogue (external ids, feature records, active flags, creation times), the users (external → internal id,
// attributes), each user's most recent interactions (item-to-item seeds and the seen-item filter) and the
// time-decayed item popularity, aggregated in SQL rather than replayed event by event.
import type { CascadeDatabase } from '@cascade/db';
import { asAttributes, type ItemFeatures, type UserFeatures } from '@cascade/features';
import { DEFAULT_EVENT_WEIGHTS, type EventWeightTable } from '@cascade/recall';

export interface CatalogueItem {
  id: number;
  externalId: string;
  active: boolean;
  createdAt: number;
  categories: readonly string[];
  features: ItemFeatures;
}

export interface ServingUser {
  id: number;
  features: UserFeatures;
}

export interface ServingState {
  items: Map<number, CatalogueItem>;
  itemByExternalId: Map<string, number>;
  users: Map<string, ServingUser>;
  /** Per internal user id: distinct interacted items, most recent first (at most `historyPerUser`). */
  history: Map<number, Int32Array>;
  /** Per internal item id: Σ weight · 2^((t − reference) / halfLife) over the interaction events. */
  popularity: { reference: number; scores: Map<number, number> };
}

export async function loadCatalogue(db: CascadeDatabase): Promise<Pick<ServingState, 'items' | 'itemByExternalId'>> {
  const rows = await db.sql.query<{
    id: number;
    external_id: string;
    active: boolean;
    created_ms: number | string;
    categories: string[];
    tags: string[];
    attributes: unknown;
  }>(
    `SELECT id, external_id, active, (extract(epoch from created_at) * 1000)::float8 AS created_ms, categories, tags, attributes
       FROM items`,
  );
  const items = new Map<number, CatalogueItem>();
  const itemByExternalId = new Map<string, number>();
  for (const r of rows) {
    const id = Number(r.id);
    const categories = r.categories ?? [];
    items.set(id, {
      id,
      externalId: r.external_id,
      active: r.active,
      createdAt: Number(r.created_ms),
      categories,
      features: { id: r.external_id, categories, tags: r.tags ?? [], attributes: asAttributes(r.attributes) },
    });
    itemByExternalId.set(r.external_id, id);
  }
  return { items, itemByExternalId };
}

export async function loadUsers(db: CascadeDatabase): Promise<Map<string, ServingUser>> {
  const rows = await db.sql.query<{ id: number; external_id: string; attributes: unknown }>('SELECT id, external_id, attributes FROM users');
  const users = new Map<string, ServingUser>();
  for (const r of rows) users.set(r.external_id, { id: Number(r.id), features: { id: r.external_id, attributes: asAttributes(r.attributes) } });
  return users;
}

/** One user looked up by external id (a user registered after load), or null. */
export async function loadUser(db: CascadeDatabase, externalId: string): Promise<ServingUser | null> {
  const rows = await db.sql.query<{ id: number; external_id: string; attributes: unknown }>(
    'SELECT id, external_id, attributes FROM users WHERE external_id = $1',
    [externalId],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), features: { id: r.external_id, attributes: asAttributes(r.attributes) } } : null;
}

/** Event types that count as an interaction (the user has seen / engaged with the item): positive weight. */
export function interactionTypes(weights: EventWeightTable): string[] {
  return Object.entries(weights)
    .filter(([, w]) => (w?.weight ?? 0) > 0 || (w?.valueScale ?? 0) > 0)
    .map(([t]) => t);
}

/**
 * The latest `perUser` distinct interacted items of every user, by one window query (the database ranks and
 * cuts per user; only the kept rows travel), ordered most recent first.
 */
export async function loadUserHistory(
  db: CascadeDatabase,
  perUser: number,
  weights: EventWeightTable = DEFAULT_EVENT_WEIGHTS,
  upToEventId: number = Number.MAX_SAFE_INTEGER,
): Promise<Map<number, Int32Array>> {
  const rows = await db.sql.query<{ user_id: number; items: number[] }>(
    `SELECT user_id, array_agg(item_id ORDER BY last_at DESC, item_id) AS items
       FROM (SELECT user_id, item_id, last_at, row_number() OVER (PARTITION BY user_id ORDER BY last_at DESC, item_id) AS rn
               FROM (SELECT user_id, item_id, max(occurred_at) AS last_at
                       FROM events WHERE type::text = ANY($1::text[]) AND id <= $3
                      GROUP BY user_id, item_id) latest) ranked
      WHERE rn <= $2
      GROUP BY user_id`,
    [interactionTypes(weights), perUser, upToEventId],
  );
  const history = new Map<number, Int32Array>();
  for (const r of rows) history.set(Number(r.user_id), Int32Array.from(r.items, Number));
  return history;
}

/** Decayed popularity per item, summed in SQL relative to the latest interaction. */
export async function loadPopularity(
  db: CascadeDatabase,
  halfLifeMs: number,
  weights: EventWeightTable = DEFAULT_EVENT_WEIGHTS,
  upToEventId: number = Number.MAX_SAFE_INTEGER,
): Promise<ServingState['popularity']> {
  const types = interactionTypes(weights);
  const weightOf = types.map((t) => weights[t as keyof EventWeightTable]?.weight ?? 0);
  const scaleOf = types.map((t) => weights[t as keyof EventWeightTable]?.valueScale ?? 0);
  const ref = await db.sql.query<{ t: number | string | null }>(
    `SELECT (extract(epoch from max(occurred_at)) * 1000)::float8 AS t FROM events WHERE type::text = ANY($1::text[]) AND id <= $2`,
    [types, upToEventId],
  );
  const reference = ref[0]?.t == null ? 0 : Number(ref[0].t);
  const rows = await db.sql.query<{ item_id: number; score: number | string }>(
    `SELECT e.item_id, sum((w.weight + w.scale * e.value) * power(2::float8, ((extract(epoch from e.occurred_at) * 1000) - $4) / $5))::float8 AS score
       FROM events e
       JOIN unnest($1::text[], $2::float8[], $3::float8[]) AS w(type, weight, scale) ON w.type = e.type::text
      WHERE e.id <= $6
      GROUP BY e.item_id`,
    [types, weightOf, scaleOf, reference, halfLifeMs, upToEventId],
  );
  const scores = new Map<number, number>();
  for (const r of rows) {
    const s = Number(r.score);
    if (s > 0) scores.set(Number(r.item_id), s);
  }
  return { reference, scores };
}
