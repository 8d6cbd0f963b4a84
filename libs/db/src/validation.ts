import type { z } from 'zod';

/** Validates a batch with a zod schema; the error names the row (index) and the field. */
export function parseBatch<S extends z.ZodType>(schema: S, rows: readonly unknown[], what: string): z.output<S>[] {
  const out: z.output<S>[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const result = schema.safeParse(rows[i]);
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue.path.length ? issue.path.join('.') : '(row)';
      throw new Error(`invalid ${what} at index ${i}: field "${field}": ${issue.message}`);
    }
    out[i] = result.data;
  }
  return out;
}
