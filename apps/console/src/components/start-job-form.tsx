'use client';
// Starts an import, training, index or full pipeline job with its parameters (admins only).
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../lib/format';
import { trpc, type RouterInputs } from '../lib/trpc';

type StartInput = RouterInputs['admin']['jobs']['start'];
type JobKind = StartInput['kind'];

const KINDS: { kind: JobKind; label: string; hint: string; params: Record<string, unknown> }[] = [
  { kind: 'pipeline', label: 'Full pipeline', hint: 'Train recall, build its index, train the ranker, and promote what passes the gate.', params: {} },
  { kind: 'train-recall', label: 'Train recall (ALS)', hint: 'Trains a new ALS recall version from the events and indexes it.', params: {} },
  { kind: 'train-ranker', label: 'Train ranker (DeepFM)', hint: 'Trains a new DeepFM ranker version on the impressions and clicks.', params: {} },
  { kind: 'build-index', label: 'Build HNSW index', hint: 'Rebuilds the HNSW index of the active recall version.', params: {} },
  { kind: 'import', label: 'Import data', hint: 'Imports a dataset into the database.', params: { dataset: 'movielens-100k' } },
];

export function StartJobForm() {
  const router = useRouter();
  const utils = trpc.useUtils();
  const [kind, setKind] = useState<JobKind>('train-ranker');
  const [params, setParams] = useState(JSON.stringify(KINDS.find((k) => k.kind === 'train-ranker')!.params, null, 2));
  const [paramsError, setParamsError] = useState<string | null>(null);
  const start = trpc.admin.jobs.start.useMutation({
    onSuccess: async (job) => {
      await utils.admin.jobs.invalidate();
      router.push(`/jobs/${job.id}`);
    },
  });
  const info = KINDS.find((k) => k.kind === kind)!;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = params.trim() ? JSON.parse(params) : {};
    } catch (error) {
      return setParamsError(`Parameters are not valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return setParamsError('Parameters must be a JSON object.');
    setParamsError(null);
    start.mutate({ kind, params: parsed as StartInput['params'] });
  };
  return (
    <form onSubmit={submit} aria-label="Start a job">
      <div className="toolbar">
        <label className="field">
          Job
          <select
            aria-label="Job kind"
            value={kind}
            onChange={(e) => {
              const next = e.target.value as JobKind;
              setKind(next);
              setParams(JSON.stringify(KINDS.find((k) => k.kind === next)!.params, null, 2));
            }}
          >
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field" style={{ flex: 1, minWidth: 260 }}>
          Parameters (JSON)
          <textarea aria-label="Parameters" rows={2} value={params} onChange={(e) => setParams(e.target.value)} />
        </label>
        <button className="primary" type="submit" disabled={start.isPending}>
          {start.isPending ? 'Starting…' : 'Start job'}
        </button>
      </div>
      <div className="muted small">{info.hint}</div>
      {paramsError ? <div className="form-error">{paramsError}</div> : null}
      {start.error ? <div className="form-error">{errorMessage(start.error)}</div> : null}
    </form>
  );
}
