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

export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'procedure' | 'code'>;
  private readonly requestDuration: Histogram<'procedure'>;
  private readonly stageDuration: Histogram<'stage'>;
  private readonly fallbacks: Counter<'fallback'>;
  private readonly eventsIngested: Counter<'type'>;
  private readonly eventDuplicates: Counter;
  private readonly modelInfo: Gauge<'kind' | 'version'>;

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

  /** Replaces the loaded model versions (a model kind without a version is left out). */
  setModelVersions(versions: Record<string, string | null | undefined>): void {
    this.modelInfo.reset();
    for (const [kind, version] of Object.entries(versions)) {
      if (version) this.modelInfo.set({ kind, version }, 1);
    }
  }
}
