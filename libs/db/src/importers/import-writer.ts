// Buffers parsed rows and writes them in batches through one SQL client (the import's transaction).
import { upsertItems, upsertUsers, type ItemInput, type UpsertResult, type UserInput } from '../catalog.js';
import { insertEvents, type InsertEventsOptions } from '../events.js';
import type { EventTypeName } from '../event-types.js';
import type { SqlClient } from '../sql-driver.js';

/** An event already validated by its importer (occurredAt in epoch milliseconds). */
export interface ParsedEvent {
  type: EventTypeName;
  customType?: string;
  value: number;
  userId: string;
  itemId: string;
  occurredAt: number;
  requestId?: string;
  placement?: string;
  idempotencyKey: string;
}

export interface CtrExampleInput {
  line: number;
  label: 0 | 1;
  features: Record<string, string | number | null>;
}

export interface ImportCounts {
  users: UpsertResult;
  items: UpsertResult;
  events: { inserted: number; duplicates: number };
  ctrExamples: { inserted: number; duplicates: number; dataset?: string };
}

const emptyUpsert = (): UpsertResult => ({ inserted: 0, updated: 0, unchanged: 0 });

export class ImportWriter {
  readonly counts: ImportCounts = {
    users: emptyUpsert(),
    items: emptyUpsert(),
    events: { inserted: 0, duplicates: 0 },
    ctrExamples: { inserted: 0, duplicates: 0 },
  };
  private users: UserInput[] = [];
  private items: ItemInput[] = [];
  private events: ParsedEvent[] = [];
  private ctr: CtrExampleInput[] = [];
  private ctrDataset = '';

  constructor(
    private readonly sql: SqlClient,
    private readonly batchSize: number,
    private readonly eventOptions: InsertEventsOptions,
  ) {}

  async addUser(user: UserInput): Promise<void> {
    this.users.push(user);
    if (this.users.length >= this.batchSize) await this.flushUsers();
  }

  async addItem(item: ItemInput): Promise<void> {
    this.items.push(item);
    if (this.items.length >= this.batchSize) await this.flushItems();
  }

  async addEvent(event: ParsedEvent): Promise<void> {
    this.events.push(event);
    if (this.events.length >= this.batchSize) await this.flushEvents();
  }

  async addCtrExample(dataset: string, example: CtrExampleInput): Promise<void> {
    this.ctrDataset = dataset;
    this.counts.ctrExamples.dataset = dataset;
    this.ctr.push(example);
    if (this.ctr.length >= this.batchSize) await this.flushCtr();
  }

  /** Writes everything buffered; users and items go before the events that reference them. */
  async flush(): Promise<void> {
    await this.flushUsers();
    await this.flushItems();
    await this.flushEvents();
    await this.flushCtr();
  }

  private async flushUsers(): Promise<void> {
    if (this.users.length === 0) return;
    add(this.counts.users, await upsertUsers(this.sql, this.users));
    this.users = [];
  }

  private async flushItems(): Promise<void> {
    if (this.items.length === 0) return;
    add(this.counts.items, await upsertItems(this.sql, this.items));
    this.items = [];
  }

  private async flushEvents(): Promise<void> {
    if (this.events.length === 0) return;
    await this.flushUsers();
    await this.flushItems();
    const result = await insertEvents(this.sql, this.events, { ...this.eventOptions, prevalidated: true });
    this.counts.events.inserted += result.inserted;
    this.counts.events.duplicates += result.duplicates;
    this.events = [];
  }

  private async flushCtr(): Promise<void> {
    if (this.ctr.length === 0) return;
    const inserted = await this.sql.execute(
      `INSERT INTO ctr_examples (dataset, line, label, features)
       SELECT $1, s.line, s.label, s.features FROM jsonb_to_recordset($2::jsonb) AS s(line int, label smallint, features jsonb)
       ON CONFLICT (dataset, line) DO NOTHING`,
      [this.ctrDataset, JSON.stringify(this.ctr)],
    );
    this.counts.ctrExamples.inserted += inserted;
    this.counts.ctrExamples.duplicates += this.ctr.length - inserted;
    this.ctr = [];
  }
}

function add(total: UpsertResult, part: UpsertResult): void {
  total.inserted += part.inserted;
  total.updated += part.updated;
  total.unchanged += part.unchanged;
}
