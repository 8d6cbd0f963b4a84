// The console's catalogue reads, in SQL: pages of items and users (LIMIT/OFFSET over indexed orders, with a
// count), event counts for the page's rows only (index on events(item_id|user_id, occurred_at)), one item or
// user in detail, and the distinct categories.
import type { SqlClient } from '@cascade/db';
import { containsPattern, toDate } from './admin-input.js';

export const ITEM_SORTS = ['newest', 'oldest', 'itemId', 'title'] as const;
export type ItemSort = (typeof ITEM_SORTS)[number];

/** Each sort's ORDER BY columns (newest/oldest use items_created_at_idx, itemId the unique external_id index). */
const ITEM_ORDER: Record<ItemSort, [column: string, direction: 'ASC' | 'DESC'][]> = {
  newest: [['created_at', 'DESC'], ['id', 'DESC']],
  oldest: [['created_at', 'ASC'], ['id', 'ASC']],
  itemId: [['external_id', 'ASC']],
  title: [['title', 'ASC'], ['id', 'ASC']],
};

function orderBy(sort: ItemSort, alias = ''): string {
  return ITEM_ORDER[sort].map(([column, direction]) => `${alias}${column} ${direction}`).join(', ');
}

export interface CatalogueItemRow {
  itemId: string;
  title: string;
  categories: string[];
  tags: string[];
  active: boolean;
  createdAt: Date;
  impressions: number;
  clicks: number;
}

export interface ItemPageQuery {
  search?: string;
  category?: string;
  active?: boolean;
  sort?: ItemSort;
  limit: number;
  offset: number;
}

