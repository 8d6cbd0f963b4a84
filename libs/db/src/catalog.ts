// Bulk upserts of items and users. Fields left out of an input keep their stored value; rows whose
// values do not change are not written at all, so re-importing the same file changes nothing.
import { z } from 'zod';
import type { SqlClient } from './sql-driver.js';
import { parseBatch } from './validation.js';

const externalId = z.string().trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const jsonObject = z.record(z.string(), z.unknown());

export const itemInputSchema = z.object({
  externalId,
  title: z.string().max(2000).optional(),
  categories: z.array(z.string().min(1).max(200)).max(100).optional(),
  tags: z.array(z.string().min(1).max(200)).max(500).optional(),
  attributes: jsonObject.optional(),
  active: z.boolean().optional(),
  /** When the item entered the catalogue (defaults to now for a new item). */
  createdAt: z.coerce.date().optional(),
});
export type ItemInput = z.input<typeof itemInputSchema>;

export const userInputSchema = z.object({
  externalId,
  attributes: jsonObject.optional(),
  createdAt: z.coerce.date().optional(),
});
export type UserInput = z.input<typeof userInputSchema>;

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Keeps the last occurrence of each external id, so one batch never touches a row twice. */
function lastPerExternalId<T extends { externalId: string }>(rows: T[]): T[] {
  const byId = new Map<string, T>();
  for (const row of rows) byId.set(row.externalId, row);
  return [...byId.values()];
}

export async function upsertItems(sql: SqlClient, items: readonly ItemInput[]): Promise<UpsertResult> {
  const rows = lastPerExternalId(parseBatch(itemInputSchema, items, 'item'));
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const payload = JSON.stringify(
    rows.map((r) => ({
      external_id: r.externalId,
      title: r.title ?? null,
      categories: r.categories ?? null,
      tags: r.tags ?? null,
      attributes: r.attributes ?? null,
      active: r.active ?? null,
      created_at: r.createdAt?.toISOString() ?? null,
    })),
  );
  const source = `SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(external_id text, title text, categories text[], tags text[], attributes jsonb, active boolean, created_at timestamptz)`;
  const inserted = await sql.execute(
    `INSERT INTO items (external_id, title, categories, tags, attributes, active, created_at, updated_at)
     SELECT s.external_id, COALESCE(s.title, ''), COALESCE(s.categories, '{}'), COALESCE(s.tags, '{}'), COALESCE(s.attributes, '{}'),
            COALESCE(s.active, true), COALESCE(s.created_at AT TIME ZONE 'UTC', now()), now()
     FROM (${source}) s
     ON CONFLICT (external_id) DO NOTHING`,
    [payload],
  );
  const updated = await sql.execute(
    `UPDATE items i SET
       title = COALESCE(s.title, i.title), categories = COALESCE(s.categories, i.categories), tags = COALESCE(s.tags, i.tags),
       attributes = COALESCE(s.attributes, i.attributes), active = COALESCE(s.active, i.active), updated_at = now()
     FROM (${source}) s
     WHERE i.external_id = s.external_id
       AND (i.title, i.categories, i.tags, i.attributes, i.active) IS DISTINCT FROM
           (COALESCE(s.title, i.title), COALESCE(s.categories, i.categories), COALESCE(s.tags, i.tags), COALESCE(s.attributes, i.attributes), COALESCE(s.active, i.active))`,
    [payload],
  );
  return { inserted, updated, unchanged: rows.length - inserted - updated };
}

export async function upsertUsers(sql: SqlClient, users: readonly UserInput[]): Promise<UpsertResult> {
  const rows = lastPerExternalId(parseBatch(userInputSchema, users, 'user'));
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const payload = JSON.stringify(
    rows.map((r) => ({ external_id: r.externalId, attributes: r.attributes ?? null, created_at: r.createdAt?.toISOString() ?? null })),
  );
  const source = `SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(external_id text, attributes jsonb, created_at timestamptz)`;
  const inserted = await sql.execute(
    `INSERT INTO users (external_id, attributes, created_at, updated_at)
     SELECT s.external_id, COALESCE(s.attributes, '{}'), COALESCE(s.created_at AT TIME ZONE 'UTC', now()), now()
     FROM (${source}) s
     ON CONFLICT (external_id) DO NOTHING`,
    [payload],
  );
  const updated = await sql.execute(
    `UPDATE users u SET attributes = s.attributes, updated_at = now()
     FROM (${source}) s
     WHERE u.external_id = s.external_id AND s.attributes IS NOT NULL AND u.attributes IS DISTINCT FROM s.attributes`,
    [payload],
  );
  return { inserted, updated, unchanged: rows.length - inserted - updated };
}
