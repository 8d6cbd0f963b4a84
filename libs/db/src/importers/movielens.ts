// MovieLens importers: 100K (u.user, u.item, u.data), 1M (users.dat, movies.dat, ratings*.dat, ISO-8859-1)
// and latest (movies.csv, ratings.csv). Ratings become `rating` events with the stars as value.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  expectFieldCount,
  parseDecimal,
  parseId,
  parseInteger,
  parseUnixSeconds,
  requireField,
  type RowContext,
} from './field-parsers.js';
import { ImportError } from './import-error.js';
import type { ImportFormat, ImportRun } from './import-run.js';
import { readCsvRecords, readLines } from './line-source.js';

function requireDir(source: string, format: string): string {
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new Error(`${format}: expected the data set's folder, got "${source}"`);
  }
  return source;
}

function requireFile(dir: string, name: string): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new Error(`missing file ${file}`);
  return file;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** "01-Jan-1995" as in u.item; empty for unknown. */
function parseMl100kDate(ctx: RowContext, value: string, name: string): Date | undefined {
  if (value === '') return undefined;
  const m = /^(\d{1,2})-([A-Z][a-z]{2})-(\d{4})$/.exec(value);
  if (!m || MONTHS[m[2]] === undefined) throw new ImportError(ctx.file, ctx.line, name, `expected a date like 01-Jan-1995, got "${value}"`);
  return new Date(Date.UTC(Number(m[3]), MONTHS[m[2]], Number(m[1])));
}

/** "Toy Story (1995)" → 1995. */
function yearFromTitle(title: string): number | undefined {
  const m = /\((\d{4})\)\s*$/.exec(title);
  return m ? Number(m[1]) : undefined;
}

async function importRatings(
  run: ImportRun,
  file: string,
  source: string,
  encoding: BufferEncoding,
  split: (text: string) => string[],
): Promise<void> {
  const name = path.basename(file);
  for await (const { line, text } of readLines(file, encoding, (b) => run.progress(file, b))) {
    const ctx = { file: name, line };
    const f = split(text);
    expectFieldCount(ctx, f, 4, 'rating');
    const userId = run.idPrefix + parseId(ctx, f[0], 'user_id');
    const itemId = run.idPrefix + parseId(ctx, f[1], 'item_id');
    const rating = parseDecimal(ctx, f[2], 'rating', 0.5, 5);
    const occurredAt = parseUnixSeconds(ctx, f[3], 'timestamp');
    await run.writer.addEvent({
      type: 'rating',
      value: rating,
      userId,
      itemId,
      occurredAt,
      idempotencyKey: `${source}:${userId}:${itemId}:${occurredAt}`,
    });
  }
}

export const movielens100k: ImportFormat = {
  name: 'movielens-100k',
  summary: 'MovieLens 100K folder: u.user, u.item (ISO-8859-1, genres from u.genre), u.data',
  files(source) {
    const dir = requireDir(source, this.name);
    return ['u.user', 'u.item', 'u.data'].map((f) => requireFile(dir, f));
  },
  async run(source, run) {
    const [usersFile, itemsFile, ratingsFile] = this.files(source);
    const genreFile = path.join(source, 'u.genre');
    const genres = existsSync(genreFile)
      ? readFileSync(genreFile, 'latin1').split('\n').filter(Boolean).map((l) => l.split('|')[0])
      : ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];
    for await (const { line, text } of readLines(usersFile, 'latin1', (b) => run.progress(usersFile, b))) {
      const ctx = { file: 'u.user', line };
      const f = text.split('|');
      expectFieldCount(ctx, f, 5, 'user');
      await run.writer.addUser({
        externalId: run.idPrefix + parseId(ctx, f[0], 'user_id'),
        attributes: { age: parseInteger(ctx, f[1], 'age', 0, 150), gender: f[2], occupation: f[3], zip: f[4] },
      });
    }
    for await (const { line, text } of readLines(itemsFile, 'latin1', (b) => run.progress(itemsFile, b))) {
      const ctx = { file: 'u.item', line };
      const f = text.split('|');
      expectFieldCount(ctx, f, 5 + genres.length, 'movie');
      const released = parseMl100kDate(ctx, f[2], 'release_date');
      const categories = genres.filter((_, g) => {
        const flag = f[5 + g];
        if (flag !== '0' && flag !== '1') throw new ImportError(ctx.file, line, `genre:${genres[g]}`, `expected 0 or 1, got "${flag}"`);
        return flag === '1';
      });
      await run.writer.addItem({
        externalId: run.idPrefix + parseId(ctx, f[0], 'movie_id'),
        title: f[1],
        categories,
        attributes: { year: released?.getUTCFullYear() ?? yearFromTitle(f[1]) ?? null, releaseDate: released?.toISOString().slice(0, 10) ?? null, imdbUrl: f[4] || null },
        ...(released ? { createdAt: released } : {}),
      });
    }
    await run.writer.flush();
    await importRatings(run, ratingsFile, 'ml-100k', 'latin1', (t) => t.split('\t'));
  },
};

