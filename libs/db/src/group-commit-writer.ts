// Group commit for concurrent event writers (the serving API's events.log / logBatch): while one INSERT is in
// flight, the batches that arrive queue up and go into the next statement together, so the per-statement costs
// (id resolution, planning, the commit) are paid once for all of them. Each caller still hears back only after the
// statement holding its events has committed, with its own inserted / duplicate counts.
import { insertEvents, type InsertEventsOptions, type InsertEventsResult, type ParsedEventInput } from './events.js';
import type { SqlClient } from './sql-driver.js';

interface PendingWrite {
  rows: ParsedEventInput[];
  resolve: (result: InsertEventsResult) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitEventWriter {
  private readonly queue: PendingWrite[] = [];
  private busy = false;

  constructor(
    private readonly sql: SqlClient,
    private readonly options: Omit<InsertEventsOptions, 'prevalidated' | 'reportRows'> & { maxRowsPerStatement?: number } = {},
  ) {}

  /** Stores validated events (see parseEvents); resolves once they are committed. */
  write(rows: ParsedEventInput[]): Promise<InsertEventsResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    const cap = this.options.maxRowsPerStatement ?? 20_000;
    try {
      while (this.queue.length > 0) {
        const group: PendingWrite[] = [];
        let rows = 0;
        while (this.queue.length > 0 && (group.length === 0 || rows + this.queue[0].rows.length <= cap)) {
          const next = this.queue.shift()!;
          group.push(next);
          rows += next.rows.length;
        }
        await this.commit(group);
      }
    } finally {
      this.busy = false;
    }
  }

  private async commit(group: PendingWrite[]): Promise<void> {
    const insert = (rows: ParsedEventInput[], reportRows: boolean) =>
      insertEvents(this.sql, rows as unknown as Parameters<typeof insertEvents>[1], { ...this.options, prevalidated: true, reportRows });
    if (group.length === 1) {
      await insert(group[0].rows, false).then(group[0].resolve, group[0].reject);
      return;
    }
    let merged: InsertEventsResult;
    try {
      merged = await insert(
        group.flatMap((w) => w.rows),
        true,
      );
    } catch {
      // One caller's batch failed the statement (an unknown item, say): each on its own, so only it hears of it.
      for (const w of group) await insert(w.rows, false).then(w.resolve, w.reject);
      return;
    }
    let offset = 0;
    for (const w of group) {
      let inserted = 0;
      for (let i = 0; i < w.rows.length; i++) inserted += merged.rowInserted![offset + i];
      offset += w.rows.length;
      w.resolve({ inserted, duplicates: w.rows.length - inserted });
    }
  }
}
