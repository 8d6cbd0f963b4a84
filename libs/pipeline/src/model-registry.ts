// The model registry over `model_versions`: versions are registered only once their artefact folder and
// metrics are complete, at most one version per kind is active, and promotion / rollback are single
// transactions (serialised per kind with an advisory lock), so a crash never leaves a half-promoted kind.
import { existsSync } from 'node:fs';
import type { SqlClient, SqlDriver } from '@cascade/db';
import { hashString32 } from '@cascade/core';
import { jsonObject } from './json-column.js';

export const MODEL_KINDS = ['recall', 'ranker'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
export type ModelVersionStatus = 'training' | 'ready' | 'active' | 'retired' | 'failed';

export interface ModelVersionRecord {
  id: number;
  kind: ModelKind;
  version: number;
  /** The artefact's own version name (its folder name). */
  name: string;
  status: ModelVersionStatus;
  metrics: Record<string, unknown>;
  hyperparameters: Record<string, unknown>;
  artifactPath: string | null;
  /** The version that was active when this one was trained (what it was compared with), if any. */
  parentId: number | null;
  jobId: number | null;
  /** The promotion gate's decision in words (empty for versions registered without a gate). */
  decision: string;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

export interface RegisterModelVersionInput {
  kind: ModelKind;
  name: string;
  artifactPath: string;
  metrics?: Record<string, unknown>;
  hyperparameters?: Record<string, unknown>;
  parentId?: number | null;
  jobId?: number | null;
  decision?: string;
}

interface ModelVersionRow {
  id: number;
  kind: string;
  version: number;
  name: string;
  status: ModelVersionStatus;
  metrics: unknown;
  hyperparameters: unknown;
  artifact_path: string | null;
  parent_id: number | null;
  job_id: number | null;
  decision: string;
  created_at: Date | string;
  activated_at: Date | string | null;
  retired_at: Date | string | null;
}

const COLUMNS = 'id, kind, version, name, status::text AS status, metrics, hyperparameters, artifact_path, parent_id, job_id, decision, created_at, activated_at, retired_at';

function toRecord(r: ModelVersionRow): ModelVersionRecord {
  return {
    id: Number(r.id),
    kind: r.kind as ModelKind,
    version: Number(r.version),
    name: r.name,
    status: r.status,
    metrics: jsonObject(r.metrics) ?? {},
    hyperparameters: jsonObject(r.hyperparameters) ?? {},
    artifactPath: r.artifact_path,
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    jobId: r.job_id === null ? null : Number(r.job_id),
    decision: r.decision,
    createdAt: new Date(r.created_at),
    activatedAt: r.activated_at === null ? null : new Date(r.activated_at),
    retiredAt: r.retired_at === null ? null : new Date(r.retired_at),
  };
}

export function checkModelKind(kind: unknown, field = 'kind'): ModelKind {
  if (!(MODEL_KINDS as readonly unknown[]).includes(kind)) throw new Error(`${field}: must be one of ${MODEL_KINDS.join(', ')}, got "${String(kind)}"`);
  return kind as ModelKind;
}

function checkId(id: unknown, field = 'id'): number {
  if (!Number.isInteger(id) || (id as number) < 1) throw new Error(`${field}: must be a positive integer, got ${String(id)}`);
  return id as number;
}

/** Serialises registry writes of one kind (promotions, registrations) within the transaction. */
async function lockKind(tx: SqlClient, kind: ModelKind): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [hashString32(`cascade:model-registry:${kind}`) | 0]);
}

/** Registers a complete artefact as the next version of its kind (status `ready`; promotion is separate). */
export async function registerModelVersion(sql: SqlDriver, input: RegisterModelVersionInput): Promise<ModelVersionRecord> {
  const kind = checkModelKind(input?.kind);
  if (typeof input.name !== 'string' || input.name.trim() === '') throw new Error('name: the artefact version name is required');
  if (typeof input.artifactPath !== 'string' || input.artifactPath === '') throw new Error('artifactPath: the artefact folder is required');
  if (!existsSync(input.artifactPath)) throw new Error(`artifactPath: ${input.artifactPath} does not exist (register only complete artefacts)`);
  return sql.transaction(async (tx) => {
    await lockKind(tx, kind);
    const rows = await tx.query<ModelVersionRow>(
      `INSERT INTO model_versions (kind, version, name, status, metrics, hyperparameters, artifact_path, parent_id, job_id, decision)
       SELECT $1, coalesce(max(version), 0) + 1, $2, 'ready', $3::jsonb, $4::jsonb, $5, $6, $7, $8 FROM model_versions WHERE kind = $1
       RETURNING ${COLUMNS}`,
      [
        kind,
        input.name.trim(),
        JSON.stringify(input.metrics ?? {}),
        JSON.stringify(input.hyperparameters ?? {}),
        input.artifactPath,
        input.parentId ?? null,
        input.jobId ?? null,
        input.decision ?? '',
      ],
    );
    return toRecord(rows[0]);
  });
}