export async function listCatalogueItems(sql: SqlClient, q: ItemPageQuery): Promise<{ rows: CatalogueItemRow[]; total: number }> {
  const where = `($1::text IS NULL OR external_id ILIKE $1 OR title ILIKE $1)
     AND ($2::text IS NULL OR $2 = ANY(categories))
     AND ($3::boolean IS NULL OR active = $3)`;
  const filters = [containsPattern(q.search), q.category ?? null, q.active ?? null];
  const sort = q.sort ?? 'newest';
  const [rows, count] = await Promise.all([
    sql.query<{
      external_id: string;
      title: string;
      categories: string[];
      tags: string[];
      active: boolean;
      created_at: Date | string;
      impressions: string | number;
      clicks: string | number;
    }>(
      `WITH page AS (
         SELECT id, external_id, title, categories, tags, active, created_at FROM items WHERE ${where} ORDER BY ${orderBy(sort)} LIMIT $4 OFFSET $5)
       SELECT p.external_id, p.title, p.categories, p.tags, p.active, p.created_at, s.impressions, s.clicks
         FROM page p
         CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE e.type = 'impression') AS impressions, count(*) FILTER (WHERE e.type = 'click') AS clicks
                               FROM events e WHERE e.item_id = p.id) s
        ORDER BY ${orderBy(sort, 'p.')}`,
      [...filters, q.limit, q.offset],
    ),
    sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE ${where}`, filters),
  ]);
  return {
    rows: rows.map((r) => ({
      itemId: r.external_id,
      title: r.title,
      categories: r.categories ?? [],
      tags: r.tags ?? [],
      active: r.active,
      createdAt: new Date(r.created_at),
      impressions: Number(r.impressions),
      clicks: Number(r.clicks),
    })),
    total: Number(count[0].n),
  };
}

export interface CatalogueItemDetail {
  item: { itemId: string; title: string; categories: string[]; tags: string[]; attributes: Record<string, unknown>; active: boolean; createdAt: Date };
  popularity: { impressions: number; clicks: number; ctr: number; interactions: number };
}

/** One item and its event counts (interactions: every event but impressions), or null. */
export async function getCatalogueItem(sql: SqlClient, itemId: string): Promise<CatalogueItemDetail | null> {
  const rows = await sql.query<{
    id: number;
    external_id: string;
    title: string;
    categories: string[];
    tags: string[];
    attributes: unknown;
    active: boolean;
    created_at: Date | string;
  }>('SELECT id, external_id, title, categories, tags, attributes, active, created_at FROM items WHERE external_id = $1', [itemId]);
  const r = rows[0];
  if (!r) return null;
  const [c] = await sql.query<{ impressions: string | number; clicks: string | number; interactions: string | number }>(
    `SELECT count(*) FILTER (WHERE type = 'impression') AS impressions, count(*) FILTER (WHERE type = 'click') AS clicks,
            count(*) FILTER (WHERE type <> 'impression') AS interactions
       FROM events WHERE item_id = $1`,
    [r.id],
  );
  const impressions = Number(c.impressions);
  const clicks = Number(c.clicks);
  const attributes = typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes;
  return {
    item: {
      itemId: r.external_id,
      title: r.title,
      categories: r.categories ?? [],
      tags: r.tags ?? [],
      attributes: (attributes ?? {}) as Record<string, unknown>,
      active: r.active,
      createdAt: new Date(r.created_at),
    },
    popularity: { impressions, clicks, ctr: impressions > 0 ? clicks / impressions : 0, interactions: Number(c.interactions) },
  };
}

/** Titles of items by external id (missing ids are left out). */
export async function itemTitles(sql: SqlClient, itemIds: readonly string[]): Promise<Map<string, string>> {
  if (itemIds.length === 0) return new Map();
  const rows = await sql.query<{ external_id: string; title: string }>('SELECT external_id, title FROM items WHERE external_id = ANY($1::text[])', [[...new Set(itemIds)]]);
  return new Map(rows.map((r) => [r.external_id, r.title]));
}

export interface CatalogueUserRow {
  userId: string;
  attributes: Record<string, unknown>;
  createdAt: Date;
  events: number;
}

interface UserRow {
  id: number;
  external_id: string;
  attributes: unknown;
  created_at: Date | string;
}

function attributesOf(v: unknown): Record<string, unknown> {
  const parsed = typeof v === 'string' ? JSON.parse(v) : v;
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

export async function listCatalogueUsers(sql: SqlClient, q: { search?: string; limit: number; offset: number }): Promise<{ rows: CatalogueUserRow[]; total: number }> {
  const pattern = containsPattern(q.search);
  const [rows, count] = await Promise.all([
    sql.query<UserRow & { events: string | number }>(
      `WITH page AS (SELECT id, external_id, attributes, created_at FROM users WHERE ($1::text IS NULL OR external_id ILIKE $1) ORDER BY id DESC LIMIT $2 OFFSET $3)
       SELECT p.*, (SELECT count(*) FROM events e WHERE e.user_id = p.id) AS events FROM page p ORDER BY p.id DESC`,
      [pattern, q.limit, q.offset],
    ),
    sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE ($1::text IS NULL OR external_id ILIKE $1)', [pattern]),
  ]);
  return {
    rows: rows.map((r) => ({ userId: r.external_id, attributes: attributesOf(r.attributes), createdAt: new Date(r.created_at), events: Number(r.events) })),
    total: Number(count[0].n),
  };
}

export interface UserHistoryEvent {
  type: string;
  itemId: string;
  title: string;
  value: number;
  placement: string | null;
  requestId: string | null;
  occurredAt: Date;
}

/** A user and its latest `limit` events with the items' titles, or null. */
export async function getCatalogueUser(
  sql: SqlClient,
  userId: string,
  limit = 50,
): Promise<{ user: { userId: string; attributes: Record<string, unknown>; createdAt: Date }; history: UserHistoryEvent[] } | null> {
  const rows = await sql.query<UserRow>('SELECT id, external_id, attributes, created_at FROM users WHERE external_id = $1', [userId]);
  const u = rows[0];
  if (!u) return null;
  const events = await sql.query<{
    type: string;
    custom_type: string | null;
    external_id: string;
    title: string;
    value: number;
    placement: string | null;
    request_id: string | null;
    occurred_at: Date | string;
  }>(
    `SELECT e.type::text AS type, e.custom_type, i.external_id, i.title, e.value, e.placement, e.request_id, e.occurred_at
       FROM events e JOIN items i ON i.id = e.item_id
      WHERE e.user_id = $1 ORDER BY e.occurred_at DESC, e.id DESC LIMIT $2`,
    [u.id, limit],
  );
  return {
    user: { userId: u.external_id, attributes: attributesOf(u.attributes), createdAt: new Date(u.created_at) },
    history: events.map((e) => ({
      type: e.type === 'custom' && e.custom_type ? `custom:${e.custom_type}` : e.type,
      itemId: e.external_id,
      title: e.title,
      value: Number(e.value),
      placement: e.placement,
      requestId: e.request_id,
      occurredAt: toDate(e.occurred_at)!,
    })),
  };
}

/** The distinct item categories, alphabetically (at most 1000). */
export async function listCategories(sql: SqlClient): Promise<string[]> {
  const rows = await sql.query<{ c: string }>('SELECT DISTINCT c FROM items, unnest(categories) AS c ORDER BY c LIMIT 1000');
  return rows.map((r) => r.c);
}
