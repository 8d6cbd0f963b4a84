'use client';
// Model versions: every trained recall and ranker version with its offline metrics and status.
import Link from 'next/link';
import { DataTable, Pagination } from '../../../components/data-table';
import { MetricsSummary } from '../../../components/model-metrics';
import { PageHeader } from '../../../components/page-header';
import { QueryView } from '../../../components/query-state';
import { StatusBadge } from '../../../components/status-badge';
import { formatDate } from '../../../lib/format';
import { trpc } from '../../../lib/trpc';
import { useUrlState } from '../../../lib/use-url-state';

const PAGE_SIZE = 25;

export default function ModelsPage() {
  const url = useUrlState();
  const page = url.getInt('page', 1);
  const kind = url.get('kind');
  const versions = trpc.admin.models.list.useQuery(
    { kind: kind === 'recall' || kind === 'ranker' ? kind : undefined, page, pageSize: PAGE_SIZE },
    { placeholderData: (previous) => previous, refetchInterval: 10_000 },
  );
  return (
    <>
      <PageHeader title="Models" description="Trained versions of the recall model (ALS + HNSW index) and the ranker (DeepFM), with their offline metrics." />
      <div className="card">
        <div className="tabs" role="tablist">
          {[
            ['', 'All'],
            ['recall', 'Recall'],
            ['ranker', 'Ranker'],
          ].map(([value, label]) => (
            <button key={value} role="tab" className={kind === value ? 'active' : undefined} onClick={() => url.set({ kind: value, page: null })}>
              {label}
            </button>
          ))}
        </div>
        <QueryView query={versions} isEmpty={(d) => d.total === 0} empty="No model versions yet: start a training job from the Jobs page.">
          {(data) => (
            <>
              <DataTable
                testId="models-table"
                rows={data.rows}
                rowKey={(v) => v.id}
                highlight={(v) => v.status === 'active'}
                columns={[
                  { header: 'Version', cell: (v) => <Link href={`/models/${v.id}`}>{`${v.kind} v${v.version}`}</Link> },
                  { header: 'Name', wrap: true, cell: (v) => <span className="mono small">{v.name}</span> },
                  { header: 'Status', cell: (v) => <StatusBadge status={v.status} /> },
                  { header: 'Offline metrics', cell: (v) => <MetricsSummary kind={v.kind} metrics={v.metrics} /> },
                  { header: 'Created', cell: (v) => formatDate(v.createdAt) },
                  { header: 'Activated', cell: (v) => formatDate(v.activatedAt) },
                  { header: 'Job', cell: (v) => (v.jobId ? <Link href={`/jobs/${v.jobId}`}>#{v.jobId}</Link> : <span className="muted">—</span>) },
                ]}
              />
              <Pagination page={page} pageSize={PAGE_SIZE} total={data.total} fetching={versions.isFetching} onPage={(p) => url.set({ page: p })} />
            </>
          )}
        </QueryView>
      </div>
    </>
  );
}
