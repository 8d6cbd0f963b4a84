import type { SqlClient, SqlDriver } from '@cascade/db';
import { assignVariant, validateVariants, type ExperimentVariant } from './experiment-assignment.js';
import { decideExperiment, validateDecisionRule, type DecisionRule, type ExperimentDecision, type VariantCounts } from './experiment-decision.js';

export type ExperimentStatus = 'draft' | 'running' | 'stopped';

export interface ExperimentRecord {
  id: number;
  key: string;
  description: string;
  placement: string | null;
  status: ExperimentStatus;
  /** The first variant is the control. */
  variants: ExperimentVariant[];
  decisionRule: DecisionRule;
  createdAt: Date;
  startedAt: Date | null;
  stoppedAt: Date | null;
  winner: string | null;
  /** The last evaluation (with the sequential test's always-valid p-values). */
  decision: ExperimentDecision | null;
}

export interface CreateExperimentInput {
  key: string;
  description?: string;
  placement?: string;
  variants: ExperimentVariant[];
  decisionRule: DecisionRule;
}

interface ExperimentRow {
  id: number;
  key: string;
  description: string;
  placement: string | null;
  status: ExperimentStatus;
  variants: unknown;
  decision_rule: unknown;
  created_at: Date | string;
  started_at: Date | string | null;
  stopped_at: Date | string | null;
  winner: string | null;
  decision: unknown;
}

const parseJson = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);
const toDate = (value: Date | string | null) => (value === null ? null : new Date(value));

function toRecord(row: ExperimentRow): ExperimentRecord {
  return {
    id: Number(row.id),
    key: row.key,
    description: row.description,
    placement: row.placement,
    status: row.status,
    variants: parseJson(row.variants) as ExperimentVariant[],
    decisionRule: parseJson(row.decision_rule) as DecisionRule,
    createdAt: new Date(row.created_at),
    startedAt: toDate(row.started_at),
    stoppedAt: toDate(row.stopped_at),
    winner: row.winner,
    decision: (parseJson(row.decision) as ExperimentDecision | null) ?? null,
  };
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !/^[A-Za-z0-9._:-]{1,100}$/.test(key)) {
    throw new Error(`key must be 1–100 characters of letters, digits, '.', '_', ':' or '-', got "${String(key)}"`);
  }
}

/**
 * A/B experiments persisted in `experiments` and `experiment_variant_stats`: create (draft), start,
 * assign users, count impressions and clicks per variant (atomic SQL increments), evaluate with the
 * experiment's decision rule, stop with a winner.
 */
export class ExperimentStore {
  constructor(private readonly sql: SqlDriver) {}

  async create(input: CreateExperimentInput): Promise<ExperimentRecord> {
    checkKey(input.key);
    validateVariants(input.variants);
    validateDecisionRule(input.decisionRule);
    if (input.placement !== undefined && (typeof input.placement !== 'string' || input.placement.length === 0)) {
      throw new Error('placement must be a non-empty string when given');
    }
    const existing = await this.find(input.key);
    if (existing) throw new Error(`experiment "${input.key}" already exists`);
    const rows = await this.sql.transaction(async (tx: SqlClient) => {
      const created = await tx.query<ExperimentRow>(
        `INSERT INTO experiments (key, description, placement, variants, decision_rule)
         VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) RETURNING *`,
        [input.key, input.description ?? '', input.placement ?? null, JSON.stringify(input.variants), JSON.stringify(input.decisionRule)],
      );
      await tx.execute(
        `INSERT INTO experiment_variant_stats (experiment_id, variant) SELECT $1, v FROM unnest($2::text[]) AS v`,
        [created[0].id, input.variants.map((v) => v.name)],
      );
      return created;
    });
    return toRecord(rows[0]);
  }

  async find(key: string): Promise<ExperimentRecord | null> {
    const rows = await this.sql.query<ExperimentRow>('SELECT * FROM experiments WHERE key = $1', [key]);
    return rows.length > 0 ? toRecord(rows[0]) : null;
  }

  async get(key: string): Promise<ExperimentRecord> {
    const found = await this.find(key);
    if (!found) throw new Error(`experiment "${key}" does not exist`);
    return found;
  }

