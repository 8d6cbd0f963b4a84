// The request-time recommender: multi-channel recall → DeepFM pCTR → exploration slot filling → business
// filters, for one request, from what load() keeps in memory (models, catalogue, users, recent histories,
// popularity). Every stage has a time budget and a fallback; the response lists the fallbacks it used.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { hashString32 } from '@cascade/core';
import type { CascadeDatabase } from '@cascade/db';
import { ArmStatsStore, fillRequestSlots, ImpressionLog, type RankedCandidate, type SlotPolicyConfig } from '@cascade/explore';
import type { ActivityWindow, ItemFeatures } from '@cascade/features';
import { loadRanker, type CtrRanker } from '@cascade/ranking';
import {
  DecayedPopularity,
  HnswItemIndex,
  indexVectors,
  INDEX_FILE_NAME,
  loadRecallModel,
  MultiChannelRecall,
  NewItemsChannel,
  userQueryVector,
  type CandidateSet,
  type ChannelQuotas,
  type FactorModel,
} from '@cascade/recall';
import { DEFAULT_RANKER_ACTIVITY } from './ranker-stage.js';
import { recommendRequestSchema, recommenderLoadSchema, type RecommendRequestInput, type StageBudgets } from './recommender-input.js';
import { loadCatalogue, loadPopularity, loadUser, loadUserHistory, loadUsers, type ServingState, type ServingUser } from './serving-state.js';
import { findStartupModels } from './startup-models.js';

export { type RecommendRequestInput, type StageBudgets } from './recommender-input.js';

export interface RecommenderLoadOptions {
  /** Root models folder: the newest complete recall model (+ index) and ranker are used (as findStartupModels). */
  modelsDir?: string;
  /** Explicit artefacts (override what modelsDir would give); null = none of that kind. */
  recallModelDir?: string | null;
  indexFile?: string | null;
  rankerDir?: string | null;
  /** Slot-filling policy per placement; others use `defaultPolicy` (Thompson with pCTR priors). */
  placementPolicies?: Record<string, SlotPolicyConfig>;
  defaultPolicy?: SlotPolicyConfig;
  /** Candidates recalled per request (default 500). */
  candidates?: number;
  quotas?: Partial<ChannelQuotas>;
  coldStartQuotas?: Partial<ChannelQuotas>;
  /** Recent interactions kept per user for seeds and the seen filter (default 200). */
  historyPerUser?: number;
  /** Per-stage time budgets in ms (defaults recall 50, rank 50, explore 30). */
  budgets?: Partial<StageBudgets>;
  popularityHalfLifeMs?: number;
  newItemsWindowMs?: number;
  /** The recent-activity windows the ranker's schema reads (default the startup ranker's). */
  activity?: readonly ActivityWindow[];
  /** pCTR pseudo-impressions of the exploration prior (default 20). */
  priorStrength?: number;
  /** Request clock (epoch ms), default Date.now. */
  now?: () => number;
  /** Shared online statistics / impression log (default: new ones on db.sql). */
  armStats?: ArmStatsStore;
  impressionLog?: ImpressionLog;
}

export interface RecommendedItem {
  itemId: string;
  /** The ordering score: pCTR when the ranker scored the request, else the recall-order score in (0, 1]. */
  score: number;
  /** The ranker's pCTR, or null when the ranker did not run (see fallbacks). */
  pctr: number | null;
  channels: string[];
  explore: boolean;
  propensity: number;
}

export interface RecommendResponse {
  requestId: string;
  items: RecommendedItem[];
  modelVersions: { recall: string | null; ranker: string | null };
  timings: { recallMs: number; rankMs: number; exploreMs: number; totalMs: number };
  fallbacks: string[];
  /** Candidates that reached ranking (after recall and the business filters). */
  candidates: number;
}

const DEFAULT_POLICY: SlotPolicyConfig = { kind: 'thompson' };
const TIMEOUT = Symbol('timeout');

