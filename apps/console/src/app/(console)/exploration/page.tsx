'use client';
// Exploration: the slot-filling policy of every placement (edit with validation, applied at once by the
// serving recommender) and the live per-arm statistics with their intervals.
import { useEffect, useState, type FormEvent } from 'react';
import { IntervalChart } from '../../../components/charts';
import { DataTable, Pagination } from '../../../components/data-table';
import { PageHeader } from '../../../components/page-header';
import { QueryView } from '../../../components/query-state';
import { StatusBadge } from '../../../components/status-badge';
import { errorMessage, formatDate, formatInt, formatPercent } from '../../../lib/format';
import { describePolicy, parsePolicy, POLICY_KINDS } from '../../../lib/policy-form';
import { PolicyKindSelect } from '../../../components/policy-kind-select';
import { useCanEdit } from '../../../lib/session';
import { trpc, type RouterInputs } from '../../../lib/trpc';
import { useUrlState } from '../../../lib/use-url-state';

const ARM_PAGE_SIZE = 20;
type PolicyInput = RouterInputs['admin']['explore']['setPolicy']['policy'];

function PolicyEditor({ placement, current }: { placement: string; current: Record<string, unknown> }) {
  const utils = trpc.useUtils();
  const [kind, setKind] = useState(String(current.kind));
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setKind(String(current.kind));
    setValues(Object.fromEntries(Object.entries(current).filter(([k]) => k !== 'kind').map(([k, v]) => [k, String(v)])));
    setError(null);
  }, [current]);
  const save = trpc.admin.explore.setPolicy.useMutation({ onSuccess: () => utils.admin.explore.placements.invalidate() });
  const spec = POLICY_KINDS.find((k) => k.kind === kind);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parsePolicy(kind, values);
    if (parsed.error) return setError(parsed.error);
    setError(null);
    save.mutate({ placement, policy: parsed.policy as PolicyInput });
  };
  return (
    <form onSubmit={submit} aria-label="Exploration policy">
      <div className="form-grid">
        <PolicyKindSelect ariaLabel="Policy" value={kind} onChange={setKind} />
        {spec?.params.map((p) => (
          <label key={`${kind}-${p.name}`} className="field" title={p.hint}>
            {p.label}
            {p.required ? ' *' : ''}
            <input aria-label={p.label} name={p.name} inputMode="decimal" value={values[p.name] ?? ''} placeholder={p.required ? '' : 'default'} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} />
            <span className="small">{p.hint}</span>
          </label>
        ))}
      </div>
      <div className="row" style={{ marginTop: 12 }}>
        <button className="primary" type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save policy'}
        </button>
      </div>
      {error ? <div className="form-error">{error}</div> : null}
      {save.error ? <div className="form-error">{errorMessage(save.error)}</div> : null}
      {save.isSuccess && !save.isPending && !error ? <div className="form-ok">Saved: {placement} now serves with {describePolicy(save.variables?.policy ?? {})}.</div> : null}
    </form>
  );
}

function ArmStats({ placement }: { placement: string }) {
  const [page, setPage] = useState(1);
  useEffect(() => setPage(1), [placement]);
  const arms = trpc.admin.explore.armStats.useQuery({ placement, page, pageSize: ARM_PAGE_SIZE }, { refetchInterval: 5000, placeholderData: (previous) => previous });
  return (
    <QueryView query={arms} isEmpty={(d) => d.total === 0} empty="No impressions on this placement yet: arm statistics appear as it serves.">
      {(data) => (
        <>
          <IntervalChart testId="arm-chart" data={data.rows.map((r) => ({ name: r.itemId, ctr: r.ctr, lower: r.lower, upper: r.upper }))} />
          <DataTable
            testId="arm-stats"
            rows={data.rows}
            rowKey={(r) => r.itemId}
            columns={[
              { header: 'Item', cell: (r) => r.itemId },
              { header: 'Impressions', numeric: true, cell: (r) => formatInt(r.impressions) },
              { header: 'Clicks', numeric: true, cell: (r) => formatInt(r.clicks) },
              { header: 'CTR', numeric: true, cell: (r) => formatPercent(r.ctr) },
              { header: '95% interval', numeric: true, cell: (r) => `${formatPercent(r.lower)} – ${formatPercent(r.upper)}` },
            ]}
          />
          <Pagination page={page} pageSize={ARM_PAGE_SIZE} total={data.total} fetching={arms.isFetching} onPage={setPage} />
        </>
      )}
    </QueryView>
  );
}

const DEFAULT_POLICY = { kind: 'thompson' };

export default function ExplorationPage() {
  const url = useUrlState();
  const canEdit = useCanEdit();
  const placements = trpc.admin.explore.placements.useQuery();
  const selected = url.get('placement') || placements.data?.[0]?.placement || '';
  const [draft, setDraft] = useState('');
  const current = placements.data?.find((p) => p.placement === selected);
  return (
    <>
      <PageHeader title="Exploration" description="How each placement fills its slots between exploiting the ranker and exploring new arms." />
      <div className="grid grid-2">
        <div className="card">
          <h2>Placements</h2>
          <QueryView query={placements} isEmpty={(d) => d.length === 0} empty="No placement has a configured policy or served traffic yet: configure one on the right.">
            {(data) => (
              <DataTable
                testId="placements"
                rows={data}
                rowKey={(p) => p.placement}
                highlight={(p) => p.placement === selected}
                columns={[
                  {
                    header: 'Placement',
                    cell: (p) => (
                      <button className="link" onClick={() => url.set({ placement: p.placement })}>
                        {p.placement}
                      </button>
                    ),
                  },
                  { header: 'Policy', wrap: true, cell: (p) => describePolicy(p.policy as Record<string, unknown>) },
                  { header: 'Source', cell: (p) => <StatusBadge status={p.source} /> },
                ]}
              />
            )}
          </QueryView>
          {canEdit ? (
            <form
              className="row"
              style={{ marginTop: 14 }}
              aria-label="Configure a placement"
              onSubmit={(e) => {
                e.preventDefault();
                if (draft.trim()) url.set({ placement: draft.trim() });
                setDraft('');
              }}
            >
              <input aria-label="New placement" placeholder="placement, e.g. home" value={draft} onChange={(e) => setDraft(e.target.value)} />
              <button type="submit">Configure</button>
            </form>
          ) : null}
        </div>
        <div className="card">
          <h2>{selected ? `Policy of “${selected}”` : 'Policy'}</h2>
          {!selected ? (
            <div className="state">Choose a placement, or name one to configure.</div>
          ) : canEdit ? (
            <>
              <p className="muted small" style={{ marginTop: -6 }}>
                {current?.updatedAt
                  ? `Configured ${formatDate(current.updatedAt)}; changes apply to the next request.`
                  : `“${selected}” serves with the default policy until you save one; changes apply to the next request.`}
              </p>
              <PolicyEditor placement={selected} current={(current?.policy as Record<string, unknown> | undefined) ?? DEFAULT_POLICY} />
            </>
          ) : (
            <p>{current ? describePolicy(current.policy as Record<string, unknown>) : 'the default policy'} — viewers cannot change it.</p>
          )}
        </div>
      </div>
      {selected ? (
        <div className="card">
          <div className="card-header">
            <h2>Arm statistics · {selected}</h2>
            <span className="muted small">live, refreshed every 5 s · dots show CTR, whiskers its 95% interval</span>
          </div>
          <ArmStats placement={selected} />
        </div>
      ) : null}
    </>
  );
}
