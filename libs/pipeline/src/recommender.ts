// The request-time recommender: multi-channel recall → DeepFM pCTR → exploration slot filling → business
// filters, for one request, from what load() keeps in memory (models, catalogue, users, recent histories,
// popularity). Every stage has a time budget and a fallback; the response lists the fallbacks it used.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { hashString32 } from '@cascade/core';
import type { CascadeDatabase } from '@cascade/db';
import { ArmStatsStore, exploreEngineInfo, ExperimentStore, fillRequestSlots, ImpressionLog, loadNativeExplore, type RankedCandidate, type SlotPolicyConfig } from '@cascade/explore';
import { assembleFeatures, EncodedItemCache, type ActivityWindow, type ItemFeatures, type UserFeatures } from '@cascade/features';
import { loadRanker, type CtrRanker } from '@cascade/ranking';
import {
  DEFAULT_EVENT_WEIGHTS,
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
import { interactionTypes, loadCatalogue, loadPopularity, loadUser, loadUserHistory, loadUsers, type ServingState, type ServingUser } from './serving-state.js';
import { EventFollower, latestEventId, type FollowedEvent } from './event-follower.js';
import { UserActivityCounts } from './user-activity.js';
import { findStartupModels } from './startup-models.js';
import { RunningExperiments } from './experiment-routing.js';

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
  /** Follow new events (recent histories, activity counts, popularity) while serving (default true). */
  followEvents?: boolean;
  /** How often the event follower reads new events, ms (default 1000). */
  followIntervalMs?: number;
}

/** Popularity increments from followed events are applied in bulk this often (each re-ranks the catalogue). */
const POPULARITY_APPLY_MS = 60_000;

/** What keeps the loaded state current while serving (see EventFollower). */
interface LiveState {
  activity: UserActivityCounts;
  follower: EventFollower | null;
  historyPerUser: number;
  /** Weight and value scale of each interaction event type (histories and popularity). */
  interaction: Map<string, { weight: number; scale: number }>;
  /** Followed popularity increments not applied yet: item, time, weight triples. */
  popularityPending: number[];
  popularityAppliedAt: number;
  /** The ranker's encodings of catalogue items' own fields. */
  itemCache: EncodedItemCache | null;
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
  /** The A/B experiment variant this request was served under, if one runs on the placement. */
  experiment?: { key: string; variant: string } | null;
}

/** Every stage of one request, for the admin console's inspector (`Recommender.inspect`). */
export interface RecommendInspection extends RecommendResponse {
  /** Per recall channel, the candidates it produced (external ids) with the channel's own score, best first. */
  recall: { channel: string; candidates: { itemId: string; score: number }[] }[];
  /** The ranked pool, best first (top `rankingLimit`): pCTR is null when the ranker did not run. */
  ranking: { itemId: string; pctr: number | null; recallScore: number; channels: string[] }[];
  /** What the exploration policy put in each slot (before the business filters' top-up). */
  exploration: { itemId: string; explore: boolean; propensity: number; position: number; pctr: number | null }[];
  /** The slot-filling policy of the request's placement. */
  policy: SlotPolicyConfig;
}

/** The user as the ranker and recall see them (`Recommender.userFeatures`). */
export interface ServingUserView {
  user: UserFeatures;
  /** The recent-activity counts the ranker's schema reads, at the request clock. */
  activity: Record<string, number>;
  /** The latest interacted items (external ids, most recent first): item-to-item seeds and the seen filter. */
  recentItems: string[];
  /** Whether the recall model has a vector for the user (else the cold-start quotas serve them). */
  hasVector: boolean;
}

/** One candidate of a request's pool: its position in the recall result (-1 for a top-up) and, once read, its channels. */
interface PoolEntry {
  itemId: number;
  candidate: number;
  channels: string[] | null;
  recallScore: number;
}