/** Resolves to TIMEOUT when `promise` takes longer than `ms` (the promise itself keeps running). */
async function withinBudget<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export class Recommender {
  private constructor(
    private readonly db: CascadeDatabase,
    private readonly state: ServingState,
    private readonly recall: MultiChannelRecall,
    private readonly popularity: DecayedPopularity,
    private readonly model: { factors: FactorModel; userRow: Map<number, number>; version: string } | null,
    private readonly ranker: { ranker: CtrRanker; version: string } | null,
    private readonly settings: {
      candidates: number;
      budgets: StageBudgets;
      policies: Record<string, SlotPolicyConfig>;
      defaultPolicy: SlotPolicyConfig;
      activity: readonly ActivityWindow[];
      priorStrength: number;
      now: () => number;
    },
    readonly armStats: ArmStatsStore,
    readonly impressionLog: ImpressionLog,
  ) {}

  /** Loads the models and the serving state; artefacts that are missing leave their stage on its fallback. */
  static async load(db: CascadeDatabase, options: RecommenderLoadOptions = {}): Promise<Recommender> {
    const parsed = recommenderLoadSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${issue.path.join('.') || 'options'}: ${issue.message}`);
    }
    const o = parsed.data;
    if (!db?.sql) throw new Error('db: an open CascadeDatabase is required');
    const found = o.modelsDir ? findStartupModels(o.modelsDir) : { recallModelDir: null, indexed: false, rankerDir: null };
    const recallModelDir = options.recallModelDir !== undefined ? options.recallModelDir : found.recallModelDir;
    const rankerDir = options.rankerDir !== undefined ? options.rankerDir : found.rankerDir;

    const catalogue = await loadCatalogue(db);
    const users = await loadUsers(db);
    const history = await loadUserHistory(db, o.historyPerUser ?? 200);
    const halfLifeMs = o.popularityHalfLifeMs ?? 7 * 86_400_000;
    const popularityScores = await loadPopularity(db, halfLifeMs);
    const state: ServingState = { ...catalogue, users, history, popularity: popularityScores };

    let model: { factors: FactorModel; userRow: Map<number, number>; version: string } | null = null;
    let index: HnswItemIndex;
    let itemVectors: { vectors: Float32Array; dim: number; row: Map<number, number> } | null = null;
    if (recallModelDir) {
      const artifact = loadRecallModel(recallModelDir);
      const { vectors, dim } = indexVectors(artifact.model);
      const row = new Map<number, number>();
      artifact.meta.itemIds.forEach((id, i) => row.set(id, i));
      itemVectors = { vectors, dim, row };
      const userRow = new Map<number, number>();
      artifact.meta.userIds.forEach((id, i) => userRow.set(id, i));
      model = { factors: artifact.model, userRow, version: artifact.meta.version };
      const indexFile = options.indexFile !== undefined ? options.indexFile : path.join(recallModelDir, INDEX_FILE_NAME);
      if (indexFile && existsSync(`${indexFile}.json`) && existsSync(indexFile)) {
        index = HnswItemIndex.load(indexFile);
      } else {
        // no saved index: build one in memory from the model's item vectors
        index = HnswItemIndex.build(vectors, artifact.meta.itemIds, { dim });
      }
    } else {
      index = HnswItemIndex.create({ dim: 1 });
    }

    const popularity = new DecayedPopularity({ halfLifeMs });
    // the SQL sums are relative to one reference time: recording each at that time keeps them as they are
    for (const [id, score] of popularityScores.scores) popularity.record(id, popularityScores.reference, score);
    const newItems = new NewItemsChannel(o.newItemsWindowMs ?? 14 * 86_400_000);
    const dim = itemVectors?.dim ?? 0;
    const recall = new MultiChannelRecall({
      index,
      itemVector: (id) => {
        const r = itemVectors?.row.get(id);
        return r === undefined ? undefined : itemVectors!.vectors.subarray(r * dim, (r + 1) * dim);
      },
      popularity,
      newItems,
      quotas: o.quotas,
      coldStartQuotas: o.coldStartQuotas,
    });
    for (const item of catalogue.items.values()) {
      if (item.active) {
        newItems.add(item.id, item.createdAt, item.categories);
        popularity.setCategories(item.id, item.categories);
      } else {
        recall.deactivate(item.id);
      }
    }

    const ranker = rankerDir ? { ranker: await loadRanker(rankerDir), version: path.basename(rankerDir) } : null;
    const armStats = options.armStats ?? new ArmStatsStore(db.sql);
    const impressionLog = options.impressionLog ?? new ImpressionLog(db.sql, armStats);
    return new Recommender(
      db,
      state,
      recall,
      popularity,
      model,
      ranker,
      {
        candidates: o.candidates ?? 500,
        budgets: { recallMs: 50, rankMs: 50, exploreMs: 30, ...o.budgets },
        policies: (o.placementPolicies ?? {}) as Record<string, SlotPolicyConfig>,
        defaultPolicy: (o.defaultPolicy ?? DEFAULT_POLICY) as SlotPolicyConfig,
        activity: o.activity ?? DEFAULT_RANKER_ACTIVITY,
        priorStrength: o.priorStrength ?? 20,
        now: options.now ?? Date.now,
      },
      armStats,
      impressionLog,
    );
  }

  get modelVersions(): { recall: string | null; ranker: string | null } {
    return { recall: this.model?.version ?? null, ranker: this.ranker?.version ?? null };
  }

  /** Takes an item out of serving (deactivated in the catalogue) or brings it back. */
  setItemActive(externalId: string, active: boolean): void {
    const id = this.state.itemByExternalId.get(externalId);
    if (id === undefined) throw new Error(`itemId: unknown item "${externalId}"`);
    const item = this.state.items.get(id)!;
    item.active = active;
    if (active) this.recall.activate(id);
    else this.recall.deactivate(id);
  }

  async recommend(input: RecommendRequestInput): Promise<RecommendResponse> {
    const parsed = recommendRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${issue.path.join('.') || 'request'}: ${issue.message}`);
    }
    const request = parsed.data;
    const t0 = performance.now();
    const now = this.settings.now();
    const requestId = request.requestId ?? randomUUID();
    const fallbacks: string[] = [];
    const budgets = this.settings.budgets;

    // who is asking: known users bring a vector (when the model has them) and their recent items
    let user: ServingUser | null = this.state.users.get(request.userId) ?? null;
    if (!user) {
      user = await loadUser(this.db, request.userId);
      if (user) this.state.users.set(request.userId, user);
    }
    const recent = user ? (this.state.history.get(user.id) ?? new Int32Array(0)) : new Int32Array(0);
    const blocked = new Set<number>(recent);
    for (const ext of request.exclude ?? []) {
      const id = this.state.itemByExternalId.get(ext);
      if (id !== undefined) blocked.add(id);
    }
    const row = user && this.model ? this.model.userRow.get(user.id) : undefined;
    const userVector = row !== undefined ? userQueryVector(this.model!.factors, row) : undefined;
    if (!user) fallbacks.push('user:unknown-cold-start');
    else if (userVector === undefined) fallbacks.push('user:no-vector-cold-start');

    // 1. recall
    let candidates: CandidateSet | null = null;
    try {
      candidates = this.recall.recall({
        userVector,
        recentItems: Array.from(recent),
        seen: blocked,
        category: request.context?.category,
        total: this.settings.candidates,
        now,
      });
    } catch {
      fallbacks.push('recall:error-popularity');
    }
    const allowed = (id: number): boolean => !blocked.has(id) && this.state.items.get(id)?.active === true;
    // the candidate pool, business filters applied (recall already leaves seen and inactive items out)
    const pool: { itemId: number; channels: string[]; recallScore: number }[] = [];
    if (candidates) {
      for (let i = 0; i < candidates.size; i++) {
        const id = candidates.itemIds[i];
        if (allowed(id)) pool.push({ itemId: id, channels: candidates.channelsOf(i), recallScore: 0 });
      }
    }
    if (pool.length < request.k) {
      // too few candidates (or recall failed): top up from global popularity, then any active item
      if (candidates) fallbacks.push('recall:too-few-popularity');
      const have = new Set(pool.map((c) => c.itemId));
      const top = this.popularity.top(Math.max(this.settings.candidates, request.k * 4), { exclude: (id) => have.has(id) || !allowed(id) });
      for (const id of top.ids) {
        pool.push({ itemId: id, channels: ['popular'], recallScore: 0 });
        have.add(id);
      }
      for (const item of this.state.items.values()) {
        if (pool.length >= request.k) break;
        if (!have.has(item.id) && allowed(item.id)) pool.push({ itemId: item.id, channels: ['catalogue'], recallScore: 0 });
      }
    }
    const n = pool.length;
    pool.forEach((c, i) => (c.recallScore = 1 - i / Math.max(1, n)));
    const t1 = performance.now();
    if (t1 - t0 > budgets.recallMs) fallbacks.push('recall:over-budget');

    // 2. ranking: pCTR through the shared feature path; missing, failing or over budget → recall order
    let pctr: Float32Array | null = null;
    if (n === 0) {
      // nothing to rank
    } else if (!this.ranker) {
      fallbacks.push('ranker:missing-recall-order');
    } else if (t1 - t0 > budgets.recallMs + budgets.rankMs) {
      fallbacks.push('ranker:skipped-over-budget-recall-order');
    } else {
      try {
        const activity = user ? await withinBudget(this.activityCounts(user.id, now), budgets.rankMs) : {};
        if (activity === TIMEOUT) {
          fallbacks.push('ranker:over-budget-recall-order');
        } else {
          const items: ItemFeatures[] = pool.map((c) => this.state.items.get(c.itemId)!.features);
          pctr = this.ranker.ranker.score(
            {
              user: user?.features ?? { id: request.userId, attributes: {} },
              context: { timestamp: now, activity, values: request.context?.values },
            },
            items,
          );
        }
      } catch {
        pctr = null;
        fallbacks.push('ranker:error-recall-order');
      }
    }
    let ranked: RankedCandidate[];
    if (pctr) {
      const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => pctr![b] - pctr![a] || a - b);
      ranked = Array.from(order, (i) => ({ itemId: pool[i].itemId, score: pctr![i], pctr: pctr![i] }));
    } else {
      ranked = pool.map((c) => ({ itemId: c.itemId, score: c.recallScore, pctr: NaN }));
    }
    const channelsOf = new Map(pool.map((c) => [c.itemId, c.channels]));
    const t2 = performance.now();

    // 3. exploration fills the k slots (with pCTR priors); without pCTR or on failure: ranked order
    let served: { itemId: number; score: number; pctr: number; explore: boolean; propensity: number }[] | null = null;
    const k = Math.min(request.k, ranked.length);
    if (k > 0 && pctr) {
      const policy = this.settings.policies[request.placement] ?? this.settings.defaultPolicy;
      try {
        const counts = await withinBudget(
          this.armStats.get(
            request.placement,
            ranked.map((c) => c.itemId),
          ),
          budgets.exploreMs,
        );
        if (counts === TIMEOUT) {
          fallbacks.push('explore:over-budget-ranked-order');
        } else {
          served = fillRequestSlots(ranked, counts, { k, policy, priorStrength: this.settings.priorStrength, seed: hashString32(requestId) });
        }
      } catch {
        fallbacks.push('explore:error-ranked-order');
      }
    } else if (k > 0) {
      fallbacks.push('explore:skipped-no-pctr');
    }
    if (!served) served = ranked.slice(0, k).map((c) => ({ ...c, explore: false, propensity: 1 }));
    const t3 = performance.now();

    // 4. business filters on what exploration chose, topped up in ranked order: k distinct allowed items
    const out: RecommendedItem[] = [];
    const taken = new Set<number>();
    const take = (c: { itemId: number; score: number; pctr: number; explore: boolean; propensity: number }) => {
      if (out.length >= request.k || taken.has(c.itemId) || !allowed(c.itemId)) return;
      taken.add(c.itemId);
      out.push({
        itemId: this.state.items.get(c.itemId)!.externalId,
        score: c.score,
        pctr: Number.isNaN(c.pctr) ? null : c.pctr,
        channels: channelsOf.get(c.itemId) ?? [],
        explore: c.explore,
        propensity: c.propensity,
      });
    };
    for (const c of served) take(c);
    if (out.length < request.k) {
      for (const c of ranked) take({ ...c, explore: false, propensity: 1 });
    }
    if (out.length < request.k) fallbacks.push(`filters:only-${out.length}-items`);

    if (request.log && out.length > 0) {
      await this.impressionLog.logServed({
        requestId,
        placement: request.placement,
        policy: fallbacks.some((f) => f.startsWith('explore:') || f.startsWith('ranker:'))
          ? 'ranked-order'
          : (this.settings.policies[request.placement] ?? this.settings.defaultPolicy).kind,
        userId: request.userId,
        items: out.map((item, slot) => ({ itemId: this.state.itemByExternalId.get(item.itemId)!, slot, propensity: item.propensity, explore: item.explore })),
      });
    }
    const t4 = performance.now();
    return {
      requestId,
      items: out,
      modelVersions: this.modelVersions,
      timings: { recallMs: round3(t1 - t0), rankMs: round3(t2 - t1), exploreMs: round3(t3 - t2), totalMs: round3(t4 - t0) },
      fallbacks,
      candidates: n,
    };
  }

  /** The user's recent-activity counts the ranker's schema reads, in one SQL query. */
  private async activityCounts(userId: number, now: number): Promise<Record<string, number>> {
    const windows = this.settings.activity;
    if (windows.length === 0) return {};
    const at = new Date(now);
    const columns = windows.map(
      (w, i) => `count(*) FILTER (WHERE type::text = ANY($${2 + i * 2}::text[]) AND occurred_at >= $${3 + i * 2})::int AS a${i}`,
    );
    const params: unknown[] = [userId];
    for (const w of windows) params.push([...w.types], new Date(now - w.days * 86_400_000));
    params.push(at);
    const rows = await this.db.sql.query<Record<string, number>>(
      `SELECT ${columns.join(', ')} FROM events WHERE user_id = $1 AND occurred_at < $${params.length}`,
      params,
    );
    const result: Record<string, number> = {};
    windows.forEach((w, i) => (result[w.name] = Number(rows[0]?.[`a${i}`] ?? 0)));
    return result;
  }

  dispose(): void {
    this.ranker?.ranker.dispose();
  }
}
