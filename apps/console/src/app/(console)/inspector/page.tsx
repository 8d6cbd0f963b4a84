'use client';
// Recommendation inspector: run the live pipeline for a user, placement and context and see every stage;
// or run it twice with two model versions and compare the lists side by side.
import { useState, type FormEvent } from 'react';
import { PageHeader } from '../../../components/page-header';
import { Empty, QueryView } from '../../../components/query-state';
import { formatNumber } from '../../../lib/format';
import { trpc, type RouterInputs } from '../../../lib/trpc';
import { useUrlState } from '../../../lib/use-url-state';
import { FinalList, InspectionView, RunSummary } from './inspection-view';

type RunInput = RouterInputs['admin']['inspector']['run'];

interface VersionChoice {
  recall: string;
  ranker: string;
}

function VersionSelect({ kind, value, onChange, label }: { kind: 'recall' | 'ranker'; value: string; onChange: (v: string) => void; label: string }) {
  const versions = trpc.admin.models.list.useQuery({ kind, page: 1, pageSize: 100 });
  return (
    <label className="field">
      {label}
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} style={{ maxWidth: 240 }}>
        <option value="">Served (active)</option>
        {versions.data?.rows
          .filter((v) => v.status !== 'failed' && v.status !== 'training')
          .map((v) => (
            <option key={v.id} value={String(v.id)}>
              v{v.version} {v.name} ({v.status})
            </option>
          ))}
      </select>
    </label>
  );
}

function withVersions(base: RunInput, choice: VersionChoice): RunInput {
  return {
    ...base,
    recallModelVersionId: choice.recall ? Number(choice.recall) : undefined,
    rankerModelVersionId: choice.ranker ? Number(choice.ranker) : undefined,
  };
}

function InspectorRun({ input, testId }: { input: RunInput; testId?: string }) {
  const run = trpc.admin.inspector.run.useQuery(input, { staleTime: Infinity, gcTime: 0 });
  return (
    <div data-testid={testId}>
      <QueryView query={run} lines={8}>
        {(result) => <InspectionView result={result} />}
      </QueryView>
    </div>
  );
}

function CompareRuns({ a, b }: { a: RunInput; b: RunInput }) {
  const left = trpc.admin.inspector.run.useQuery(a, { staleTime: Infinity, gcTime: 0 });
  const right = trpc.admin.inspector.run.useQuery(b, { staleTime: Infinity, gcTime: 0 });
  const leftIds = new Set(left.data?.final.map((r) => r.itemId) ?? []);
  const rightIds = new Set(right.data?.final.map((r) => r.itemId) ?? []);
  const overlap = [...leftIds].filter((id) => rightIds.has(id)).length;
  return (
    <div className="stack">
      {left.data && right.data ? (
        <div className="card" style={{ marginBottom: 0 }}>
          <strong>{overlap}</strong> of {Math.max(leftIds.size, rightIds.size)} items appear in both lists; items only in one list are highlighted. Mean pCTR{' '}
          {formatNumber(mean(left.data.final.map((r) => r.pctr)), 4)} (A) vs {formatNumber(mean(right.data.final.map((r) => r.pctr)), 4)} (B).
        </div>
      ) : null}
      <div className="compare" data-testid="compare">
        {(
          [
            ['A', left, rightIds],
            ['B', right, leftIds],
          ] as const
        ).map(([name, query, other]) => (
          <div key={name} className="card">
            <h2>Version {name}</h2>
            <QueryView query={query} lines={8}>
              {(result) => (
                <div className="stack">
                  <RunSummary result={result} />
                  <FinalList result={result} testId={`final-list-${name}`} highlight={(id) => !other.has(id)} compact />
                </div>
              )}
            </QueryView>
          </div>
        ))}
      </div>
    </div>
  );
}

function mean(values: (number | null)[]): number | undefined {
  const xs = values.filter((v): v is number => typeof v === 'number');
  return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : undefined;
}

