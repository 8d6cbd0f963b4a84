// Generic CSV/TSV formats with a header row (see docs/import-formats.md): events, items and users.
// The delimiter is a tab for .tsv/.tab files and a comma otherwise.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EVENT_TYPES, type EventTypeName } from '../event-types.js';
import { defaultIdempotencyKey } from '../events.js';
import { parseDecimal, parseId, parseTimestamp, type RowContext } from './field-parsers.js';
import { ImportError } from './import-error.js';
import type { ImportFormat, ImportRun } from './import-run.js';
import { readCsvRecords } from './line-source.js';

export const GENERIC_EVENT_COLUMNS = ['user_id', 'item_id', 'type', 'timestamp', 'value', 'custom_type', 'request_id', 'placement', 'idempotency_key'] as const;

function delimiterFor(file: string): string {
  return /\.(tsv|tab)$/i.test(file) ? '\t' : ',';
}

function requireSourceFile(source: string, format: string): string[] {
  if (!existsSync(source)) throw new Error(`${format}: file not found: ${source}`);
  return [source];
}

/** Reads the header, then yields each record as a column → value map. */
async function* records(source: string, run: ImportRun, known: readonly string[] | null, required: readonly string[]) {
  const file = path.basename(source);
  let columns: string[] | null = null;
  for await (const { line, fields } of readCsvRecords(source, delimiterFor(source), (b) => run.progress(source, b))) {
    const ctx: RowContext = { file, line };
    if (!columns) {
      columns = fields.map((c) => c.trim().toLowerCase());
      for (const c of columns) {
        if (known && !known.includes(c)) throw new ImportError(file, line, c, `unknown column; the columns are ${known.join(', ')}`);
      }
      for (const r of required) {
        if (!columns.includes(r)) throw new ImportError(file, line, r, 'required column missing from the header');
      }
      continue;
    }
    if (fields.length !== columns.length) {
      throw new ImportError(file, line, `#${Math.min(fields.length, columns.length) + 1}`, `expected ${columns.length} fields as in the header, found ${fields.length}`);
    }
    const row = new Map<string, string>();
    columns.forEach((c, i) => row.set(c, fields[i]));
    yield { ctx, row };
  }
}

function optional(row: Map<string, string>, column: string): string | undefined {
  const v = row.get(column);
  return v === undefined || v === '' ? undefined : v;
}

export const genericEvents: ImportFormat = {
  name: 'events',
  summary: `generic event CSV/TSV with a header: ${GENERIC_EVENT_COLUMNS.join(', ')} (user_id, item_id, type, timestamp required)`,
  files: (source) => requireSourceFile(source, 'events'),
  async run(source, run) {
    for await (const { ctx, row } of records(source, run, GENERIC_EVENT_COLUMNS, ['user_id', 'item_id', 'type', 'timestamp'])) {
      const type = (row.get('type') ?? '').trim().toLowerCase();
      if (!EVENT_TYPES.includes(type as EventTypeName)) throw new ImportError(ctx.file, ctx.line, 'type', `expected one of ${EVENT_TYPES.join(', ')}, got "${row.get('type')}"`);
      const customType = optional(row, 'custom_type');
      if (type === 'custom' && !customType) throw new ImportError(ctx.file, ctx.line, 'custom_type', 'is required when type is "custom"');
      const valueText = optional(row, 'value');
      const event = {
        type: type as EventTypeName,
        customType,
        value: valueText === undefined ? 1 : parseDecimal(ctx, valueText, 'value'),
        userId: run.idPrefix + parseId(ctx, row.get('user_id') ?? '', 'user_id'),
        itemId: run.idPrefix + parseId(ctx, row.get('item_id') ?? '', 'item_id'),
        occurredAt: parseTimestamp(ctx, row.get('timestamp') ?? '', 'timestamp'),
        requestId: optional(row, 'request_id'),
        placement: optional(row, 'placement'),
      };
      await run.writer.addEvent({ ...event, idempotencyKey: optional(row, 'idempotency_key') ?? defaultIdempotencyKey(event) });
    }
  },
};

/** Numbers stay numbers in attributes; everything else is text. */
function attributeValue(v: string): string | number {
  return v !== '' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

function parseBoolean(ctx: RowContext, v: string, name: string): boolean {
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(t)) return true;
  if (['0', 'false', 'no'].includes(t)) return false;
  throw new ImportError(ctx.file, ctx.line, name, `expected true/false, got "${v}"`);
}

export const genericItems: ImportFormat = {
  name: 'items',
  summary: 'generic item CSV/TSV with a header: item_id (required), title, categories and tags ("|"-separated), active, created_at; other columns become attributes',
  files: (source) => requireSourceFile(source, 'items'),
  async run(source, run) {
    for await (const { ctx, row } of records(source, run, null, ['item_id'])) {
      const attributes: Record<string, string | number> = {};
      for (const [k, v] of row) {
        if (!['item_id', 'title', 'categories', 'tags', 'active', 'created_at'].includes(k) && v !== '') attributes[k] = attributeValue(v);
      }
      const created = optional(row, 'created_at');
      const active = optional(row, 'active');
      await run.writer.addItem({
        externalId: run.idPrefix + parseId(ctx, row.get('item_id') ?? '', 'item_id'),
        title: row.get('title') ?? '',
        categories: (optional(row, 'categories') ?? '').split('|').filter(Boolean),
        tags: (optional(row, 'tags') ?? '').split('|').filter(Boolean),
        attributes,
        ...(active !== undefined ? { active: parseBoolean(ctx, active, 'active') } : {}),
        ...(created !== undefined ? { createdAt: new Date(parseTimestamp(ctx, created, 'created_at')) } : {}),
      });
    }
  },
};

export const genericUsers: ImportFormat = {
  name: 'users',
  summary: 'generic user CSV/TSV with a header: user_id (required), created_at; other columns become attributes',
  files: (source) => requireSourceFile(source, 'users'),
  async run(source, run) {
    for await (const { ctx, row } of records(source, run, null, ['user_id'])) {
      const attributes: Record<string, string | number> = {};
      for (const [k, v] of row) {
        if (k !== 'user_id' && k !== 'created_at' && v !== '') attributes[k] = attributeValue(v);
      }
      const created = optional(row, 'created_at');
      await run.writer.addUser({
        externalId: run.idPrefix + parseId(ctx, row.get('user_id') ?? '', 'user_id'),
        attributes,
        ...(created !== undefined ? { createdAt: new Date(parseTimestamp(ctx, created, 'created_at')) } : {}),
      });
    }
  },
};
