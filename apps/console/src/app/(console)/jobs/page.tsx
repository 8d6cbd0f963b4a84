'use client';
// Jobs: start imports, training and pipeline runs; their live progress and history; cancel.
import Link from 'next/link';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { DataTable, Pagination } from '../../../components/data-table';
import { JobProgress } from '../../../components/job-progress';
import { PageHeader } from '../../../components/page-header';
import { QueryView } from '../../../components/query-state';
import { StartJobForm } from '../../../components/start-job-form';
import { StatusBadge } from '../../../components/status-badge';
import { errorMessage, formatDate, formatDuration } from '../../../lib/format';
import { useCanEdit } from '../../../lib/session';
import { trpc } from '../../../lib/trpc';
import { useUrlState } from '../../../lib/use-url-state';

const PAGE_SIZE = 25;
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const KINDS = ['pipeline', 'train-recall', 'train-ranker', 'import'] as const;

export default function JobsPage() {
  const url = useUrlState();
  const canEdit = useCanEdit();
  const utils = trpc.useUtils();
  const page = url.getInt('page', 1);
  const status = STATUSES.find((s) => s === url.get('status'));
  const kind = KINDS.find((k) => k === url.get('kind'));
  const jobs = trpc.admin.jobs.list.useQuery(
    { page, pageSize: PAGE_SIZE, status, kind },
    {
      placeholderData: (previous) => previous,
      // live while something runs
      refetchInterval: (query) => (query.state.data?.rows.some((j) => j.status === 'running' || j.status === 'queued') ? 1500 : 10_000),
    },
  );
  const [cancelling, setCancelling] = useState<number | null>(null);
  const cancel = trpc.admin.jobs.cancel.useMutation({
    onSuccess: async () => {
      setCancelling(null);
      await utils.admin.jobs.invalidate();
    },
  });

  return (
    <>
      <PageHeader title="Jobs" description="Imports, training and pipeline runs: start them, follow them, cancel them." />
      {canEdit ? (
        <div className="card">
          <h2>Start a job</h2>
          <StartJobForm />
        </div>
      ) : null}
      <div className="card">
        <div className="card-header">
          <h2>History</h2>
          <div className="row">
          <select aria-label="Kind" value={kind ?? ''} onChange={(e) => url.set({ kind: e.target.value, page: null })}>
            <option value="">All kinds</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <select aria-label="Status" value={status ?? ''} onChange={(e) => url.set({ status: e.target.value, page: null })}>
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          </div>
        </div>
        <QueryView query={jobs} isEmpty={(d) => d.total === 0} empty={status || kind ? 'No job matches these filters.' : 'No jobs have run yet.'}>
          {(data) => (
            <>
              <DataTable
                testId="jobs-table"
                rows={data.rows}
                rowKey={(j) => j.id}
                columns={[
                  { header: 'Job', cell: (j) => <Link href={`/jobs/${j.id}`}>#{j.id}</Link> },
                  { header: 'Kind', cell: (j) => j.kind },
                  { header: 'Status', cell: (j) => <StatusBadge status={j.status} /> },
                  { header: 'Progress', width: '200px', cell: (j) => <JobProgress progress={j.progress} status={j.status} /> },
                  { header: 'Message', wrap: true, cell: (j) => <span className="small">{j.error ?? j.message}</span> },
                  { header: 'Started', cell: (j) => formatDate(j.startedAt ?? j.createdAt) },
                  { header: 'Duration', cell: (j) => formatDuration(j.startedAt, j.finishedAt) },
                  {
                    header: '',
                    cell: (j) =>
                      canEdit && (j.status === 'running' || j.status === 'queued') ? (
                        <button onClick={() => setCancelling(j.id)} disabled={j.cancelRequested}>
                          {j.cancelRequested ? 'Cancelling…' : 'Cancel'}
                        </button>
                      ) : null,
                  },
                ]}
              />
              <Pagination page={page} pageSize={PAGE_SIZE} total={data.total} fetching={jobs.isFetching} onPage={(p) => url.set({ page: p })} />
            </>
          )}
        </QueryView>
      </div>
      {cancelling !== null ? (
        <ConfirmDialog
          title={`Cancel job #${cancelling}?`}
          confirmLabel="Cancel the job"
          danger
          busy={cancel.isPending}
          error={cancel.error ? errorMessage(cancel.error) : null}
          onCancel={() => setCancelling(null)}
          onConfirm={() => cancel.mutate({ id: cancelling })}
        >
          <p>The job stops at its next checkpoint; what it has not finished is discarded.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