export async function getModelVersion(sql: SqlClient, id: number): Promise<ModelVersionRecord | null> {
  const rows = await sql.query<ModelVersionRow>(`SELECT ${COLUMNS} FROM model_versions WHERE id = $1`, [checkId(id)]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The active version of `kind`, or null. */
export async function activeModelVersion(sql: SqlClient, kind: ModelKind): Promise<ModelVersionRecord | null> {
  const rows = await sql.query<ModelVersionRow>(`SELECT ${COLUMNS} FROM model_versions WHERE kind = $1 AND status = 'active' ORDER BY activated_at DESC NULLS LAST, id DESC LIMIT 1`, [
    checkModelKind(kind),
  ]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The active version id of every kind, one cheap query (servers poll it to hot-reload). */
export async function activeModelVersionIds(sql: SqlClient): Promise<Record<ModelKind, number | null>> {
  const rows = await sql.query<{ kind: string; id: number }>(`SELECT kind, max(id) AS id FROM model_versions WHERE status = 'active' GROUP BY kind`);
  const out: Record<ModelKind, number | null> = { recall: null, ranker: null };
  for (const r of rows) if ((MODEL_KINDS as readonly string[]).includes(r.kind)) out[r.kind as ModelKind] = Number(r.id);
  return out;
}

export interface ListModelVersionsOptions {
  kind?: ModelKind;
  limit?: number;
  offset?: number;
}

/** Versions newest first, with the total for pagination. */
export async function listModelVersions(sql: SqlClient, options: ListModelVersionsOptions = {}): Promise<{ rows: ModelVersionRecord[]; total: number }> {
  const kind = options.kind === undefined ? null : checkModelKind(options.kind);
  const limit = options.limit ?? 50;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`limit: must be an integer in [1, 1000], got ${limit}`);
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`offset: must be a non-negative integer, got ${offset}`);
  const rows = await sql.query<ModelVersionRow>(
    `SELECT ${COLUMNS} FROM model_versions WHERE ($1::text IS NULL OR kind = $1) ORDER BY id DESC LIMIT $2 OFFSET $3`,
    [kind, limit, offset],
  );
  const total = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM model_versions WHERE ($1::text IS NULL OR kind = $1)', [kind]);
  return { rows: rows.map(toRecord), total: Number(total[0]?.n ?? 0) };
}

/** Makes version `id` the active one of its kind; the previously active version becomes `retired`. */
export async function promoteModelVersion(sql: SqlDriver, id: number): Promise<ModelVersionRecord> {
  checkId(id);
  const target = await getModelVersion(sql, id);
  if (!target) throw new Error(`id: no model version ${id}`);
  if (target.status === 'failed' || target.status === 'training') throw new Error(`id: version ${target.kind} v${target.version} is ${target.status} and cannot be promoted`);
  if (!target.artifactPath || !existsSync(target.artifactPath)) throw new Error(`id: the artefact of ${target.kind} v${target.version} is missing (${target.artifactPath ?? 'no path'})`);
  return sql.transaction(async (tx) => {
    await lockKind(tx, target.kind);
    await tx.execute(`UPDATE model_versions SET status = 'retired', retired_at = now() WHERE kind = $1 AND status = 'active' AND id <> $2`, [target.kind, id]);
    const rows = await tx.query<ModelVersionRow>(
      `UPDATE model_versions SET status = 'active', activated_at = now(), retired_at = NULL WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    return toRecord(rows[0]);
  });
}

/** Re-activates the version that was active before the current one (the most recently retired one). */
export async function rollbackModel(sql: SqlDriver, kind: ModelKind): Promise<ModelVersionRecord> {
  checkModelKind(kind);
  const active = await activeModelVersion(sql, kind);
  const rows = await sql.query<ModelVersionRow>(
    `SELECT ${COLUMNS} FROM model_versions
      WHERE kind = $1 AND status = 'retired' AND activated_at IS NOT NULL AND ($2::int IS NULL OR id <> $2)
      ORDER BY retired_at DESC NULLS LAST, id DESC LIMIT 1`,
    [kind, active?.id ?? null],
  );
  const previous = rows[0] ? toRecord(rows[0]) : null;
  if (!previous) throw new Error(`kind: no earlier ${kind} version was ever active: nothing to roll back to`);
  return promoteModelVersion(sql, previous.id);
}

/** Records the gate's decision on a registered version (it stays `ready` when not promoted). */
export async function setModelVersionDecision(sql: SqlClient, id: number, decision: string): Promise<void> {
  await sql.execute('UPDATE model_versions SET decision = $2 WHERE id = $1', [checkId(id), decision]);
}