export default function InspectorPage() {
  const url = useUrlState();
  const placements = trpc.admin.explore.placements.useQuery();
  const [mode, setMode] = useState<'inspect' | 'compare'>('inspect');
  const [userId, setUserId] = useState(url.get('user'));
  const [placement, setPlacement] = useState(url.get('placement', 'home'));
  const [k, setK] = useState(10);
  const [category, setCategory] = useState('');
  const [contextValues, setContextValues] = useState('');
  const [a, setA] = useState<VersionChoice>({ recall: '', ranker: '' });
  const [b, setB] = useState<VersionChoice>({ recall: '', ranker: '' });
  const [submitted, setSubmitted] = useState<{ base: RunInput; a: VersionChoice; b: VersionChoice; mode: 'inspect' | 'compare'; n: number } | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!userId.trim()) return setFormError('Choose a user id.');
    if (!placement.trim()) return setFormError('Choose a placement.');
    if (!Number.isInteger(k) || k < 1 || k > 100) return setFormError('k must be a whole number from 1 to 100.');
    let values: Record<string, string | number | boolean | null> | undefined;
    if (contextValues.trim()) {
      try {
        values = JSON.parse(contextValues) as Record<string, string | number | boolean | null>;
      } catch (error) {
        return setFormError(`Context values are not valid JSON: ${(error as Error).message}`);
      }
      if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.values(values).some((v) => typeof v === 'object' && v !== null)) {
        return setFormError('Context values must be a JSON object of strings, numbers, booleans or null, e.g. {"device": "mobile"}.');
      }
    }
    setFormError(null);
    url.set({ user: userId.trim(), placement: placement.trim() });
    const context = category.trim() || values ? { category: category.trim() || undefined, values } : undefined;
    const base: RunInput = { userId: userId.trim(), placement: placement.trim(), k, context };
    setSubmitted({ base, a, b, mode, n: (submitted?.n ?? 0) + 1 });
  };

  return (
    <>
      <PageHeader title="Recommendation inspector" description="Runs the live pipeline (no impressions are logged) and shows what every stage did." />
      <div className="card">
        <div className="tabs" role="tablist">
          <button role="tab" className={mode === 'inspect' ? 'active' : undefined} onClick={() => setMode('inspect')}>
            Inspect one request
          </button>
          <button role="tab" className={mode === 'compare' ? 'active' : undefined} onClick={() => setMode('compare')}>
            Compare two model versions
          </button>
        </div>
        <form onSubmit={submit} aria-label="Inspector">
          <div className="toolbar" style={{ marginBottom: 0 }}>
            <label className="field">
              User id
              <input name="userId" aria-label="User id" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="user-1" />
            </label>
            <label className="field">
              Placement
              <input name="placement" aria-label="Placement" list="placements" value={placement} onChange={(e) => setPlacement(e.target.value)} />
              <datalist id="placements">
                {placements.data?.map((p) => <option key={p.placement} value={p.placement} />)}
              </datalist>
            </label>
            <label className="field">
              Items (k)
              <input name="k" aria-label="k" type="number" min={1} max={100} value={k} onChange={(e) => setK(Number(e.target.value))} style={{ width: 90 }} />
            </label>
            <label className="field">
              Context category
              <input name="category" aria-label="Context category" value={category} onChange={(e) => setCategory(e.target.value)} placeholder="optional" />
            </label>
            <label className="field">
              Context values (JSON)
              <input name="contextValues" aria-label="Context values" value={contextValues} onChange={(e) => setContextValues(e.target.value)} placeholder='{"device": "mobile"}' />
            </label>
            {mode === 'compare' ? (
              <>
                <VersionSelect kind="recall" label="A: recall" value={a.recall} onChange={(v) => setA({ ...a, recall: v })} />
                <VersionSelect kind="ranker" label="A: ranker" value={a.ranker} onChange={(v) => setA({ ...a, ranker: v })} />
                <VersionSelect kind="recall" label="B: recall" value={b.recall} onChange={(v) => setB({ ...b, recall: v })} />
                <VersionSelect kind="ranker" label="B: ranker" value={b.ranker} onChange={(v) => setB({ ...b, ranker: v })} />
              </>
            ) : null}
            <button className="primary" type="submit">
              {mode === 'compare' ? 'Compare' : 'Run pipeline'}
            </button>
          </div>
          {formError ? <div className="form-error">{formError}</div> : null}
        </form>
      </div>
      {!submitted ? (
        <div className="card">
          <Empty>Choose a user and a placement, then run the pipeline.</Empty>
        </div>
      ) : submitted.mode === 'inspect' ? (
        <InspectorRun key={submitted.n} input={submitted.base} testId="inspection" />
      ) : (
        <CompareRuns key={submitted.n} a={withVersions(submitted.base, submitted.a)} b={withVersions(submitted.base, submitted.b)} />
      )}
    </>
  );
}
