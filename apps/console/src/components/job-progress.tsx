// A job's progress bar with its percentage.
export function JobProgress({ progress, status }: { progress: number; status: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, progress)) * 100);
  const colour = status === 'failed' ? 'var(--danger)' : status === 'succeeded' ? 'var(--ok)' : status === 'cancelled' ? '#98a2b3' : undefined;
  return (
    <div className="row" style={{ gap: 8, flexWrap: 'nowrap' }}>
      <div className="progress" style={{ flex: 1 }} role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${pct}%`, background: colour }} />
      </div>
      <span className="small muted" style={{ width: 36, textAlign: 'right' }}>
        {pct}%
      </span>
    </div>
  );
}
