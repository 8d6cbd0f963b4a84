'use client';
// One model version: metrics against the active version of its kind, training curves, hyperparameters;
// promote it, or roll the kind back to the previously active version (admins, with confirmation).
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { TrainingCurveChart, type CurvePoint } from '../../../../components/charts';
import { ConfirmDialog } from '../../../../components/confirm-dialog';
import { KeyValues } from '../../../../components/key-values';
import { HEADLINE_METRICS, metricValue } from '../../../../components/model-metrics';
import { PageHeader } from '../../../../components/page-header';
import { Empty, QueryView } from '../../../../components/query-state';
import { StatusBadge } from '../../../../components/status-badge';
import { errorMessage, formatDate, formatInt, formatNumber } from '../../../../lib/format';

const formatMetric = (v: number | undefined) => (v !== undefined && Number.isInteger(v) ? formatInt(v) : formatNumber(v, 4));
import { useCanEdit } from '../../../../lib/session';
import { trpc } from '../../../../lib/trpc';

/** This version's numeric metrics, headline ones first, with the active version's figure and the difference
 *  where the API compared them (on the holdout both were measured on, when they shared one). */
function metricRows(kind: string, mine: Record<string, unknown>, differences: { metric: string; active: number; difference: number }[]) {
  const headline = HEADLINE_METRICS[kind] ?? [];
  const keys = new Set<string>(headline.map((m) => m.key));
  for (const [k, v] of Object.entries(mine)) if (typeof v === 'number') keys.add(k);
  return [...keys].map((key) => {
    const info = headline.find((m) => m.key === key);
    const compared = differences.find((d) => d.metric === key);
    const diff = compared?.difference;
    const better = diff === undefined || diff === 0 || !info ? undefined : info.higherIsBetter ? diff > 0 : diff < 0;
    return { key, label: info?.label ?? key, value: metricValue(mine, key), current: compared?.active, diff, better };
  });
}

/** The training curve stored with the metrics (`curve: {epoch, …}[]`), if any. */
function curveOf(metrics: Record<string, unknown>): CurvePoint[] {
  const curve = metrics.curve;
  if (!Array.isArray(curve)) return [];
  return curve
    .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null && typeof (p as { epoch?: unknown }).epoch === 'number')
    .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => typeof v === 'number')) as CurvePoint);
}

