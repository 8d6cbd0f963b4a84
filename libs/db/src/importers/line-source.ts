// Streams a text file as numbered lines or CSV records, counting bytes for progress reporting.
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

export interface SourceLine {
  /** 1-based physical line number. */
  line: number;
  text: string;
}

export interface ProgressSink {
  /** Called with the bytes read so far from the current file. */
  (bytesRead: number): void;
}

export function fileSize(file: string): number {
  return statSync(file).size;
}

export function displayName(file: string): string {
  return path.basename(file);
}

/** Lines of a file; `latin1` for the ISO-8859-1 MovieLens files. Empty lines are skipped. */
export async function* readLines(file: string, encoding: BufferEncoding = 'utf8', onBytes?: ProgressSink): AsyncGenerator<SourceLine> {
  const stream = createReadStream(file, { encoding, highWaterMark: 1 << 20 });
  if (onBytes) stream.on('data', () => onBytes(stream.bytesRead));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.length === 0) continue;
    yield { line, text };
  }
}

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

/** RFC 4180 records (quoted fields may contain the delimiter and newlines). */
export async function* readCsvRecords(file: string, delimiter: string, onBytes?: ProgressSink): AsyncGenerator<CsvRecord> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  if (onBytes) stream.on('data', () => onBytes(stream.bytesRead));
  const parser = stream.pipe(parse({ delimiter, info: true, relax_column_count: true, skip_empty_lines: true, bom: true }));
  for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
    yield { line: record.info.lines, fields: record.record };
  }
}
