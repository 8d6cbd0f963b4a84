'use client';
// Overview: what the system holds and does — counts, traffic and CTR over time, the active models with
// their offline metrics, and the serving latency per stage.
import Link from 'next/link';
import { useState } from 'react';
import { CtrChart, LatencyChart } from '../../components/charts';
import { DataTable } from '../../components/data-table';
import { MetricsSummary } from '../../components/model-metrics';
import { PageHeader } from '../../components/page-header';
import { Empty, QueryView } from '../../components/query-state';
import { StatusBadge } from '../../components/status-badge';
import { formatDate, formatInt, formatMs, formatPercent } from '../../lib/format';
import { trpc } from '../../lib/trpc';

export default function OverviewPage() {
  const [days, setDays] = useState(30);
  const [placement, setPlacement] = useState('');
  const summary = trpc.admin.overview.summary.useQuery(undefined, { refetchInterval: 10_000 });
  const series = trpc.admin.overview.ctrSeries.useQuery({ days, placement: placement || undefined });
  const placements = trpc.admin.explore.placements.useQuery();
  const totals = series.data?.reduce((acc, d) => ({ impressions: acc.impressions + d.impressions, clicks: acc.clicks + d.clicks }), { impressions: 0, clicks: 0 });

  return (
    <>
      <PageHeader title="Overview" description="What the platform holds and serves right now." />
      <QueryView query={summary} lines={2}>
        {(s) => (
          <div className="grid grid-4" style={{ marginBottom: 18 }}>
            <div className="card" data-testid="count-users">
              <div className="stat-label">Users</div>
              <div className="stat-value">{formatInt(s.counts.users)}</div>
            </div>
            <div className="card" data-testid="count-items">
              <div className="stat-label">Items</div>
              <div className="stat-value">{formatInt(s.counts.items)}</div>
            </div>
            <div className="card" data-testid="count-events">
              <div className="stat-label">Events</div>
              <div className="stat-value">{formatInt(s.counts.events)}</div>
            </div>
            <div className="card">
              <div className="stat-label">CTR, last {days} days</div>
              <div className="stat-value">{totals && totals.impressions > 0 ? formatPercent(totals.clicks / totals.impressions) : '—'}</div>
              <div className="stat-sub">
                {totals ? `${formatInt(totals.clicks)} clicks / ${formatInt(totals.impressions)} impressions` : ' '}
              </div>
            </div>
          </div>
        )}
      </QueryView>

      <div className="card">
        <div className="card-header">
          <h2>Impressions, clicks and CTR</h2>
          <div className="row">
            <select aria-label="Placement" value={placement} onChange={(e) => setPlacement(e.target.value)}>
              <option value="">All placements</option>
              {placements.data?.map((p) => (
                <option key={p.placement} value={p.placement}>
                  {p.placement}
                </option>
              ))}
            </select>
            <select aria-label="Days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {[7, 30, 90, 365].map((d) => (
                <option key={d} value={d}>
                  Last {d} days
                </option>
              ))}
            </select>
          </div>
        </div>
        <QueryView
          query={series}
          isEmpty={(d) => d.every((day) => day.impressions === 0 && day.clicks === 0)}
          empty={
            <>
              No impressions or clicks in the last {days} days{placement ? ` on ${placement}` : ''}.{' '}
              {days < 365 ? (
                <button className="link" onClick={() => setDays(365)}>
                  Show the last 365 days
                </button>
              ) : null}
            </>
          }
        >
          {(data) => <CtrChart data={data} />}
        </QueryView>
      </div>

      <div className="stack">
        <div className="card">
          <div className="card-header">
            <h2>Active models</h2>
            <Link href="/models">All versions →</Link>
          </div>
          <QueryView query={summary} isEmpty={(s) => s.activeModels.length === 0} empty="No active model: train one from the Jobs page.">
            {(s) => (
              <DataTable
                testId="active-models"
                rows={s.activeModels}
                rowKey={(m) => m.id}
                columns={[
                  { header: 'Kind', cell: (m) => m.kind },
                  {
                    header: 'Version',
                    cell: (m) => (
                      <Link href={`/models/${m.id}`}>
                        v{m.version} <span className="muted small">{m.name}</span>
                      </Link>
                    ),
                  },
                  { header: 'Status', cell: (m) => <StatusBadge status={m.status} /> },
                  { header: 'Offline metrics', wrap: true, cell: (m) => <MetricsSummary kind={m.kind} metrics={m.metrics} /> },
                  { header: 'Promotion gate', wrap: true, cell: (m) => <span className="small">{m.decision || '—'}</span> },
                  { header: 'Active since', cell: (m) => formatDate(m.activatedAt) },
                ]}
              />
            )}
          </QueryView>
        </div>
        <div className="card">
          <div className="card-header">
            <h2>Serving latency per stage</h2>
            <span className="muted small">since the server started</span>
          </div>
          <QueryView query={summary}>
            {(s) =>
              s.stageLatency.every((l) => l.count === 0) ? (
                <Empty>No requests served yet: latency appears once the API has served recommendations.</Empty>
              ) : (
                <div className="grid grid-2" style={{ marginBottom: 0, alignItems: 'center' }}>
                  <LatencyChart data={s.stageLatency} />
                  <DataTable
                    testId="stage-latency"
                    rows={s.stageLatency}
                    rowKey={(l) => l.stage}
                    columns={[
                      { header: 'Stage', cell: (l) => l.stage },
                      { header: 'p50', numeric: true, cell: (l) => formatMs(l.p50Ms) },
                      { header: 'p95', numeric: true, cell: (l) => formatMs(l.p95Ms) },
                      { header: 'Requests', numeric: true, cell: (l) => formatInt(l.count) },
                    ]}
                  />
                </div>
              )
            }
          </QueryView>
        </div>
      </div>
    </>
  );
}
