import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { ensureStartupModels, findStartupModels, JobRunner, Recommender, registerModelVersion } from '@cascade/pipeline';
import { ensureFirstAdmin, startApiServer, type ApiServer } from '../index.js';

// A small seeded world with startup models trained into a temporary folder, served by a real API server.
const WORLD = { users: 80, items: 60, impressionsPerUser: 25, slateSize: 8, days: 10, seed: 9, keyPrefix: 'admin-test' };

let db: CascadeDatabase;
let server: ApiServer;
let jobs: JobRunner;
let modelsDir: string;
let adminPassword: string;
let knownUser: string;

interface Reply<T = unknown> {
  status: number;
  data?: T;
  error?: { message: string; data: { code: string } };
  setCookie: string[];
}

/** A browser-like console client: keeps the session cookie and sends the CSRF header it was given. */
class ConsoleClient {
  cookie: string | undefined;
  csrf: string | undefined;

  async call<T = Record<string, unknown>>(kind: 'query' | 'mutation', procedure: string, input?: unknown, options: { csrf?: string | null } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf) headers['x-cascade-csrf'] = csrf;
    const url = `${server.url}/trpc/admin.${procedure}`;
    const response =
      kind === 'query'
        ? await fetch(input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
        : await fetch(url, { method: 'POST', headers, body: input === undefined ? undefined : JSON.stringify(input) });
    const setCookie = response.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    const body = (await response.json()) as { result?: { data: T }; error?: Reply['error'] };
    return { status: response.status, data: body.result?.data, error: body.error, setCookie };
  }

  query<T = Record<string, unknown>>(procedure: string, input?: unknown) {
    return this.call<T>('query', procedure, input);
  }

  mutate<T = Record<string, unknown>>(procedure: string, input?: unknown, options: { csrf?: string | null } = {}) {
    return this.call<T>('mutation', procedure, input, options);
  }

  async signIn(email: string, password: string): Promise<Reply<{ email: string; role: string; csrfToken: string }>> {
    const r = await this.mutate<{ email: string; role: string; csrfToken: string }>('auth.signIn', { email, password });
    if (r.data) this.csrf = r.data.csrfToken;
    return r;
  }
}