export default function ModelVersionPage() {
  const id = Number(useParams<{ id: string }>().id);
  const canEdit = useCanEdit();
  const utils = trpc.useUtils();
  const model = trpc.admin.models.get.useQuery({ id }, { enabled: Number.isInteger(id) && id > 0 });
  const [confirm, setConfirm] = useState<'promote' | 'rollback' | null>(null);
  const onDone = async () => {
    setConfirm(null);
    await utils.admin.models.invalidate();
    await utils.admin.overview.invalidate();
  };
  const promote = trpc.admin.models.promote.useMutation({ onSuccess: onDone });
  const rollback = trpc.admin.models.rollback.useMutation({ onSuccess: onDone });
  const v = model.data?.version;
  const active = model.data?.active ?? null;

  return (
    <>
      <PageHeader
        crumbs={<Link href="/models">Models</Link>}
        title={v ? `${v.kind} v${v.version}` : `Model version ${id}`}
        description={v ? <span className="mono">{v.name}</span> : undefined}
        actions={
          v && canEdit ? (
            <>
              {v.status !== 'active' && v.status !== 'failed' && v.status !== 'training' ? (
                <button className="primary" onClick={() => setConfirm('promote')}>
                  Promote
                </button>
              ) : null}
              {v.status === 'active' ? (
                <button className="danger" onClick={() => setConfirm('rollback')}>
                  Roll back {v.kind}
                </button>
              ) : null}
            </>
          ) : null
        }
      />
      {promote.isSuccess ? <div className="form-ok" style={{ marginBottom: 16 }}>Promoted: {promote.data.kind} v{promote.data.version} now serves.</div> : null}
      {rollback.isSuccess ? <div className="form-ok" style={{ marginBottom: 16 }}>Rolled back: {rollback.data.kind} v{rollback.data.version} serves again.</div> : null}
      <QueryView query={model} lines={8}>
        {(d) => {
          const rows = metricRows(d.version.kind, d.version.metrics, d.differences);
          const curve = curveOf(d.version.metrics);
          const compared = d.active && d.active.id !== d.version.id;
          return (
            <div className="stack">
              <div className="grid grid-2">
                <div className="card">
                  <h2>Version</h2>
                  <dl className="kv">
                    <dt>Status</dt>
                    <dd>
                      <StatusBadge status={d.version.status} />
                    </dd>
                    <dt>Created</dt>
                    <dd>{formatDate(d.version.createdAt)}</dd>
                    <dt>Activated</dt>
                    <dd>{formatDate(d.version.activatedAt)}</dd>
                    <dt>Retired</dt>
                    <dd>{formatDate(d.version.retiredAt)}</dd>
                    <dt>Training job</dt>
                    <dd>{d.version.jobId ? <Link href={`/jobs/${d.version.jobId}`}>#{d.version.jobId}</Link> : '—'}</dd>
                    <dt>Promotion gate</dt>
                    <dd>{d.version.decision || '—'}</dd>
                    <dt>Artefact</dt>
                    <dd className="mono small">{d.version.artifactPath ?? '—'}</dd>
                  </dl>
                </div>
                <div className="card">
                  <h2>Metrics {compared ? `vs the active version (v${d.active!.version})${d.sameHoldout ? ', on the same holdout' : ''}` : ''}</h2>
                  {!compared ? (
                    <p className="muted small" style={{ marginTop: -6 }}>
                      {d.version.status === 'active' ? 'This version is the active one.' : `No active ${d.version.kind} version to compare with.`}
                    </p>
                  ) : null}
                  <table className="table" data-testid="model-metrics">
                    <thead>
                      <tr>
                        <th>Metric</th>
                        <th className="num">This version</th>
                        {compared ? <th className="num">Active</th> : null}
                        {compared ? <th className="num">Difference</th> : null}
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((r) => (
                        <tr key={r.key}>
                          <td>{r.label}</td>
                          <td className="num">{formatMetric(r.value)}</td>
                          {compared ? <td className="num">{formatMetric(r.current)}</td> : null}
                          {compared ? (
                            <td className={`num ${r.better === true ? 'delta-up' : r.better === false ? 'delta-down' : ''}`}>
                              {r.diff === undefined ? '—' : `${r.diff > 0 ? '+' : ''}${formatMetric(r.diff)}`}
                            </td>
                          ) : null}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
              <div className="card">
                <h2>Training curve</h2>
                {curve.length > 0 ? <TrainingCurveChart data={curve} /> : <Empty>This version recorded no per-epoch curve.</Empty>}
              </div>
              <div className="card">
                <h2>Hyperparameters</h2>
                <KeyValues record={d.version.hyperparameters} testId="hyperparameters" />
              </div>
            </div>
          );
        }}
      </QueryView>
      {confirm === 'promote' && v ? (
        <ConfirmDialog
          title={`Promote ${v.kind} v${v.version}?`}
          confirmLabel="Promote"
          busy={promote.isPending}
          error={promote.error ? errorMessage(promote.error) : null}
          onCancel={() => setConfirm(null)}
          onConfirm={() => promote.mutate({ id: v.id })}
        >
          <p>
            It replaces {active && active.id !== v.id ? `v${active.version}` : 'no active version'} as the served {v.kind} model; the servers reload it at once. You can roll back
            afterwards.
          </p>
        </ConfirmDialog>
      ) : null}
      {confirm === 'rollback' && v ? (
        <ConfirmDialog
          title={`Roll back the ${v.kind} model?`}
          confirmLabel="Roll back"
          danger
          busy={rollback.isPending}
          error={rollback.error ? errorMessage(rollback.error) : null}
          onCancel={() => setConfirm(null)}
          onConfirm={() => rollback.mutate({ kind: v.kind })}
        >
          <p>v{v.version} is retired and the previously active {v.kind} version serves again.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
