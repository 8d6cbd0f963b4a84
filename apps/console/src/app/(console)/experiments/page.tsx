'use client';
// A/B experiments: every experiment with its state; create a new one.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { CreateExperimentForm } from '../../../components/create-experiment-form';
import { DataTable } from '../../../components/data-table';
import { PageHeader } from '../../../components/page-header';
import { QueryView } from '../../../components/query-state';
import { StatusBadge } from '../../../components/status-badge';
import { formatDate } from '../../../lib/format';
import { useCanEdit } from '../../../lib/session';
import { trpc } from '../../../lib/trpc';

export default function ExperimentsPage() {
  const router = useRouter();
  const canEdit = useCanEdit();
  const [creating, setCreating] = useState(false);
  const experiments = trpc.admin.experiments.list.useQuery(undefined, { refetchInterval: 10_000 });
  return (
    <>
      <PageHeader
        title="Experiments"
        description="A/B tests between exploration policies on a placement, with per-variant CTR and a sequential significance test."
        actions={canEdit && !creating ? <button className="primary" onClick={() => setCreating(true)}>New experiment</button> : null}
      />
      {creating ? (
        <div className="card">
          <div className="card-header">
            <h2>New experiment</h2>
            <button className="link" onClick={() => setCreating(false)}>
              Close
            </button>
          </div>
          <CreateExperimentForm onCreated={(key) => router.push(`/experiments/${encodeURIComponent(key)}`)} />
        </div>
      ) : null}
      <div className="card">
        <QueryView query={experiments} isEmpty={(d) => d.length === 0} empty="No experiments yet.">
          {(rows) => (
            <DataTable
              testId="experiments-table"
              rows={rows}
              rowKey={(e) => e.key}
              columns={[
                { header: 'Key', cell: (e) => <Link href={`/experiments/${encodeURIComponent(e.key)}`}>{e.key}</Link> },
                { header: 'Name', wrap: true, cell: (e) => e.description },
                { header: 'Placement', cell: (e) => e.placement ?? '—' },
                { header: 'Variants', cell: (e) => e.variants.map((v) => v.name).join(' vs ') },
                { header: 'Status', cell: (e) => <StatusBadge status={e.status} /> },
                { header: 'Started', cell: (e) => formatDate(e.startedAt) },
                { header: 'Stopped', cell: (e) => formatDate(e.stoppedAt) },
                { header: 'Winner', cell: (e) => e.winner ?? '—' },
              ]}
            />
          )}
        </QueryView>
      </div>
    </>
  );
}