function ml1mRatingsFile(dir: string): string {
  if (existsSync(path.join(dir, 'ratings.dat'))) return path.join(dir, 'ratings.dat');
  const candidates = readdirSync(dir).filter((f) => /^ratings.*\.dat$/.test(f));
  if (candidates.length !== 1) throw new Error(`movielens-1m: expected ratings.dat (or one ratings*.dat) in ${dir}, found ${candidates.length}`);
  return path.join(dir, candidates[0]);
}

export const movielens1m: ImportFormat = {
  name: 'movielens-1m',
  summary: 'MovieLens 1M folder: users.dat, movies.dat, ratings.dat or ratings*.dat ("::"-separated, ISO-8859-1)',
  files(source) {
    const dir = requireDir(source, this.name);
    return [requireFile(dir, 'users.dat'), requireFile(dir, 'movies.dat'), ml1mRatingsFile(dir)];
  },
  async run(source, run) {
    const [usersFile, moviesFile, ratingsFile] = this.files(source);
    for await (const { line, text } of readLines(usersFile, 'latin1', (b) => run.progress(usersFile, b))) {
      const ctx = { file: 'users.dat', line };
      const f = text.split('::');
      expectFieldCount(ctx, f, 5, 'user');
      await run.writer.addUser({
        externalId: run.idPrefix + parseId(ctx, f[0], 'user_id'),
        attributes: { gender: f[1], age: parseInteger(ctx, f[2], 'age', 0, 150), occupation: parseInteger(ctx, f[3], 'occupation', 0, 20), zip: f[4] },
      });
    }
    for await (const { line, text } of readLines(moviesFile, 'latin1', (b) => run.progress(moviesFile, b))) {
      const ctx = { file: 'movies.dat', line };
      const f = text.split('::');
      expectFieldCount(ctx, f, 3, 'movie');
      const year = yearFromTitle(f[1]);
      await run.writer.addItem({
        externalId: run.idPrefix + parseId(ctx, f[0], 'movie_id'),
        title: f[1],
        categories: f[2] === '' || f[2] === '(no genres listed)' ? [] : f[2].split('|'),
        attributes: { year: year ?? null },
        ...(year ? { createdAt: new Date(Date.UTC(year, 0, 1)) } : {}),
      });
    }
    await run.writer.flush();
    await importRatings(run, ratingsFile, 'ml-1m', 'latin1', (t) => t.split('::'));
  },
};

export const movielensLatest: ImportFormat = {
  name: 'movielens-latest',
  summary: 'MovieLens latest / latest-small folder: movies.csv, ratings.csv (UTF-8 CSV with a header)',
  files(source) {
    const dir = requireDir(source, this.name);
    return [requireFile(dir, 'movies.csv'), requireFile(dir, 'ratings.csv')];
  },
  async run(source, run) {
    const [moviesFile, ratingsFile] = this.files(source);
    let header = true;
    for await (const { line, fields } of readCsvRecords(moviesFile, ',', (b) => run.progress(moviesFile, b))) {
      const ctx = { file: 'movies.csv', line };
      if (header) {
        expectHeader(ctx, fields, ['movieId', 'title', 'genres']);
        header = false;
        continue;
      }
      expectFieldCount(ctx, fields, 3, 'movie');
      const year = yearFromTitle(fields[1]);
      await run.writer.addItem({
        externalId: run.idPrefix + parseId(ctx, fields[0], 'movieId'),
        title: fields[1],
        categories: fields[2] === '(no genres listed)' ? [] : fields[2].split('|'),
        attributes: { year: year ?? null },
        ...(year ? { createdAt: new Date(Date.UTC(year, 0, 1)) } : {}),
      });
    }
    await run.writer.flush();
    header = true;
    for await (const { line, fields } of readCsvRecords(ratingsFile, ',', (b) => run.progress(ratingsFile, b))) {
      const ctx = { file: 'ratings.csv', line };
      if (header) {
        expectHeader(ctx, fields, ['userId', 'movieId', 'rating', 'timestamp']);
        header = false;
        continue;
      }
      expectFieldCount(ctx, fields, 4, 'rating');
      const userId = run.idPrefix + parseId(ctx, requireField(ctx, fields, 0, 'userId'), 'userId');
      const itemId = run.idPrefix + parseId(ctx, fields[1], 'movieId');
      const occurredAt = parseUnixSeconds(ctx, fields[3], 'timestamp');
      await run.writer.addEvent({
        type: 'rating',
        value: parseDecimal(ctx, fields[2], 'rating', 0.5, 5),
        userId,
        itemId,
        occurredAt,
        idempotencyKey: `ml-latest:${userId}:${itemId}:${occurredAt}`,
      });
    }
  },
};

function expectHeader(ctx: RowContext, fields: string[], expected: string[]): void {
  expected.forEach((name, i) => {
    if (fields[i] !== name) throw new ImportError(ctx.file, ctx.line, name, `expected header column ${i + 1} to be "${name}", got "${fields[i] ?? ''}"`);
  });
}
