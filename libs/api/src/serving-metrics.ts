// Prometheus metrics of one API server. Each ServingMetrics owns its Registry (not prom-client's global
// one), so several servers in one process (tests, benchmarks) keep separate counts and never collide.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Recommend stage timings are a few milliseconds: buckets from 0.5 ms to 100 ms (plus a long tail). */
const STAGE_BUCKETS_SECONDS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25];
/** Whole requests include the network and database writes: 1 ms to 5 s. */
const REQUEST_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface RecommendOutcome {
  timings: { recallMs: number; rankMs: number; exploreMs: number; totalMs: number };
  fallbacks: readonly string[];
}

export interface ServingMetricsOptions {
  /** Also collect the process metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
}

/** The serving process's background work, for the gauges. */
export interface BackgroundStatus {
  queuedSlots: number;
  droppedSlots: number;
  followedEventId: number;
  followerFailing: boolean;
}

export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'procedure' | 'code'>;
  private readonly requestDuration: Histogram<'procedure'>;
  private readonly stageDuration: Histogram<'stage'>;
  private readonly fallbacks: Counter<'fallback'>;
  private readonly eventsIngested: Counter<'type'>;
  private readonly eventDuplicates: Counter;
  private readonly modelInfo: Gauge<'kind' | 'version'>;
  /** What the background writers and readers report (see watchBackground); null until a server sets it. */
  private background: (() => BackgroundStatus) | null = null;

  constructor(options: ServingMetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'cascade_requests_total', help: 'API procedure calls by tRPC result code (OK on success)', labelNames: ['procedure', 'code'], registers });
    this.requestDuration = new Histogram({
      name: 'cascade_request_duration_seconds',
      help: 'API procedure call duration (authentication, validation and work)',
      labelNames: ['procedure'],
      buckets: REQUEST_BUCKETS_SECONDS,
      registers,
    });
    this.stageDuration = new Histogram({
      name: 'cascade_recommend_stage_duration_seconds',
      help: 'Recommender stage duration per served request (recall, rank, explore and total)',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.fallbacks = new Counter({ name: 'cascade_recommend_fallbacks_total', help: 'Fallbacks the recommender used, by fallback', labelNames: ['fallback'], registers });
    this.eventsIngested = new Counter({
      name: 'cascade_events_ingested_total',
      help: 'Events accepted by events.log/logBatch (written or already present), by event type',
      labelNames: ['type'],
      registers,
    });
    this.eventDuplicates = new Counter({ name: 'cascade_events_duplicates_total', help: 'Accepted events that were already stored (same idempotency key)', registers });
    this.modelInfo = new Gauge({ name: 'cascade_model_info', help: 'The model versions the recommender serves (1 per loaded model)', labelNames: ['kind', 'version'], registers });
    const current = () => this.background?.() ?? null;
    const backgroundGauge = (name: string, help: string, read: (status: BackgroundStatus) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const status = current();
          if (status) this.set(read(status));
        },
      });
    backgroundGauge('cascade_impression_log_queued_slots', 'Served slots queued for the write-behind impression log', (s) => s.queuedSlots);
    backgroundGauge('cascade_impression_log_dropped_slots', 'Served slots dropped since start because the database refused writes for too long', (s) => s.droppedSlots);
    backgroundGauge('cascade_event_follower_position', 'The newest event id reflected in serving state (histories, activity, popularity)', (s) => s.followedEventId);
    backgroundGauge('cascade_event_follower_failing', '1 while the event follower cannot read new events (serving state is going stale)', (s) => (s.followerFailing ? 1 : 0));
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The registry in the Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  recordRequest(procedure: string, code: string, seconds: number): void {
    this.requests.inc({ procedure, code });
    this.requestDuration.observe({ procedure }, seconds);
  }

  recordRecommend(outcome: RecommendOutcome): void {
    const t = outcome.timings;
    this.stageDuration.observe({ stage: 'recall' }, t.recallMs / 1000);
    this.stageDuration.observe({ stage: 'rank' }, t.rankMs / 1000);
    this.stageDuration.observe({ stage: 'explore' }, t.exploreMs / 1000);
    this.stageDuration.observe({ stage: 'total' }, t.totalMs / 1000);
    for (const fallback of outcome.fallbacks) this.fallbacks.inc({ fallback });
  }

  recordEvents(events: readonly { type: string }[], duplicates: number): void {
    const byType = new Map<string, number>();
    for (const e of events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    for (const [type, n] of byType) this.eventsIngested.inc({ type }, n);
    if (duplicates > 0) this.eventDuplicates.inc(duplicates);
  }

  /**
   * p50 / p95 of each recommend stage since start (ms; null before the first request), interpolated within the
   * histogram buckets as Prometheus' histogram_quantile does: for the admin console's overview.
   */
  async stageLatency(): Promise<{ stage: string; p50Ms: number | null; p95Ms: number | null; count: number }[]> {
    const metric = await this.stageDuration.get();
    const byStage = new Map<string, { le: number; count: number }[]>();
    for (const v of metric.values) {
      if (v.metricName !== 'cascade_recommend_stage_duration_seconds_bucket') continue;
      const labels = v.labels as Record<string, string | number | undefined>;
      const stage = String(labels.stage);
      const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
      if (!byStage.has(stage)) byStage.set(stage, []);
      byStage.get(stage)!.push({ le, count: v.value });
    }
    const quantile = (buckets: { le: number; count: number }[], q: number): number | null => {
      const total = buckets.at(-1)?.count ?? 0;
      if (total === 0) return null;
      const rank = q * total;
      let lower = 0;
      let below = 0;
      for (const b of buckets) {
        if (b.count >= rank) {
          // the +Inf bucket has no upper edge: report its lower one, as Prometheus does
          if (b.le === Infinity) return lower * 1000;
          const inBucket = b.count - below;
          return (lower + (b.le - lower) * (inBucket > 0 ? (rank - below) / inBucket : 1)) * 1000;
        }
        lower = b.le;
        below = b.count;
      }
      return lower * 1000;
    };
    return ['recall', 'rank', 'explore', 'total'].map((stage) => {
      const buckets = (byStage.get(stage) ?? []).sort((a, b) => a.le - b.le);
      return { stage, p50Ms: quantile(buckets, 0.5), p95Ms: quantile(buckets, 0.95), count: buckets.at(-1)?.count ?? 0 };
    });
  }

  /** Reports `status()` in the background gauges at every scrape. */
  watchBackground(status: () => BackgroundStatus): void {
    this.background = status;
  }

  /** Replaces the loaded model versions (a model kind without a version is left out). */
  setModelVersions(versions: Record<string, string | null | undefined>): void {
    this.modelInfo.reset();
    for (const [kind, version] of Object.entries(versions)) {
      if (version) this.modelInfo.set({ kind, version }, 1);
    }
  }
}
