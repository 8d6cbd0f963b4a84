// Field parsers for importers: each failure becomes an ImportError naming file, line and field.
import { ImportError } from './import-error.js';

export interface RowContext {
  file: string;
  line: number;
}

export function requireField(ctx: RowContext, fields: string[], index: number, name: string): string {
  const value = fields[index];
  if (value === undefined) throw new ImportError(ctx.file, ctx.line, name, `missing (the row has ${fields.length} fields)`);
  return value;
}

export function parseId(ctx: RowContext, value: string, name: string): string {
  const v = value.trim();
  if (v.length === 0) throw new ImportError(ctx.file, ctx.line, name, 'must not be empty');
  if (v.length > 512) throw new ImportError(ctx.file, ctx.line, name, 'longer than 512 characters');
  return v;
}

function parseNumberField(ctx: RowContext, value: string, name: string, integer: boolean, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min || n > max) {
    const range = Number.isFinite(min) || Number.isFinite(max) ? ` in ${min}..${max}` : '';
    throw new ImportError(ctx.file, ctx.line, name, `expected ${integer ? 'an integer' : 'a number'}${range}, got "${value}"`);
  }
  return n;
}

export function parseInteger(ctx: RowContext, value: string, name: string, min = -Infinity, max = Infinity): number {
  return parseNumberField(ctx, value, name, true, min, max);
}

export function parseDecimal(ctx: RowContext, value: string, name: string, min = -Infinity, max = Infinity): number {
  return parseNumberField(ctx, value, name, false, min, max);
}

/** Unix seconds (as MovieLens writes them) to epoch milliseconds. */
export function parseUnixSeconds(ctx: RowContext, value: string, name: string): number {
  return parseInteger(ctx, value, name, 0, 32503680000) * 1000;
}

/** ISO 8601, or a number: epoch seconds below 1e11, else epoch milliseconds. */
export function parseTimestamp(ctx: RowContext, value: string, name: string): number {
  const v = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    return Math.round(Math.abs(n) < 1e11 ? n * 1000 : n);
  }
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new ImportError(ctx.file, ctx.line, name, `expected an ISO 8601 date or epoch seconds/milliseconds, got "${value}"`);
  return ms;
}

export function expectFieldCount(ctx: RowContext, fields: string[], count: number, what: string): void {
  if (fields.length !== count) {
    const field = fields.length < count ? `#${fields.length + 1}` : `#${count + 1}`;
    throw new ImportError(ctx.file, ctx.line, field, `expected ${count} ${what} fields, found ${fields.length}`);
  }
}