  async list(status?: ExperimentStatus): Promise<ExperimentRecord[]> {
    const rows = status
      ? await this.sql.query<ExperimentRow>('SELECT * FROM experiments WHERE status = $1::"ExperimentStatus" ORDER BY id', [status])
      : await this.sql.query<ExperimentRow>('SELECT * FROM experiments ORDER BY id');
    return rows.map(toRecord);
  }

  /** draft → running. */
  async start(key: string): Promise<ExperimentRecord> {
    const rows = await this.sql.query<ExperimentRow>(
      `UPDATE experiments SET status = 'running', started_at = now() WHERE key = $1 AND status = 'draft' RETURNING *`,
      [key],
    );
    if (rows.length === 0) throw new Error(`experiment "${key}" cannot start: it is ${(await this.get(key)).status}, not draft`);
    return toRecord(rows[0]);
  }

  /** running → stopped, recording the winner (a variant name) when one was decided. */
  async stop(key: string, winner: string | null = null): Promise<ExperimentRecord> {
    const experiment = await this.get(key);
    if (winner !== null && !experiment.variants.some((v) => v.name === winner)) {
      throw new Error(`winner "${winner}" is not a variant of experiment "${key}"`);
    }
    const rows = await this.sql.query<ExperimentRow>(
      `UPDATE experiments SET status = 'stopped', stopped_at = now(), winner = $2 WHERE key = $1 AND status = 'running' RETURNING *`,
      [key, winner],
    );
    if (rows.length === 0) throw new Error(`experiment "${key}" cannot stop: it is ${experiment.status}, not running`);
    return toRecord(rows[0]);
  }

  /** The variant of a running experiment that `userId` sees (null when the experiment is not running). */
  async assign(key: string, userId: string | number): Promise<ExperimentVariant | null> {
    const experiment = await this.get(key);
    if (experiment.status !== 'running') return null;
    return assignVariant(userId, key, experiment.variants);
  }

  /** Adds impressions and clicks to a variant's counters (atomic in SQL). */
  async record(key: string, variant: string, impressions: number, clicks: number): Promise<void> {
    if (!(Number.isInteger(impressions) && impressions >= 0)) throw new Error(`impressions must be a non-negative integer, got ${impressions}`);
    if (!(Number.isInteger(clicks) && clicks >= 0)) throw new Error(`clicks must be a non-negative integer, got ${clicks}`);
    const updated = await this.sql.execute(
      `UPDATE experiment_variant_stats s SET impressions = s.impressions + $3, clicks = s.clicks + $4
       FROM experiments e WHERE e.id = s.experiment_id AND e.key = $1 AND s.variant = $2`,
      [key, variant, impressions, clicks],
    );
    if (updated === 0) throw new Error(`variant "${variant}" of experiment "${key}" does not exist`);
  }

  /** Per-variant counts, in the experiment's variant order (control first). */
  async counts(key: string): Promise<VariantCounts[]> {
    const experiment = await this.get(key);
    const rows = await this.sql.query<{ variant: string; impressions: string | number; clicks: string | number }>(
      'SELECT variant, impressions, clicks FROM experiment_variant_stats WHERE experiment_id = $1',
      [experiment.id],
    );
    const byName = new Map(rows.map((r) => [r.variant, r]));
    return experiment.variants.map((v) => ({
      name: v.name,
      impressions: Number(byName.get(v.name)?.impressions ?? 0),
      clicks: Number(byName.get(v.name)?.clicks ?? 0),
    }));
  }

  /**
   * Applies the experiment's decision rule to its current counts and stores the result (keeping the
   * running minimum of the always-valid p-values). With `stopOnDecision` a running experiment whose
   * rule reached a decision is stopped with that winner.
   */
  async evaluate(key: string, options: { stopOnDecision?: boolean } = {}): Promise<ExperimentDecision> {
    const experiment = await this.get(key);
    const previous: Record<string, number> = {};
    for (const c of experiment.decision?.comparisons ?? []) {
      if (c.alwaysValidPValue !== undefined) previous[c.variant] = c.alwaysValidPValue;
    }
    const decision = decideExperiment(experiment.decisionRule, await this.counts(key), previous);
    await this.sql.execute('UPDATE experiments SET decision = $2::jsonb WHERE key = $1', [key, JSON.stringify(decision)]);
    if (options.stopOnDecision && experiment.status === 'running' && decision.status !== 'continue') {
      await this.stop(key, decision.winner);
    }
    return decision;
  }
}