let admin: ConsoleClient;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, WORLD);
  modelsDir = mkdtempSync(path.join(os.tmpdir(), 'cascade-admin-'));
  await ensureStartupModels(db, { modelsDir, recall: { als: { factors: 8, iterations: 3 }, evaluate: false }, ranker: { epochs: 1 } });
  const recommender = await Recommender.load(db, { modelsDir });
  jobs = new JobRunner(db, { modelsDir });
  server = await startApiServer({ db, port: 0, recommender, reloadRecommender: (shared) => Recommender.load(db, { modelsDir, ...shared }), reloadDelayMs: 10, jobs });
  const first = await ensureFirstAdmin(db.sql, { email: 'Root@Example.com' });
  expect(first.created).toBe(true);
  adminPassword = first.password!;
  knownUser = (await db.sql.query<{ external_id: string }>('SELECT u.external_id FROM users u JOIN events e ON e.user_id = u.id ORDER BY u.id LIMIT 1'))[0].external_id;
  admin = new ConsoleClient();
  expect((await admin.signIn('root@example.com', adminPassword)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await jobs?.close();
  await server?.close();
  await db?.close();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

describe('auth', () => {
  it('creates the first admin once, with a generated password', async () => {
    expect(adminPassword.length).toBeGreaterThanOrEqual(12);
    expect(await ensureFirstAdmin(db.sql, { email: 'other@example.com', password: 'whatever-long' })).toEqual({ created: false, email: 'other@example.com' });
  });

  it('rejects a wrong password or an unknown email the same way', async () => {
    const c = new ConsoleClient();
    for (const [email, password] of [
      ['root@example.com', 'not the password'],
      ['nobody@example.com', adminPassword],
    ]) {
      const r = await c.signIn(email, password);
      expect(r.error?.data.code).toBe('UNAUTHORIZED');
      expect(r.error?.message).toBe('wrong email or password');
      expect(r.setCookie).toEqual([]);
    }
    expect((await c.query('catalogue.categories')).error?.data.code).toBe('UNAUTHORIZED');
  });

  it('signs in with an httpOnly SameSite=Lax cookie, knows the user, signs out', async () => {
    const c = new ConsoleClient();
    const r = await c.signIn('ROOT@example.com ', adminPassword);
    expect(r.data).toMatchObject({ email: 'root@example.com', role: 'admin', csrfToken: expect.any(String) });
    expect(r.setCookie).toHaveLength(1);
    expect(r.setCookie[0]).toMatch(/^cascade_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800/);
    const me = await c.query<{ email: string; role: string; csrfToken: string }>('auth.me');
    expect(me.data).toMatchObject({ email: 'root@example.com', role: 'admin', csrfToken: r.data!.csrfToken });
    // the session row stores the token's hash, never the token
    const token = c.cookie!.split('=')[1];
    expect((await db.sql.query('SELECT 1 FROM admin_sessions WHERE id = $1', [token])).length).toBe(0);
    const noCsrf = await c.mutate('auth.signOut', undefined, { csrf: null });
    expect(noCsrf.error?.data.code).toBe('FORBIDDEN');
    expect((await c.mutate<{ signedOut: boolean }>('auth.signOut')).data).toEqual({ signedOut: true });
    expect(c.cookie).toBeUndefined();
    c.cookie = `cascade_session=${token}`; // a stolen cookie of a signed-out session is worthless
    expect((await c.query('auth.me')).data).toBeNull();
    const refused = await c.query('catalogue.categories');
    expect(refused.error?.data.code).toBe('UNAUTHORIZED');
    expect(refused.error?.message).toContain('expired or signed out');
  });

  it('refuses mutations without the CSRF token or with a wrong one', async () => {
    const missing = await admin.mutate('settings.apiKeys.create', { name: 'x', scopes: ['recommend'] }, { csrf: null });
    expect(missing.error?.data.code).toBe('FORBIDDEN');
    expect(missing.error?.message).toContain('missing CSRF token');
    const wrong = await admin.mutate('settings.apiKeys.create', { name: 'x', scopes: ['recommend'] }, { csrf: 'not-the-token' });
    expect(wrong.error?.data.code).toBe('FORBIDDEN');
    expect(wrong.error?.message).toContain('wrong CSRF token');
    expect((await db.sql.query("SELECT 1 FROM api_keys WHERE name = 'x'")).length).toBe(0);
  });

  it('rate-limits sign-in per email', async () => {
    const c = new ConsoleClient();
    const codes: string[] = [];
    for (let i = 0; i < 11; i++) codes.push((await c.signIn('limited@example.com', 'wrong-password')).error!.data.code);
    expect(codes.slice(0, 10).every((code) => code === 'UNAUTHORIZED')).toBe(true);
    expect(codes[10]).toBe('TOO_MANY_REQUESTS');
  });

  it('lets a viewer read but not change anything, even calling the procedures directly', async () => {
    const created = await admin.mutate<{ id: number; role: string }>('settings.users.create', { email: 'viewer@example.com', password: 'viewer-password', role: 'viewer' });
    expect(created.data).toMatchObject({ role: 'viewer' });
    const viewer = new ConsoleClient();
    expect((await viewer.signIn('viewer@example.com', 'viewer-password')).data?.role).toBe('viewer');
    expect((await viewer.query('catalogue.items', { page: 1, pageSize: 5 })).status).toBe(200);
    for (const [procedure, input] of [
      ['settings.apiKeys.create', { name: 'sneaky', scopes: ['admin'] }],
      ['models.promote', { id: 1 }],
      ['explore.setPolicy', { placement: 'home', policy: { kind: 'ucb1' } }],
      ['settings.users.setRole', { id: created.data!.id, role: 'admin' }],
    ] as const) {
      const r = await viewer.mutate(procedure, input);
      expect(r.error?.data.code, procedure).toBe('FORBIDDEN');
      expect(r.error?.message, procedure).toContain('"admin" role');
    }
    expect((await db.sql.query("SELECT 1 FROM api_keys WHERE name = 'sneaky'")).length).toBe(0);
  });

  it('never demotes or disables the last admin', async () => {
    const users = await admin.query<{ id: number; email: string; role: string }[]>('settings.users.list');
    const root = users.data!.find((u) => u.email === 'root@example.com')!;
    const demote = await admin.mutate('settings.users.setRole', { id: root.id, role: 'viewer' });
    expect(demote.error?.data.code).toBe('BAD_REQUEST');
    expect(demote.error?.message).toContain('last active admin');
    expect((await admin.mutate('settings.users.disable', { id: root.id })).error?.message).toContain('last active admin');
    const temp = await admin.mutate<{ id: number }>('settings.users.create', { email: 'temp@example.com', password: 'temp-password', role: 'admin' });
    const tempClient = new ConsoleClient();
    await tempClient.signIn('temp@example.com', 'temp-password');
    expect((await admin.mutate<{ disabledAt: string | null }>('settings.users.disable', { id: temp.data!.id })).data?.disabledAt).not.toBeNull();
    expect((await tempClient.query('catalogue.categories')).error?.data.code).toBe('UNAUTHORIZED');
    expect((await tempClient.signIn('temp@example.com', 'temp-password')).error?.data.code).toBe('UNAUTHORIZED');
  });
});

describe('catalogue', () => {
  it('pages, counts, searches and filters items', async () => {
    const total = Number((await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM items'))[0].n);
    const page1 = await admin.query<{ rows: { itemId: string; impressions: number; clicks: number }[]; total: number }>('catalogue.items', { page: 1, pageSize: 7, sort: 'itemId' });
    const page2 = await admin.query<{ rows: { itemId: string }[]; total: number }>('catalogue.items', { page: 2, pageSize: 7, sort: 'itemId' });
    expect(page1.data!.total).toBe(total);
    expect(page1.data!.rows).toHaveLength(7);
    const ids = [...page1.data!.rows, ...page2.data!.rows].map((r) => r.itemId);
    expect(new Set(ids).size).toBe(14);
    expect(ids).toEqual([...ids].sort());
    const events = Number((await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type = 'impression'"))[0].n);
    const all = await admin.query<{ rows: { impressions: number }[] }>('catalogue.items', { page: 1, pageSize: 200 });
    expect(all.data!.rows.reduce((s, r) => s + r.impressions, 0)).toBe(events);

    const target = page2.data!.rows[3].itemId;
    const found = await admin.query<{ rows: { itemId: string }[]; total: number }>('catalogue.items', { search: target.toUpperCase(), page: 1, pageSize: 10 });
    expect(found.data!.rows.map((r) => r.itemId)).toContain(target);
    expect((await admin.query<{ total: number }>('catalogue.items', { search: '%', page: 1, pageSize: 10 })).data!.total).toBe(0); // wildcards are literal
    const categories = (await admin.query<string[]>('catalogue.categories')).data!;
    expect(categories.length).toBeGreaterThan(0);
    const inCategory = await admin.query<{ rows: { categories: string[] }[]; total: number }>('catalogue.items', { category: categories[0], page: 1, pageSize: 200 });
    expect(inCategory.data!.total).toBeGreaterThan(0);
    expect(inCategory.data!.rows.every((r) => r.categories.includes(categories[0]))).toBe(true);
    const bad = await admin.query('catalogue.items', { page: 0, pageSize: 500 });
    expect(bad.error?.data.code).toBe('BAD_REQUEST');
    expect(bad.error?.message).toMatch(/field "(page|pageSize)"/);
  });

  it('shows one item with its popularity and recall-model neighbours, and one user with history and features', async () => {
    const itemId = (await db.sql.query<{ external_id: string }>("SELECT i.external_id FROM items i JOIN events e ON e.item_id = i.id AND e.type = 'click' WHERE i.active LIMIT 1"))[0].external_id;
    const item = await admin.query<{ item: { itemId: string }; popularity: { clicks: number; impressions: number }; neighbours: { itemId: string; title: string; score: number }[] }>('catalogue.item', { itemId });
    expect(item.data!.item.itemId).toBe(itemId);
    expect(item.data!.popularity.clicks).toBeGreaterThan(0);
    expect(item.data!.neighbours.length).toBeGreaterThan(0);
    expect(item.data!.neighbours.map((n) => n.itemId)).not.toContain(itemId);
    expect((await admin.query('catalogue.item', { itemId: 'no-such-item' })).error?.data.code).toBe('NOT_FOUND');

    const users = await admin.query<{ rows: { userId: string; events: number }[]; total: number }>('catalogue.users', { search: knownUser, page: 1, pageSize: 200 });
    expect(users.data!.rows.find((u) => u.userId === knownUser)!.events).toBeGreaterThan(0);
    const user = await admin.query<{ user: { userId: string }; history: { itemId: string; title: string; occurredAt: string }[]; features: { user: { id: string }; activity: Record<string, number>; hasVector: boolean } }>('catalogue.user', { userId: knownUser });
    expect(user.data!.history.length).toBeGreaterThan(0);
    expect(user.data!.history.length).toBeLessThanOrEqual(50);
    const times = user.data!.history.map((h) => Date.parse(h.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(user.data!.features.user.id).toBe(knownUser);
    expect(user.data!.features.activity).toHaveProperty('clicks7d');
  });
});

describe('inspector', () => {
  it('returns the recall channels, ranking, exploration and final stages without logging impressions', async () => {
    const before = Number((await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM explore_impressions'))[0].n);
    const r = await admin.query<{
      requestId: string;
      recall: { channel: string; candidates: { itemId: string; score: number }[] }[];
      ranking: { itemId: string; pctr: number | null; recallScore: number }[];
      exploration: { itemId: string; explore: boolean; propensity: number; position: number }[];
      final: { itemId: string }[];
      fallbacks: string[];
      modelVersions: { recall: string | null; ranker: string | null };
    }>('inspector.run', { userId: knownUser, placement: 'home', k: 8 });
    expect(r.error).toBeUndefined();
    const d = r.data!;
    expect(d.recall.map((c) => c.channel)).toEqual(expect.arrayContaining(['embedding', 'popular']));
    expect(d.recall.find((c) => c.channel === 'embedding')!.candidates.length).toBeGreaterThan(0);
    expect(d.ranking.length).toBeGreaterThan(8);
    expect(d.ranking.length).toBeLessThanOrEqual(100);
    const pctrs = d.ranking.map((x) => x.pctr!);
    expect(pctrs.every((p) => p > 0 && p < 1)).toBe(true);
    expect(pctrs).toEqual([...pctrs].sort((a, b) => b - a));
    expect(d.exploration).toHaveLength(8);
    expect(d.exploration.map((e) => e.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(d.final).toHaveLength(8);
    expect(d.modelVersions.ranker).not.toBeNull();
    const after = Number((await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM explore_impressions'))[0].n);
    expect(after).toBe(before);
  });

  it('runs other model versions side by side and names a bad version id', async () => {
    const found = findStartupModels(modelsDir);
    const recall = await registerModelVersion(db.sql, { kind: 'recall', name: path.basename(found.recallModelDir!), artifactPath: found.recallModelDir! });
    const ranker = await registerModelVersion(db.sql, { kind: 'ranker', name: path.basename(found.rankerDir!), artifactPath: found.rankerDir! });
    const r = await admin.query<{ final: unknown[]; modelVersions: { recall: string; ranker: string } }>('inspector.run', {
      userId: knownUser,
      placement: 'home',
      k: 5,
      recallModelVersionId: recall.id,
      rankerModelVersionId: ranker.id,
    });
    expect(r.data!.final).toHaveLength(5);
    expect(r.data!.modelVersions.ranker).toBe(path.basename(found.rankerDir!));
    const wrongKind = await admin.query('inspector.run', { userId: knownUser, placement: 'home', k: 5, recallModelVersionId: ranker.id });
    expect(wrongKind.error?.data.code).toBe('BAD_REQUEST');
    expect(wrongKind.error?.message).toContain('recallModelVersionId');
  });
});

describe('models', () => {
  it('lists versions, compares one with the active version, promotes and rolls back', async () => {
    const found = findStartupModels(modelsDir);
    const a = await registerModelVersion(db.sql, { kind: 'ranker', name: 'ranker-a', artifactPath: found.rankerDir!, metrics: { auc: 0.7, logloss: 0.4 } });
    const b = await registerModelVersion(db.sql, { kind: 'ranker', name: 'ranker-b', artifactPath: found.rankerDir!, metrics: { auc: 0.75, logloss: 0.38 } });
    expect((await admin.mutate<{ status: string }>('models.promote', { id: a.id })).data?.status).toBe('active');
    expect((await admin.mutate<{ status: string }>('models.promote', { id: b.id })).data?.status).toBe('active');
    const list = await admin.query<{ rows: { id: number; status: string }[]; total: number }>('models.list', { kind: 'ranker', page: 1, pageSize: 50 });
    expect(list.data!.total).toBeGreaterThanOrEqual(2);
    expect(list.data!.rows.find((v) => v.id === a.id)!.status).toBe('retired');
    const got = await admin.query<{ version: { id: number }; active: { id: number }; differences: { metric: string; difference: number }[] }>('models.get', { id: a.id });
    expect(got.data!.active.id).toBe(b.id);
    expect(got.data!.differences.find((d) => d.metric === 'auc')!.difference).toBeCloseTo(-0.05, 6);
    expect((await admin.mutate<{ id: number }>('models.rollback', { kind: 'ranker' })).data?.id).toBe(a.id);
    expect((await admin.mutate('models.promote', { id: 999_999 })).error?.data.code).toBe('BAD_REQUEST');
    const summary = await admin.query<{ activeModels: { id: number }[] }>('overview.summary');
    expect(summary.data!.activeModels.map((m) => m.id)).toContain(a.id);
  });
});

describe('explore', () => {
  it('validates, persists and applies a placement policy at once', async () => {
    const bad = await admin.mutate('explore.setPolicy', { placement: 'home', policy: { kind: 'egreedy', epsilon: 2 } });
    expect(bad.error?.data.code).toBe('BAD_REQUEST');
    expect(bad.error?.message).toContain('policy.epsilon');
    const unknown = await admin.mutate('explore.setPolicy', { placement: 'home', policy: { kind: 'lin-ucb' } });
    expect(unknown.error?.data.code).toBe('BAD_REQUEST');
    const ok = await admin.mutate<{ policy: { kind: string }; applied: boolean }>('explore.setPolicy', { placement: 'home', policy: { kind: 'egreedy', epsilon: 0.1 } });
    expect(ok.data).toMatchObject({ policy: { kind: 'egreedy', epsilon: 0.1 }, applied: true });
    expect(server.services.servedRecommender!.policyOf('home')).toEqual({ kind: 'egreedy', epsilon: 0.1 });
    const placements = await admin.query<{ placement: string; policy: { kind: string }; source: string }[]>('explore.placements');
    expect(placements.data!.find((p) => p.placement === 'home')).toMatchObject({ source: 'configured', policy: { kind: 'egreedy' } });
    // a reloaded Recommender reads the configured policy from the database
    const reloaded = await Recommender.load(db, { modelsDir });
    expect(reloaded.policyOf('home')).toEqual({ kind: 'egreedy', epsilon: 0.1 });
    reloaded.dispose();
    const inspected = await admin.query<{ policy: { kind: string } }>('inspector.run', { userId: knownUser, placement: 'home', k: 3 });
    expect(inspected.data!.policy.kind).toBe('egreedy');
    await admin.mutate('explore.setPolicy', { placement: 'home', policy: null });
    expect(server.services.servedRecommender!.policyOf('home')).toEqual({ kind: 'thompson' });
  });

  it('pages the arm statistics of a placement with intervals', async () => {
    // serving records arm statistics through the impression log
    await server.services.recommend({ userId: knownUser, placement: 'arm-test', k: 5, log: true });
    await server.services.impressionLog.flushServed(); // the served slots are written behind the request
    await server.services.armStats.flush();
    const r = await admin.query<{ rows: { impressions: number; lower: number; upper: number; ctr: number }[]; total: number }>('explore.armStats', { placement: 'arm-test', page: 1, pageSize: 3 });
    expect(r.data!.total).toBe(5);
    expect(r.data!.rows).toHaveLength(3);
    for (const row of r.data!.rows) {
      expect(row.impressions).toBeGreaterThan(0);
      expect(row.lower).toBeLessThanOrEqual(row.ctr);
      expect(row.upper).toBeGreaterThanOrEqual(row.ctr);
    }
    const summary = await admin.query<{ stageLatency: { stage: string; count: number; p50Ms: number | null }[] }>('overview.summary');
    expect(summary.data!.stageLatency.find((s) => s.stage === 'total')!.count).toBeGreaterThan(0);
  });
});

describe('experiments', () => {
  it('creates, starts, reports and stops an experiment', async () => {
    const input = {
      key: 'home-policy',
      name: 'Thompson vs UCB1',
      placement: 'home',
      variants: [
        { name: 'control', weight: 1, policy: { kind: 'thompson' } },
        { name: 'ucb', weight: 1, policy: { kind: 'ucb1', explorationConstant: 1 } },
      ],
    };
    expect((await admin.mutate<{ status: string }>('experiments.create', input)).data?.status).toBe('draft');
    expect((await admin.mutate('experiments.create', input)).error?.message).toContain('already exists');
    expect((await admin.mutate('experiments.create', { ...input, key: 'one', variants: input.variants.slice(0, 1) })).error?.message).toContain('field "variants"');
    expect((await admin.mutate<{ status: string }>('experiments.start', { key: 'home-policy' })).data?.status).toBe('running');
    const got = await admin.query<{ experiment: { key: string }; variants: { variant: string; lower: number; upper: number }[]; decision: { status: string } }>('experiments.get', { key: 'home-policy' });
    expect(got.data!.variants.map((v) => v.variant)).toEqual(['control', 'ucb']);
    expect(got.data!.decision.status).toBe('continue');
    expect((await admin.query<unknown[]>('experiments.list')).data).toHaveLength(1);
    expect((await admin.mutate('experiments.stop', { key: 'home-policy', winner: 'nope' })).error?.data.code).toBe('BAD_REQUEST');
    expect((await admin.mutate<{ status: string; winner: string }>('experiments.stop', { key: 'home-policy', winner: 'ucb' })).data).toMatchObject({ status: 'stopped', winner: 'ucb' });
  });
});

describe('settings', () => {
  it('creates an API key (plaintext once), lists and revokes it', async () => {
    const created = await admin.mutate<{ id: number; key: string; scopes: string[] }>('settings.apiKeys.create', { name: 'console-key', scopes: ['recommend'] });
    expect(created.data!.key).toMatch(/^csk_/);
    const list = await admin.query<{ id: number; name: string; key?: string; revokedAt: string | null }[]>('settings.apiKeys.list');
    const row = list.data!.find((k) => k.id === created.data!.id)!;
    expect(row).toMatchObject({ name: 'console-key', revokedAt: null });
    expect(row.key).toBeUndefined();
    expect((await admin.mutate('settings.apiKeys.revoke', { id: created.data!.id })).data).toEqual({ id: created.data!.id, revoked: true });
    expect((await admin.mutate('settings.apiKeys.revoke', { id: created.data!.id })).error?.data.code).toBe('NOT_FOUND');
    const after = await admin.query<{ id: number; revokedAt: string | null }[]>('settings.apiKeys.list');
    expect(after.data!.find((k) => k.id === created.data!.id)!.revokedAt).not.toBeNull();
    expect((await admin.mutate('settings.apiKeys.create', { name: 'k', scopes: ['root'] })).error?.message).toContain('field "scopes.0"');
  });
});

describe('overview', () => {
  it('counts entities and returns a daily CTR series', async () => {
    const s = await admin.query<{ counts: { users: number; items: number; events: number } }>('overview.summary');
    expect(s.data!.counts.items).toBe(Number((await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM items'))[0].n));
    const series = await admin.query<{ day: string; impressions: number; clicks: number; ctr: number }[]>('overview.ctrSeries', { days: 14 });
    expect(series.data).toHaveLength(14);
    expect(series.data!.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    const recent = Number(
      (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'impression' AND occurred_at >= date_trunc('day', now() AT TIME ZONE 'UTC') - interval '13 days'`))[0].n,
    );
    expect(series.data!.reduce((sum, d) => sum + d.impressions, 0)).toBe(recent);
    expect((await admin.query('overview.ctrSeries', { days: 400 })).error?.message).toContain('field "days"');
  });
});

describe('jobs', () => {
  it('starts a training job, lists it, shows its log and refuses bad parameters', async () => {
    const bad = await admin.mutate('jobs.start', { kind: 'import', params: {} });
    expect(bad.error?.data.code).toBe('BAD_REQUEST');
    expect(bad.error?.message).toContain('params.format');
    expect((await admin.mutate('jobs.start', { kind: 'nope', params: {} })).error?.message).toContain('field "kind"');
    const started = await admin.mutate<{ id: number; kind: string; status: string }>('jobs.start', {
      kind: 'train-ranker',
      params: { promote: false, ranker: { model: 'lr', epochs: 1 }, trigger: 'console' },
    });
    expect(started.error).toBeUndefined();
    expect(started.data).toMatchObject({ kind: 'train-ranker' });
    const finished = await jobs.wait(started.data!.id);
    expect(finished?.status).toMatch(/succeeded|failed/);
    const list = await admin.query<{ rows: { id: number }[]; total: number }>('jobs.list', { kind: 'train-ranker', page: 1, pageSize: 10 });
    expect(list.data!.rows.map((j) => j.id)).toContain(started.data!.id);
    const got = await admin.query<{ id: number; log: string; status: string }>('jobs.get', { id: started.data!.id });
    expect(got.data!.log.length).toBeGreaterThan(0);
    const cancel = await admin.mutate('jobs.cancel', { id: started.data!.id });
    expect(cancel.error?.data.code).toBe('BAD_REQUEST');
    expect((await admin.query('jobs.get', { id: 999_999 })).error?.data.code).toBe('NOT_FOUND');
  }, 60_000);
});
