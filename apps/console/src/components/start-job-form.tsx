'use client';
// Starts an import, training, index or full pipeline job with its parameters (admins only).
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../lib/format';
import { trpc, type RouterInputs } from '../lib/trpc';

type StartInput = RouterInputs['admin']['jobs']['start'];
type JobKind = StartInput['kind'];

const KINDS: { kind: JobKind; label: string; hint: string; params: Record<string, unknown> }[] = [
  {
    kind: 'pipeline',
    label: 'Full pipeline',
    hint: 'Trains recall (ALS + HNSW index) and the ranker on a time-based holdout, compares them with the active versions and promotes what passes the gate.',
    params: { promote: true },
  },
  { kind: 'train-recall', label: 'Train recall (ALS + index)', hint: 'Trains a new ALS recall version and builds its HNSW index; promote it from the Models page.', params: { promote: false } },
  { kind: 'train-ranker', label: 'Train ranker', hint: 'Trains a new ranker version (deepfm, fm or lr) on impressions and clicks; promote it from the Models page.', params: { promote: false, ranker: { model: 'deepfm', epochs: 3 } } },
  { kind: 'import', label: 'Import data', hint: 'Imports a dataset file or folder on the server into the database.', params: {} },
];

const IMPORT_FORMATS = ['movielens-100k', 'movielens-1m', 'movielens-latest', 'criteo', 'events', 'items', 'users'];

export function StartJobForm() {
  const router = useRouter();
  const utils = trpc.useUtils();
  const [kind, setKind] = useState<JobKind>('train-ranker');
  const [params, setParams] = useState(JSON.stringify(KINDS.find((k) => k.kind === 'train-ranker')!.params));
  const [paramsError, setParamsError] = useState<string | null>(null);
  const [format, setFormat] = useState(IMPORT_FORMATS[0]);
  const [importPath, setImportPath] = useState('');
  const start = trpc.admin.jobs.start.useMutation({
    onSuccess: async (job) => {
      await utils.admin.jobs.invalidate();
      router.push(`/jobs/${job.id}`);
    },
  });
  const info = KINDS.find((k) => k.kind === kind)!;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (kind === 'import') {
      if (!importPath.trim()) return setParamsError('Path: the file or folder to import (on the server) is required.');
      setParamsError(null);
      return start.mutate({ kind, params: { format, path: importPath.trim() } });
    }
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
              setParams(JSON.stringify(KINDS.find((k) => k.kind === next)!.params));
            }}
          >
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        {kind === 'import' ? (
          <>
            <label className="field">
              Format
              <select aria-label="Import format" value={format} onChange={(e) => setFormat(e.target.value)}>
                {IMPORT_FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
            <label className="field" style={{ flex: 1, minWidth: 260 }}>
              Path on the server
              <input aria-label="Import path" value={importPath} onChange={(e) => setImportPath(e.target.value)} placeholder="/data/ml-100k" />
            </label>
          </>
        ) : (
          <label className="field" style={{ flex: 1, minWidth: 260 }}>
            Parameters (JSON)
            <textarea aria-label="Parameters" rows={2} value={params} onChange={(e) => setParams(e.target.value)} />
          </label>
        )}
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
