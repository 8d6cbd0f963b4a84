// A finished job's result: the model versions it registered (with links), its stage timings, and the rest
// as a definition list.
import Link from 'next/link';
import { DataTable } from './data-table';
import { KeyValues } from './key-values';

interface VersionOutcome {
  id: number;
  kind: string;
  version: number;
  name: string;
  promoted?: boolean;
  decision?: string;
}

interface StageTiming {
  name: string;
  seconds: number;
}

const isVersion = (v: unknown): v is VersionOutcome =>
  typeof v === 'object' && v !== null && typeof (v as VersionOutcome).id === 'number' && typeof (v as VersionOutcome).kind === 'string';
const isStage = (v: unknown): v is StageTiming => typeof v === 'object' && v !== null && typeof (v as StageTiming).name === 'string' && typeof (v as StageTiming).seconds === 'number';

export function JobResult({ result }: { result: Record<string, unknown> }) {
  const { versions, stages, ...rest } = result;
  const versionRows = Array.isArray(versions) ? versions.filter(isVersion) : [];
  const stageRows = Array.isArray(stages) ? stages.filter(isStage) : [];
  return (
    <div className="stack" data-testid="job-result">
      {versionRows.length > 0 ? (
        <DataTable
          rows={versionRows}
          rowKey={(v) => v.id}
          columns={[
            { header: 'Version', cell: (v) => <Link href={`/models/${v.id}`}>{`${v.kind} v${v.version}`}</Link> },
            { header: 'Promoted', cell: (v) => (v.promoted ? <span className="badge ok">promoted</span> : <span className="badge">not promoted</span>) },
            { header: 'Decision', wrap: true, cell: (v) => <span className="small">{v.decision ?? '—'}</span> },
          ]}
        />
      ) : null}
      {stageRows.length > 0 ? (
        <div className="small">
          <span className="muted">Stages </span>
          {stageRows.map((s) => `${s.name} ${s.seconds.toFixed(1)} s`).join(' · ')}
        </div>
      ) : null}
      {Object.keys(rest).length > 0 ? <KeyValues record={rest} /> : null}
    </div>
  );
}
