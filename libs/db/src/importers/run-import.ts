// Runs one import inside a single transaction: a malformed row or any failure rolls everything back,
// so a failed import leaves the database exactly as it was. Re-importing skips what is already there.
import { statSync } from 'node:fs';
import type { CascadeDatabase } from '../open-database.js';
import { criteo } from './criteo.js';
import { genericEvents, genericItems, genericUsers } from './generic.js';
import type { ImportFormat, ImportProgress } from './import-run.js';
import { ImportWriter, type ImportCounts } from './import-writer.js';
import { movielens100k, movielens1m, movielensLatest } from './movielens.js';

export const IMPORT_FORMATS: readonly ImportFormat[] = [movielens100k, movielens1m, movielensLatest, criteo, genericEvents, genericItems, genericUsers];

export interface ImportOptions {
  /** Rows per database batch (default 5000). */
  batchSize?: number;
  idPrefix?: string;
  /** Name of the CTR data set (criteo). */
  dataset?: string;
  /** Create items that events refer to but the catalogue lacks (default: true for the generic events format only). */
  createMissingItems?: boolean;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportSummary extends ImportCounts {
  format: string;
  source: string;
  seconds: number;
}

export function findImportFormat(name: string): ImportFormat {
  const format = IMPORT_FORMATS.find((f) => f.name === name);
  if (!format) throw new Error(`unknown import format "${name}"; the formats are ${IMPORT_FORMATS.map((f) => f.name).join(', ')}`);
  return format;
}

export async function importDataset(db: CascadeDatabase, formatName: string, source: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const format = findImportFormat(formatName);
  const batchSize = options.batchSize ?? 5000;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error('batchSize must be a positive integer');
  const files = format.files(source);
  const sizes = files.map((f) => statSync(f).size);
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  const started = performance.now();
  const counts = await db.sql.transaction(async (tx) => {
    const writer = new ImportWriter(tx, batchSize, {
      createMissingUsers: true,
      createMissingItems: options.createMissingItems ?? format === genericEvents,
    });
    await format.run(source, {
      writer,
      idPrefix: options.idPrefix ?? '',
      dataset: options.dataset ?? format.name,
      progress(file, bytesRead) {
        const index = files.indexOf(file);
        const before = sizes.slice(0, Math.max(index, 0)).reduce((a, b) => a + b, 0);
        options.onProgress?.({ file, bytesDone: before + bytesRead, bytesTotal });
      },
    });
    await writer.flush();
    return writer.counts;
  });
  return { format: format.name, source, ...counts, seconds: (performance.now() - started) / 1000 };
}