/** What one request's stages produced, collected by `inspect` (null on the serving path). */
interface StageTrace {
  candidates: CandidateSet | null;
  pool: { itemId: number; channels: string[]; recallScore: number }[];
  ranked: RankedCandidate[];
  served: { itemId: number; pctr: number; explore: boolean; propensity: number }[];
  policy: SlotPolicyConfig;
}

/** Slot-filling policies as Recommender.load validates them. */
const policySchema = recommenderLoadSchema.shape.defaultPolicy.unwrap();

/** Placement policies configured in the admin console (table `placement_policies`, when it exists). */
async function loadConfiguredPolicies(db: CascadeDatabase): Promise<Record<string, SlotPolicyConfig>> {
  const exists = await db.sql.query<{ t: string | null }>(`SELECT to_regclass('placement_policies')::text AS t`);
  if (!exists[0]?.t) return {};
  const rows = await db.sql.query<{ placement: string; policy: unknown }>('SELECT placement, policy FROM placement_policies ORDER BY placement');
  const policies: Record<string, SlotPolicyConfig> = {};
  for (const r of rows) {
    const parsed = policySchema.safeParse(typeof r.policy === 'string' ? JSON.parse(r.policy) : r.policy);
    // rows are validated when written; one that no longer parses must not stop serving: that placement keeps the default
    if (parsed.success) policies[r.placement] = parsed.data as SlotPolicyConfig;
  }
  return policies;
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

type ParsedRequest = ReturnType<typeof recommendRequestSchema.parse>;

function parseRequest(input: RecommendRequestInput): ParsedRequest {
  const parsed = recommendRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue.path.join('.') || 'request'}: ${issue.message}`);
  }
  return parsed.data;
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
    private readonly items: {
      index: HnswItemIndex;
      /** The recall model's vector of an item (undefined without a model or for an item it does not know). */
      vector: (id: number) => Float32Array | undefined;
    },
    /** The artefacts this instance serves (null: that stage is on its fallback). */
    readonly artefacts: { recallModelDir: string | null; indexFile: string | null; rankerDir: string | null },
    private readonly settings: {
      candidates: number;
      budgets: StageBudgets;
      policies: Record<string, SlotPolicyConfig>;
      /** The policies given to load() (setPlacementPolicy(placement, null) goes back to these). */
      loadPolicies: Readonly<Record<string, SlotPolicyConfig>>;
      defaultPolicy: SlotPolicyConfig;
      priorStrength: number;
      now: () => number;
    },
    readonly armStats: ArmStatsStore,
    readonly impressionLog: ImpressionLog,
    private readonly experiments: RunningExperiments,
    private readonly live: LiveState,
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

    // every event-derived part of the state is read up to one event id; the follower goes on from there
    const snapshotId = await latestEventId(db);
    const catalogue = await loadCatalogue(db);
    const users = await loadUsers(db);
    const historyPerUser = o.historyPerUser ?? 200;
    const history = await loadUserHistory(db, historyPerUser, DEFAULT_EVENT_WEIGHTS, snapshotId);
    const halfLifeMs = o.popularityHalfLifeMs ?? 7 * 86_400_000;
    const popularityScores = await loadPopularity(db, halfLifeMs, DEFAULT_EVENT_WEIGHTS, snapshotId);
    const now = options.now ?? Date.now;
    const activity = new UserActivityCounts(o.activity ?? DEFAULT_RANKER_ACTIVITY);
    await activity.load(db, now(), snapshotId);
    const state: ServingState = { ...catalogue, users, history, popularity: popularityScores };

    let model: { factors: FactorModel; userRow: Map<number, number>; version: string } | null = null;
    let index: HnswItemIndex;
    let servedIndexFile: string | null = null;
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
        servedIndexFile = indexFile;
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
    const itemVector = (id: number): Float32Array | undefined => {
      const r = itemVectors?.row.get(id);
      return r === undefined ? undefined : itemVectors!.vectors.subarray(r * dim, (r + 1) * dim);
    };
    const recall = new MultiChannelRecall({
      index,
      itemVector,
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
    // the exploration kernels are compiled on first use (cached afterwards): at load, not on a request
    loadNativeExplore();
    const interaction = new Map<string, { weight: number; scale: number }>();
    for (const t of interactionTypes(DEFAULT_EVENT_WEIGHTS)) {
      const w = DEFAULT_EVENT_WEIGHTS[t as keyof typeof DEFAULT_EVENT_WEIGHTS];
      interaction.set(t, { weight: w?.weight ?? 0, scale: w?.valueScale ?? 0 });
    }
    const live: LiveState = {
      activity,
      follower: null,
      historyPerUser,
      interaction,
      popularityPending: [],
      popularityAppliedAt: Date.now(),
      itemCache: ranker ? new EncodedItemCache(ranker.ranker.encoder) : null,
    };
    // one process owns an embedded database: nobody else's increments to re-read
    const armStats = options.armStats ?? new ArmStatsStore(db.sql, { refreshMs: db.kind === 'pglite' ? 0 : undefined });
    const experiments = new ExperimentStore(db.sql);
    // Impressions and clicks of requests in an experiment also count for its variant.
    const impressionLog = options.impressionLog ?? new ImpressionLog(db.sql, armStats, experiments);
    const loadPolicies = (o.placementPolicies ?? {}) as Record<string, SlotPolicyConfig>;
    // the admin console's configured policies win over the load-time ones, so they survive reloads and restarts
    const configured = await loadConfiguredPolicies(db);
    const recommender = new Recommender(
      db,
      state,
      recall,
      popularity,
      model,
      ranker,
      { index, vector: itemVector },
      { recallModelDir: recallModelDir ?? null, indexFile: recallModelDir ? servedIndexFile : null, rankerDir: rankerDir ?? null },
      {
        candidates: o.candidates ?? 500,
        budgets: { recallMs: 50, rankMs: 50, exploreMs: 30, ...o.budgets },
        policies: { ...loadPolicies, ...configured },
        loadPolicies,
        defaultPolicy: (o.defaultPolicy ?? DEFAULT_POLICY) as SlotPolicyConfig,
        priorStrength: o.priorStrength ?? 20,
        now,
      },
      armStats,
      impressionLog,
      new RunningExperiments(experiments, (value) => {
        const parsed = policySchema.safeParse(value);
        return parsed.success ? (parsed.data as SlotPolicyConfig) : null;
      }),
      live,
    );
    if (o.followEvents ?? true) {
      live.follower = new EventFollower(db, {
        afterId: snapshotId,
        intervalMs: o.followIntervalMs,
        // what the state uses: the activity windows' types and the interactions (histories, popularity)
        types: [...new Set([...activity.countedTypes, ...interaction.keys()])],
        onEvents: (events) => recommender.applyEvents(events),
      });
      live.follower.start();
    }
    return recommender;
  }

  /**
   * Folds followed events into the state: the seen filter and item-to-item seeds (recent histories), the
   * ranker's activity counts, and item popularity (applied in bulk every POPULARITY_APPLY_MS).
   */
  private applyEvents(events: readonly FollowedEvent[]): void {
    const { history } = this.state;
    const live = this.live;
    const now = this.settings.now();
    for (const e of events) {
      live.activity.add(e.userId, e.type, e.occurredAt, now);
      const w = live.interaction.get(e.type);
      if (!w) continue;
      const before = history.get(e.userId);
      const kept = before ? before.filter((id) => id !== e.itemId) : new Int32Array(0);
      const after = new Int32Array(Math.min(live.historyPerUser, kept.length + 1));
      after[0] = e.itemId;
      after.set(kept.subarray(0, after.length - 1), 1);
      history.set(e.userId, after);
      live.popularityPending.push(e.itemId, e.occurredAt, w.weight + w.scale * e.value);
    }
    if (Date.now() - live.popularityAppliedAt >= POPULARITY_APPLY_MS) this.applyPopularity();
  }

  private applyPopularity(): void {
    const pending = this.live.popularityPending;
    for (let i = 0; i < pending.length; i += 3) if (pending[i + 2] !== 0) this.popularity.record(pending[i], pending[i + 1], pending[i + 2]);
    this.live.popularityPending = [];
    this.live.popularityAppliedAt = Date.now();
  }

  /**
   * Reads the events written since the last read now (the follower otherwise reads every followIntervalMs):
   * for callers that wrote events and want them reflected. Resolves with how many were new.
   */
  async syncEvents(options: { popularity?: boolean } = {}): Promise<number> {
    const n = (await this.live.follower?.syncNow()) ?? 0;
    if (options.popularity) this.applyPopularity();
    return n;
  }

  /** Where the event follower is (the newest event id applied; whether its reads fail), or null when not following. */
  get eventFollowerStatus(): { position: number; failing: boolean } | null {
    const follower = this.live.follower;
    return follower ? { position: follower.position, failing: follower.failing } : null;
  }

  /** Asks for a read of new events soon (after an ingest call): several calls share one read. */
  noteEventsWritten(): void {
    this.live.follower?.syncSoon();
  }

  /** What computes the hot stages here (for the startup log): the ranker's DNN engine and the exploration engine. */
  get engines(): { ranker: string | null; explore: string } {
    return { ranker: this.ranker?.ranker.model.engineName ?? null, explore: exploreEngineInfo().engine };
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
    return this.run(parseRequest(input), null);
  }

  /**
   * Runs the live pipeline for one request and returns every stage (recall per channel, the ranked pool, the
   * exploration slots, the final items): for the admin console. Logs no impressions and records no statistics.
   */
  async inspect(input: RecommendRequestInput, options: { rankingLimit?: number } = {}): Promise<RecommendInspection> {
    const rankingLimit = options.rankingLimit ?? 100;
    if (!Number.isInteger(rankingLimit) || rankingLimit < 1) throw new Error(`rankingLimit: must be a positive integer, got ${rankingLimit}`);
    const request = { ...parseRequest(input), log: false };
    const trace: StageTrace = { candidates: null, pool: [], ranked: [], served: [], policy: this.policyOf(request.placement) };
    const response = await this.run(request, trace);
    const external = (id: number) => this.state.items.get(id)!.externalId;
    const recall: RecommendInspection['recall'] = [];
    const c = trace.candidates;
    if (c) {
      c.channelNames.forEach((channel, ci) => {
        const rows: { itemId: string; score: number }[] = [];
        for (let i = 0; i < c.size; i++) {
          if (c.channelMask[i] & (1 << ci)) rows.push({ itemId: external(c.itemIds[i]), score: c.channelScores[i * c.channelNames.length + ci] });
        }
        rows.sort((a, b) => b.score - a.score);
        recall.push({ channel, candidates: rows });
      });
    }
    const recalled = new Set(c ? Array.from(c.itemIds.subarray(0, c.size)) : []);
    const topUp = trace.pool.filter((p) => !recalled.has(p.itemId));
    if (topUp.length > 0) recall.push({ channel: 'top-up', candidates: topUp.map((p) => ({ itemId: external(p.itemId), score: p.recallScore })) });
    const pool = new Map(trace.pool.map((p) => [p.itemId, p]));
    const pctrOrNull = (x: number) => (Number.isNaN(x) ? null : x);
    return {
      ...response,
      recall,
      ranking: trace.ranked.slice(0, rankingLimit).map((r) => ({
        itemId: external(r.itemId),
        pctr: pctrOrNull(r.pctr),
        recallScore: pool.get(r.itemId)?.recallScore ?? 0,
        channels: pool.get(r.itemId)?.channels ?? [],
      })),
      exploration: trace.served.map((s, position) => ({
        itemId: external(s.itemId),
        explore: s.explore,
        propensity: s.propensity,
        position,
        pctr: pctrOrNull(s.pctr),
      })),
      policy: trace.policy,
    };
  }

  private async run(request: ParsedRequest, trace: StageTrace | null): Promise<RecommendResponse> {
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
    // the candidate pool, business filters applied (recall already leaves seen and inactive items out); an
    // entry's channel names are read from the candidate set only when it is served (or inspected)
    const pool: PoolEntry[] = [];
    const entryOf = new Map<number, PoolEntry>();
    if (candidates) {
      for (let i = 0; i < candidates.size; i++) {
        const id = candidates.itemIds[i];
        if (allowed(id)) {
          const entry: PoolEntry = { itemId: id, candidate: i, channels: null, recallScore: 0 };
          pool.push(entry);
          entryOf.set(id, entry);
        }
      }
    }
    const channelsOf = (entry: PoolEntry | undefined): string[] => {
      if (!entry) return [];
      if (!entry.channels) entry.channels = candidates!.channelsOf(entry.candidate);
      return entry.channels;
    };
    if (pool.length < request.k) {
      // too few candidates (or recall failed): top up from global popularity, then any active item
      if (candidates) fallbacks.push('recall:too-few-popularity');
      const have = new Set(pool.map((c) => c.itemId));
      const top = this.popularity.top(Math.max(this.settings.candidates, request.k * 4), { exclude: (id) => have.has(id) || !allowed(id) });
      const topUp = (itemId: number, channel: string) => {
        const entry: PoolEntry = { itemId, candidate: -1, channels: [channel], recallScore: 0 };
        pool.push(entry);
        entryOf.set(itemId, entry);
        have.add(itemId);
      };
      for (const id of top.ids) topUp(id, 'popular');
      for (const item of this.state.items.values()) {
        if (pool.length >= request.k) break;
        if (!have.has(item.id) && allowed(item.id)) topUp(item.id, 'catalogue');
      }
    }
    const n = pool.length;
    for (let i = 0; i < n; i++) pool[i].recallScore = 1 - i / Math.max(1, n);
    if (trace) {
      trace.candidates = candidates;
      trace.pool = pool.map((e) => ({ itemId: e.itemId, channels: channelsOf(e), recallScore: e.recallScore }));
    }
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
        const activity = user ? this.live.activity.counts(user.id, now) : {};
        const items: ItemFeatures[] = pool.map((c) => this.state.items.get(c.itemId)!.features);
        const ranker = this.ranker.ranker;
        const rows = assembleFeatures(
          ranker.encoder,
          {
            user: user?.features ?? { id: request.userId, attributes: {} },
            context: { timestamp: now, activity, values: request.context?.values },
          },
          items,
          { itemCache: this.live.itemCache ?? undefined },
        );
        // the DNN runs off the event loop (libuv thread pool) where the native kernels are available
        pctr = await ranker.scoreEncodedAsync(rows);
      } catch {
        pctr = null;
        fallbacks.push('ranker:error-recall-order');
      }
    }
    let ranked: RankedCandidate[];
    if (pctr) {
      const p = pctr;
      const order = new Array<number>(n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => p[b] - p[a] || a - b);
      ranked = new Array<RankedCandidate>(n);
      for (let r = 0; r < n; r++) {
        const i = order[r];
        ranked[r] = { itemId: pool[i].itemId, score: p[i], pctr: p[i] };
      }
    } else {
      ranked = pool.map((c) => ({ itemId: c.itemId, score: c.recallScore, pctr: NaN }));
    }
    const t2 = performance.now();

    // 3. exploration fills the k slots (with pCTR priors); without pCTR or on failure: ranked order
    let served: { itemId: number; score: number; pctr: number; explore: boolean; propensity: number }[] | null = null;
    const k = Math.min(request.k, ranked.length);
    if (trace) trace.ranked = ranked;
    // A running A/B experiment on the placement decides this user's policy (by its variant).
    const assignment = await this.experiments.assign(request.placement, request.userId).catch(() => null);
    const policy = assignment?.policy ?? this.policyOf(request.placement);
    if (trace) trace.policy = policy;
    if (k > 0 && pctr) {
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
    if (trace) trace.served = served;
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
        channels: channelsOf(entryOf.get(c.itemId)),
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
      // write-behind: the slots are written with other requests' within the impression log's flushMs
      this.impressionLog.enqueueServed({
        requestId,
        placement: request.placement,
        policy: fallbacks.some((f) => f.startsWith('explore:') || f.startsWith('ranker:'))
          ? 'ranked-order'
          : policy.kind,
        userId: request.userId,
        ...(assignment ? { experimentKey: assignment.key, variant: assignment.variant } : {}),
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
      experiment: assignment ? { key: assignment.key, variant: assignment.variant } : null,
    };
  }

  /** The slot-filling policy that serves `placement` now. */
  policyOf(placement: string): SlotPolicyConfig {
    return this.settings.policies[placement] ?? this.settings.defaultPolicy;
  }

  /** The per-placement policies (load-time and configured) and the default for every other placement. */
  get placementPolicies(): { policies: Readonly<Record<string, SlotPolicyConfig>>; defaultPolicy: SlotPolicyConfig } {
    return { policies: { ...this.settings.policies }, defaultPolicy: this.settings.defaultPolicy };
  }

  /**
   * Serves `placement` with `policy` from the next request on; null goes back to the load-time policy of the
   * placement (or the default). Throws, naming the field, on an invalid policy.
   */
  setPlacementPolicy(placement: string, policy: SlotPolicyConfig | null): void {
    if (typeof placement !== 'string' || placement.trim() === '') throw new Error('placement: must be a non-empty string');
    if (policy === null) {
      const original = this.settings.loadPolicies[placement];
      if (original) this.settings.policies[placement] = original;
      else delete this.settings.policies[placement];
      return;
    }
    const parsed = policySchema.safeParse(policy);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`policy${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
    }
    this.settings.policies[placement] = parsed.data as SlotPolicyConfig;
  }

  /**
   * The k nearest items of an item by the recall model's vectors (inner product, through the HNSW index;
   * inactive items are left out). Empty without a recall model or for an item the model does not know.
   */
  neighbours(externalId: string, k: number): { itemId: string; score: number }[] {
    if (!Number.isInteger(k) || k < 1 || k > 1000) throw new Error(`k: must be an integer in [1, 1000], got ${k}`);
    const id = this.state.itemByExternalId.get(externalId);
    if (id === undefined) throw new Error(`itemId: unknown item "${externalId}"`);
    const vector = this.items.vector(id);
    if (!vector || this.items.index.size === 0) return [];
    const result = this.items.index.query(vector, k, { exclude: new Set([id]) });
    const out: { itemId: string; score: number }[] = [];
    for (let i = 0; i < result.ids.length; i++) {
      const item = this.state.items.get(result.ids[i]);
      if (item?.active) out.push({ itemId: item.externalId, score: result.scores[i] });
    }
    return out;
  }

  /** The user's record as recall and the ranker see it at the request clock, or null for an unknown user. */
  async userFeatures(externalId: string): Promise<ServingUserView | null> {
    if (typeof externalId !== 'string' || externalId === '') throw new Error('userId: must be a non-empty string');
    const user = this.state.users.get(externalId) ?? (await loadUser(this.db, externalId));
    if (!user) return null;
    const recent = this.state.history.get(user.id) ?? new Int32Array(0);
    await this.live.follower?.syncNow().catch(() => undefined);
    return {
      user: user.features,
      activity: this.live.activity.counts(user.id, this.settings.now()),
      recentItems: Array.from(recent, (id) => this.state.items.get(id)?.externalId ?? String(id)),
      hasVector: this.model?.userRow.has(user.id) ?? false,
    };
  }

  dispose(): void {
    this.live.follower?.stop();
    this.ranker?.ranker.dispose();
  }
}
