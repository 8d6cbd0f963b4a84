// `cascade api-keys create|list|revoke`: the serving API's keys. A created key is printed once; only its
// hash is stored.
import type { Command } from 'commander';
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '@cascade/api';
import { action, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface OutputOptions extends DatabaseOptions {
  json?: boolean;
}

function parseScopes(value: string): string[] {
  const scopes = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new Error(`--scopes: expected a comma-separated list of ${API_KEY_SCOPES.join(', ')}, got "${value}"`);
  }
  return scopes;
}

export function registerApiKeysCommand(program: Command): void {
  const keys = program.command('api-keys').description('create, list and revoke the API keys of the serving API');
  withDatabaseOptions(
    keys
      .command('create')
      .description('create a key (printed once: only its hash is stored)')
      .requiredOption('--name <name>', 'what the key is for')
      .option('--scopes <scopes>', `comma-separated scopes (${API_KEY_SCOPES.join(', ')})`, 'recommend,ingest')
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (options: OutputOptions & { name: string; scopes: string }) => {
      const scopes = parseScopes(options.scopes);
      const created = await withDatabase(options, (db) => createApiKey(db.sql, { name: options.name, scopes }));
      if (!options.json) process.stderr.write('  store this key now: it is not shown again\n');
      printSummary({ id: created.id, name: created.name, prefix: created.prefix, scopes: created.scopes.join(','), key: created.key }, options);
    }),
  );
  withDatabaseOptions(
    keys.command('list').description('list the keys (prefix, scopes, last use; never the keys themselves)').option('--all', 'include revoked keys').option('--json', 'print only the JSON summary'),
  ).action(
    action(async (options: OutputOptions & { all?: boolean }) => {
      const list = await withDatabase(options, (db) => listApiKeys(db.sql, { includeRevoked: options.all }));
      if (!options.json) {
        for (const k of list) {
          process.stderr.write(
            `  #${k.id} ${k.prefix}… ${k.name} [${k.scopes.join(',')}] created ${k.createdAt.toISOString()}` +
              `${k.lastUsedAt ? `, last used ${k.lastUsedAt.toISOString()}` : ''}${k.revokedAt ? `, revoked ${k.revokedAt.toISOString()}` : ''}\n`,
          );
        }
      }
      printSummary({ keys: list.length, list }, { json: true });
    }),
  );
  withDatabaseOptions(
    keys.command('revoke').description('revoke a key by id or by its display prefix (csk_…)').argument('<key>', 'key id or prefix').option('--json', 'print only the JSON summary'),
  ).action(
    action(async (key: string, options: OutputOptions) => {
      const target = /^\d+$/.test(key) ? Number(key) : key;
      const revoked = await withDatabase(options, (db) => revokeApiKey(db.sql, target));
      if (!revoked) throw new Error(`<key>: no unrevoked key matches "${key}"`);
      printSummary({ revoked: key }, options);
    }),
  );
}
