export { openDatabase, openTestDatabase, openTestPostgresDatabase, defaultDataDir, type CascadeDatabase, type DatabaseKind, type OpenDatabaseOptions } from './open-database.js';
export { applyMigrations, defaultMigrationsDir, type MigrationResult } from './migrate.js';
export type { SqlClient, SqlDriver } from './sql-driver.js';
export { EVENT_TYPES, eventTypeIndex, type EventTypeName } from './event-types.js';
export { upsertItems, upsertUsers, itemInputSchema, userInputSchema, type ItemInput, type UserInput, type UpsertResult } from './catalog.js';
export {
  insertEvents,
  eventInputSchema,
  defaultIdempotencyKey,
  parseEvents,
  type EventInput,
  type InsertEventsOptions,
  type InsertEventsResult,
  type ParsedEventInput,
} from './events.js';
export { GroupCommitEventWriter } from './group-commit-writer.js';
export { streamInteractions, type InteractionChunk, type StreamInteractionsOptions } from './interactions.js';
export { countEntities, type EntityCounts } from './counts.js';
export { parseBatch } from './validation.js';
export { Prisma, PrismaClient } from '@prisma/client';
export * from './importers/index.js';
export * from './demo/index.js';
export type { ParsedEvent, CtrExampleInput, ImportCounts } from './importers/import-writer.js';
