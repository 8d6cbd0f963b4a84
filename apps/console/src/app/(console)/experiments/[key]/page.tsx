'use client';
// One experiment: per-variant CTR with confidence intervals, the significance decision, start and stop.
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { IntervalChart } from '../../../../components/charts';
import { ConfirmDialog } from '../../../../components/confirm-dialog';
import { DataTable } from '../../../../components/data-table';
import { PageHeader } from '../../../../components/page-header';
import { QueryView } from '../../../../components/query-state';
import { StatusBadge } from '../../../../components/status-badge';
import { errorMessage, formatDate, formatInt, formatNumber, formatPercent } from '../../../../lib/format';
import { describePolicy } from '../../../../lib/policy-form';
import { useCanEdit } from '../../../../lib/session';
import { trpc, type RouterOutputs } from '../../../../lib/trpc';

type ExperimentDetail = RouterOutputs['admin']['experiments']['get'];

const VERDICT: Record<string, { tone: string; label: string }> = {
  winner: { tone: 'ok', label: 'significant' },
  'no-difference': { tone: '', label: 'no significant difference' },
  continue: { tone: 'warn', label: 'keep collecting' },
};

/** The decision rule's verdict now, and each treatment's difference from the control with its test. */
function Decision({ decision, rule }: { decision: ExperimentDetail['decision']; rule: ExperimentDetail['experiment']['decisionRule'] }) {
  const verdict = VERDICT[decision.status] ?? { tone: '', label: decision.status };
  return (
    <div data-testid="experiment-decision">
      <div className="row" style={{ marginBottom: 8 }}>
        <span className={`badge ${verdict.tone}`}>{verdict.label}</span>
        {decision.winner ? (
          <span>
            winner <strong>{decision.winner}</strong>
          </span>
        ) : null}
      </div>
      <p style={{ marginTop: 0 }}>{decision.reason}</p>
      <p className="muted small">
        {rule.kind === 'sequential' ? 'Sequential test (always-valid p-values: safe to look at any time)' : 'Fixed-horizon test'} · α {rule.alpha ?? 0.05} · baseline CTR{' '}
        {formatPercent(rule.baselineRate)} · minimum detectable lift {formatPercent(rule.minimumDetectableLift, 0)}
        {decision.requiredImpressionsPerVariant ? ` · ${formatInt(decision.requiredImpressionsPerVariant)} impressions per variant needed` : ''}
      </p>
      {decision.comparisons.length > 0 ? (
        <DataTable
          rows={decision.comparisons}
          rowKey={(c) => c.variant}
          columns={[
            { header: 'Variant vs control', cell: (c) => c.variant },
            { header: 'Difference', numeric: true, cell: (c) => `${c.difference > 0 ? '+' : ''}${formatPercent(c.difference)}` },
            { header: '95% interval', numeric: true, cell: (c) => `${formatPercent(c.lower)} – ${formatPercent(c.upper)}` },
            { header: 'z', numeric: true, cell: (c) => formatNumber(c.z, 2) },
            { header: 'p-value', numeric: true, cell: (c) => formatNumber(c.alwaysValidPValue ?? c.pValue, 4) },
          ]}
        />
      ) : null}
    </div>
  );
}

