// Prisma CLI configuration: the WASM schema engine with a driver adapter, so nothing is downloaded.
// Embedded PGlite (CASCADE_DATA_DIR, default .cascade/data) unless DATABASE_URL names a PostgreSQL server.
// The PGlite wrapper works around three adapter problems (see shared notes "prisma-offline"):
// multi-statement migration scripts, an un-awaited exec(), and WASM timers that keep the CLI alive.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

const openPglites: { close(): Promise<void>; closed: boolean }[] = [];

async function pgliteFactory(dataDir: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const open = async (dir: string): Promise<SqlDriverAdapter> => {
    const client = await withUnrefTimers(() => PGlite.create({ dataDir: dir }));
    openPglites.push(client);
    const adapter = await new PrismaPGlite(client).connect();
    return patchPgliteAdapter(adapter, client);
  };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pglite',
    connect: () => open(dataDir),
    connectToShadowDb: () => open('memory://'),
  };
}

function patchPgliteAdapter(adapter: SqlDriverAdapter, client: { exec(sql: string): Promise<unknown> }): SqlDriverAdapter {
  const executeScript = async (script: string) => {
    await client.exec(script);
  };
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      if (prop === 'executeScript') return executeScript;
      if (prop === 'executeRaw') {
        return (query: { sql: string; args: unknown[] }) =>
          query.args.length === 0 ? executeScript(query.sql).then(() => 0) : target.executeRaw(query as never);
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

// Timers armed while PGlite boots keep the CLI's event loop alive after the command has finished.
async function withUnrefTimers<T>(fn: () => Promise<T>): Promise<T> {
  const original = globalThis.setTimeout;
  const patched = ((...args: Parameters<typeof setTimeout>) => {
    const timer = original(...args);
    timer.unref?.();
    return timer;
  }) as typeof setTimeout;
  globalThis.setTimeout = patched;
  try {
    return await fn();
  } finally {
    globalThis.setTimeout = original;
  }
}

process.once('beforeExit', () => {
  void Promise.all(openPglites.filter((p) => !p.closed).map((p) => p.close()));
});

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (url) {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: url });
    }
    return pgliteFactory(path.resolve(process.env.CASCADE_DATA_DIR ?? path.join('.cascade', 'data')));
  },
});
