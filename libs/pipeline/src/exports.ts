// `cascade export`: what leaves the platform, in formats that come back in. Events as the generic events CSV
// (`cascade import events` reads it back: same idempotency keys, so a re-import stores nothing twice), batch
// recommendations as JSON lines from the served models, and a model version as a self-contained folder.
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { CascadeDatabase } from '@cascade/db';
import { getModelVersion, type ModelVersionRecord } from './model-registry.js';
import { loadServingRecommender } from './serving-recommender.js';

const EVENT_COLUMNS = ['user_id', 'item_id', 'type', 'timestamp', 'value', 'custom_type', 'request_id', 'placement', 'idempotency_key'] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: NodeJS.WritableStream & { close?: () => void }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** Writes every event (oldest first, keyset-paged) as the generic events CSV; returns the row count. */
export async function exportEventsCsv(db: CascadeDatabase, file: string, options: { since?: Date; onProgress?: (rows: number) => void } = {}): Promise<number> {
  if (typeof file !== 'string' || file === '') throw new Error('file: an output path is required');
  const out = createWriteStream(file, { encoding: 'utf8' });
  let rows = 0;
  try {
    await write(out, `${EVENT_COLUMNS.join(',')}\n`);
    let after = 0;
    for (;;) {
      const page = await db.sql.queryArrays(
        `SELECT e.id, u.external_id, i.external_id, e.type::text, e.occurred_at, e.value, e.custom_type, e.request_id, e.placement, e.idempotency_key
           FROM events e JOIN users u ON u.id = e.user_id JOIN items i ON i.id = e.item_id
          WHERE e.id > $1 AND ($2::timestamptz IS NULL OR e.occurred_at >= $2)
          ORDER BY e.id LIMIT 20000`,
        [after, options.since ?? null],
      );
      if (page.length === 0) break;
      let text = '';
      for (const r of page) {
        const at = r[4] instanceof Date ? r[4] : new Date(String(r[4]));
        text += `${[r[1], r[2], r[3], at.toISOString(), String(r[5]), r[6] ?? '', r[7] ?? '', r[8] ?? '', r[9]].map((v) => csvField(String(v))).join(',')}\n`;
      }
      await write(out, text);
      rows += page.length;
      after = Number(page[page.length - 1][0]);
      options.onProgress?.(rows);
    }
  } finally {
    await close(out);
  }
  return rows;
}

export interface ExportRecommendationsOptions {
  placement?: string;
  k?: number;
  /** Only these users (external ids); default every user. */
  users?: string[];
  limit?: number;
  onProgress?: (users: number) => void;
}

/**
 * Top-k recommendations of the served models (active registry versions, exploration included, nothing logged)
 * for each user, as JSON lines `{ userId, placement, items: [{ itemId, score, pctr, channels }] }`.
 */
export async function exportRecommendations(db: CascadeDatabase, file: string, options: ExportRecommendationsOptions = {}): Promise<number> {
  if (typeof file !== 'string' || file === '') throw new Error('file: an output path is required');
  const k = options.k ?? 20;
  if (!Number.isInteger(k) || k < 1 || k > 500) throw new Error(`k: must be an integer in [1, 500], got ${k}`);
  const placement = options.placement ?? 'export';
  // Offline: no request deadline, so no stage falls back for lack of time.
  const recommender = await loadServingRecommender(db, { budgets: { recallMs: 60_000, rankMs: 60_000, exploreMs: 60_000 } });
  const out = createWriteStream(file, { encoding: 'utf8' });
  let count = 0;
  try {
    const emit = async (userId: string) => {
      const r = await recommender.recommend({ userId, placement, k, log: false });
      const items = r.items.map((i) => ({ itemId: i.itemId, score: i.score, pctr: i.pctr, channels: i.channels }));
      await write(out, `${JSON.stringify({ userId, placement, modelVersions: r.modelVersions, items })}\n`);
      count++;
      if (count % 500 === 0) options.onProgress?.(count);
    };
    if (options.users) {
      for (const u of options.users) await emit(u);
    } else {
      let after = 0;
      const limit = options.limit ?? Number.POSITIVE_INFINITY;
      while (count < limit) {
        const page = await db.sql.query<{ id: number; external_id: string }>('SELECT id, external_id FROM users WHERE id > $1 ORDER BY id LIMIT 1000', [after]);
        if (page.length === 0) break;
        for (const u of page) {
          if (count >= limit) break;
          await emit(u.external_id);
        }
        after = Number(page[page.length - 1].id);
      }
    }
  } finally {
    await close(out);
    recommender.dispose();
  }
  options.onProgress?.(count);
  return count;
}

/** Copies a version's artefact folder to `<outDir>/` with `registry.json` (its registry record). */
export async function exportModelVersion(db: CascadeDatabase, id: number, outDir: string): Promise<{ version: ModelVersionRecord; files: string[] }> {
  const version = await getModelVersion(db.sql, id);
  if (!version) throw new Error(`id: no model version ${id}`);
  if (!version.artifactPath || !existsSync(version.artifactPath)) throw new Error(`id: the artefact of version ${id} is missing (${version.artifactPath ?? 'no path'})`);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new Error(`out: ${outDir} exists and is not empty`);
  mkdirSync(outDir, { recursive: true });
  cpSync(version.artifactPath, outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'registry.json'), JSON.stringify(version, null, 2));
  return { version, files: readdirSync(outDir) };
}
