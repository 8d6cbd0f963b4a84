// What an importer sees while it runs: a batched writer and a byte-based progress reporter.
import type { ImportWriter } from './import-writer.js';

export interface ImportProgress {
  bytesDone: number;
  bytesTotal: number;
  file: string;
}

export interface ImportRun {
  writer: ImportWriter;
  /** Prefixed to every user and item id, to keep several data sets apart in one database. */
  idPrefix: string;
  /** Name under which CTR examples are stored (criteo). */
  dataset: string;
  /** Reports progress through the files of this import (bytes of earlier files plus bytes read of the current one). */
  progress(file: string, bytesReadOfFile: number): void;
}

export interface ImportFormat {
  name: string;
  summary: string;
  /** The files this import reads, for progress totals and up-front existence checks. */
  files(source: string): string[];
  run(source: string, run: ImportRun): Promise<void>;
}
