'use client';
// One job: live progress, its log as it grows, parameters and result; cancel while it runs.
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { ConfirmDialog } from '../../../../components/confirm-dialog';
import { JobProgress } from '../../../../components/job-progress';
import { JobResult } from '../../../../components/job-result';
import { KeyValues } from '../../../../components/key-values';
import { PageHeader } from '../../../../components/page-header';
import { QueryView } from '../../../../components/query-state';
import { StatusBadge } from '../../../../components/status-badge';
import { errorMessage, formatDate, formatDuration } from '../../../../lib/format';
import { useCanEdit } from '../../../../lib/session';
import { trpc } from '../../../../lib/trpc';

const live = (status: string | undefined) => status === 'running' || status === 'queued';

export default function JobPage() {
  const id = Number(useParams<{ id: string }>().id);
  const canEdit = useCanEdit();
  const utils = trpc.useUtils();
  const job = trpc.admin.jobs.get.useQuery({ id }, { enabled: Number.isInteger(id) && id > 0, refetchInterval: (q) => (live(q.state.data?.status) ? 1000 : false) });
  const [confirm, setConfirm] = useState(false);
  const cancel = trpc.admin.jobs.cancel.useMutation({
    onSuccess: async () => {
      setConfirm(false);
      await utils.admin.jobs.invalidate();
    },
  });
  const logRef = useRef<HTMLPreElement>(null);
  const log = job.data?.log;
  useEffect(() => {
    // follow the log's tail while it grows
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);
  const j = job.data;
  return (
    <>
      <PageHeader
        crumbs={<Link href="/jobs">Jobs</Link>}
        title={j ? `Job #${j.id} · ${j.kind}` : `Job #${id}`}
        actions={
          j && canEdit && live(j.status) ? (
            <button className="danger" onClick={() => setConfirm(true)} disabled={j.cancelRequested}>
              {j.cancelRequested ? 'Cancelling…' : 'Cancel job'}
            </button>
          ) : null
        }
      />
      <QueryView query={job} lines={8}>
        {(d) => (
          <div className="stack">
            <div className="card" style={{ marginBottom: 0 }}>
              <div className="row" style={{ gap: 24, alignItems: 'center' }}>
                <span data-testid="job-status">
                  <StatusBadge status={d.status} />
                </span>
                <div style={{ flex: 1, minWidth: 220 }}>
                  <JobProgress progress={d.progress} status={d.status} />
                </div>
                <span className="muted small">
                  started {formatDate(d.startedAt)} · finished {formatDate(d.finishedAt)} · {formatDuration(d.startedAt, d.finishedAt ?? (live(d.status) ? new Date() : null))}
                </span>
              </div>
              {d.message ? <p style={{ marginBottom: 0 }}>{d.message}</p> : null}
              {d.error ? <div className="form-error">{d.error}</div> : null}
            </div>
            <div className="card" style={{ marginBottom: 0 }}>
              <h2>Log</h2>
              {d.log ? (
                <pre className="log" ref={logRef} data-testid="job-log">
                  {d.log}
                </pre>
              ) : (
                <div className="state">{live(d.status) ? 'Waiting for the first log line…' : 'This job wrote no log.'}</div>
              )}
            </div>
            <div className="grid grid-2">
              <div className="card">
                <h2>Parameters</h2>
                <KeyValues record={d.params} />
              </div>
              <div className="card">
                <h2>Result</h2>
                {d.result ? <JobResult result={d.result} /> : <div className="state">{live(d.status) ? 'Not finished yet.' : 'No result.'}</div>}
              </div>
            </div>
          </div>
        )}
      </QueryView>
      {confirm && j ? (
        <ConfirmDialog
          title={`Cancel job #${j.id}?`}
          confirmLabel="Cancel the job"
          danger
          busy={cancel.isPending}
          error={cancel.error ? errorMessage(cancel.error) : null}
          onCancel={() => setConfirm(false)}
          onConfirm={() => cancel.mutate({ id: j.id })}
        >
          <p>The job stops at its next checkpoint; what it has not finished is discarded.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