export default function ExperimentPage() {
  const key = decodeURIComponent(useParams<{ key: string }>().key);
  const canEdit = useCanEdit();
  const utils = trpc.useUtils();
  const experiment = trpc.admin.experiments.get.useQuery({ key }, { refetchInterval: (q) => (q.state.data?.experiment.status === 'running' ? 5000 : false) });
  const [confirm, setConfirm] = useState<'start' | 'stop' | null>(null);
  const [winner, setWinner] = useState('');
  const refresh = async () => {
    setConfirm(null);
    await utils.admin.experiments.invalidate();
  };
  const start = trpc.admin.experiments.start.useMutation({ onSuccess: refresh });
  const stop = trpc.admin.experiments.stop.useMutation({ onSuccess: refresh });
  const record = experiment.data?.experiment;

  return (
    <>
      <PageHeader
        crumbs={<Link href="/experiments">Experiments</Link>}
        title={record ? record.description || record.key : key}
        description={record ? <span className="mono">{record.key}</span> : undefined}
        actions={
          record && canEdit ? (
            <>
              {record.status === 'draft' ? (
                <button className="primary" onClick={() => setConfirm('start')}>
                  Start
                </button>
              ) : null}
              {record.status === 'running' ? (
                <button className="danger" onClick={() => setConfirm('stop')}>
                  Stop
                </button>
              ) : null}
            </>
          ) : null
        }
      />
      <QueryView query={experiment} lines={8}>
        {(d) => (
          <div className="stack">
            <div className="grid grid-2">
              <div className="card">
                <h2>Experiment</h2>
                <dl className="kv">
                  <dt>Status</dt>
                  <dd data-testid="experiment-status">
                    <StatusBadge status={d.experiment.status} />
                  </dd>
                  <dt>Placement</dt>
                  <dd>{d.experiment.placement ?? '—'}</dd>
                  <dt>Created</dt>
                  <dd>{formatDate(d.experiment.createdAt)}</dd>
                  <dt>Started</dt>
                  <dd>{formatDate(d.experiment.startedAt)}</dd>
                  <dt>Stopped</dt>
                  <dd>{formatDate(d.experiment.stoppedAt)}</dd>
                  <dt>Winner</dt>
                  <dd>{d.experiment.winner ?? '—'}</dd>
                </dl>
                <h3 style={{ marginTop: 16 }}>Variants</h3>
                <ul style={{ margin: 0, paddingLeft: 18 }}>
                  {d.experiment.variants.map((v, i) => (
                    <li key={v.name}>
                      <strong>{v.name}</strong>
                      {i === 0 ? ' (control)' : ''} · weight {v.weight} · {v.config?.policy ? describePolicy(v.config.policy as Record<string, unknown>) : 'serving default'}
                    </li>
                  ))}
                </ul>
              </div>
              <div className="card">
                <h2>Decision</h2>
                <Decision decision={d.decision} rule={d.experiment.decisionRule} />
              </div>
            </div>
            <div className="card">
              <div className="card-header">
                <h2>Per-variant CTR</h2>
                <span className="muted small">dots show CTR, whiskers its 95% interval</span>
              </div>
              {d.variants.every((v) => v.impressions === 0) ? (
                <div className="state" data-state="empty">
                  No impressions yet{d.experiment.status === 'draft' ? ': start the experiment to split the traffic' : ''}.
                </div>
              ) : (
                <IntervalChart testId="variant-chart" data={d.variants.map((v) => ({ name: v.variant, ctr: v.ctr, lower: v.lower, upper: v.upper }))} />
              )}
              <DataTable
                testId="variant-stats"
                rows={d.variants}
                rowKey={(v) => v.variant}
                columns={[
                  { header: 'Variant', cell: (v) => v.variant },
                  { header: 'Impressions', numeric: true, cell: (v) => formatInt(v.impressions) },
                  { header: 'Clicks', numeric: true, cell: (v) => formatInt(v.clicks) },
                  { header: 'CTR', numeric: true, cell: (v) => formatPercent(v.ctr) },
                  { header: '95% interval', numeric: true, cell: (v) => `${formatPercent(v.lower)} – ${formatPercent(v.upper)}` },
                ]}
              />
            </div>
          </div>
        )}
      </QueryView>
      {confirm === 'start' && record ? (
        <ConfirmDialog
          title={`Start “${record.key}”?`}
          confirmLabel="Start"
          busy={start.isPending}
          error={start.error ? errorMessage(start.error) : null}
          onCancel={() => setConfirm(null)}
          onConfirm={() => start.mutate({ key: record.key })}
        >
          <p>Requests on {record.placement ?? 'its placement'} are split between the variants from now on.</p>
        </ConfirmDialog>
      ) : null}
      {confirm === 'stop' && record ? (
        <ConfirmDialog
          title={`Stop “${record.key}”?`}
          confirmLabel="Stop"
          danger
          busy={stop.isPending}
          error={stop.error ? errorMessage(stop.error) : null}
          onCancel={() => setConfirm(null)}
          onConfirm={() => stop.mutate({ key: record.key, winner: winner || undefined })}
        >
          <p>The placement goes back to its own policy. Optionally record the winning variant.</p>
          <label className="field">
            Winner
            <select aria-label="Winner" value={winner} onChange={(e) => setWinner(e.target.value)}>
              <option value="">No winner</option>
              {record.variants.map((v) => (
                <option key={v.name} value={v.name}>
                  {v.name}
                </option>
              ))}
            </select>
          </label>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
