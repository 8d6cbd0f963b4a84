'use client';
// One live pipeline run, stage by stage: recall candidates per channel, DeepFM pCTR, the exploration
// policy's decisions with their propensities, and the final list.
import Link from 'next/link';
import { useState } from 'react';
import { DataTable } from '../../../components/data-table';
import { formatMs, formatNumber } from '../../../lib/format';
import { describePolicy } from '../../../lib/policy-form';
import type { RouterOutputs } from '../../../lib/trpc';

export type Inspection = RouterOutputs['admin']['inspector']['run'];

const itemLink = (itemId: string) => <Link href={`/catalogue/items/${encodeURIComponent(itemId)}`}>{itemId}</Link>;

function RecallChannel({ channel, candidates }: Inspection['recall'][number]) {
  const [all, setAll] = useState(false);
  const shown = all ? candidates : candidates.slice(0, 15);
  return (
    <div className="card" style={{ marginBottom: 0 }} data-testid={`recall-channel-${channel}`}>
      <div className="card-header">
        <h3 style={{ margin: 0 }}>{channel}</h3>
        <span className="badge">{candidates.length} candidates</span>
      </div>
      {candidates.length === 0 ? (
        <div className="state">No candidates from this channel.</div>
      ) : (
        <>
          <DataTable
            rows={shown}
            rowKey={(c) => c.itemId}
            columns={[
              { header: '#', numeric: true, cell: (c) => candidates.indexOf(c) + 1 },
              { header: 'Item', cell: (c) => itemLink(c.itemId) },
              { header: 'Score', numeric: true, cell: (c) => formatNumber(c.score, 4) },
            ]}
          />
          {candidates.length > 15 ? (
            <button className="link small" onClick={() => setAll(!all)} style={{ marginTop: 8 }}>
              {all ? 'Show the top 15' : `Show all ${candidates.length}`}
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}

export function RunSummary({ result }: { result: Inspection }) {
  return (
    <div className="row small" style={{ gap: 18 }}>
      <span>
        <span className="muted">Request</span> <span className="mono">{result.requestId}</span>
      </span>
      <span>
        <span className="muted">Recall model</span> {result.modelVersions.recall ?? 'none'}
      </span>
      <span>
        <span className="muted">Ranker</span> {result.modelVersions.ranker ?? 'none'}
      </span>
      <span>
        <span className="muted">Timings</span> recall {formatMs(result.timings.recallMs)} · rank {formatMs(result.timings.rankMs)} · explore {formatMs(result.timings.exploreMs)} · total{' '}
        {formatMs(result.timings.totalMs)}
      </span>
      {result.fallbacks.length > 0 ? (
        <span>
          <span className="muted">Fallbacks</span>{' '}
          {result.fallbacks.map((f) => (
            <span key={f} className="badge warn" style={{ marginRight: 4 }}>
              {f}
            </span>
          ))}
        </span>
      ) : null}
    </div>
  );
}

/** The served list; `compact` leaves out the channels (side-by-side comparison). */
export function FinalList({ result, testId, highlight, compact }: { result: Inspection; testId?: string; highlight?: (itemId: string) => boolean; compact?: boolean }) {
  return (
    <DataTable
      testId={testId ?? 'final-list'}
      rows={result.final}
      rowKey={(r) => r.itemId}
      highlight={highlight ? (r) => highlight(r.itemId) : undefined}
      columns={[
        { header: 'Slot', numeric: true, cell: (r) => result.final.indexOf(r) + 1 },
        { header: 'Item', cell: (r) => itemLink(r.itemId) },
        { header: 'pCTR', numeric: true, cell: (r) => formatNumber(r.pctr, 4) },
        ...(compact ? [] : [{ header: 'Channels', wrap: true, cell: (r: Inspection['final'][number]) => <span className="small">{r.channels.join(', ')}</span> }]),
        { header: 'Explore', cell: (r) => (r.explore ? <span className="badge warn">explore</span> : <span className="muted">exploit</span>) },
        { header: 'Propensity', numeric: true, cell: (r) => formatNumber(r.propensity, 3) },
      ]}
    />
  );
}

export function InspectionView({ result }: { result: Inspection }) {
  const totalRecalled = result.recall.reduce((n, c) => n + c.candidates.length, 0);
  return (
    <div className="stack">
      <div className="card" style={{ marginBottom: 0 }}>
        <RunSummary result={result} />
      </div>

      <section className="card" style={{ marginBottom: 0 }} data-testid="stage-recall">
        <div className="card-header">
          <h2>1 · Recall</h2>
          <span className="muted">
            {totalRecalled} candidates from {result.recall.length} channels · {result.candidates} reached ranking after filters
          </span>
        </div>
        {result.recall.length === 0 ? (
          <div className="state">No recall channel produced candidates.</div>
        ) : (
          <div className="grid grid-3">
            {result.recall.map((c) => (
              <RecallChannel key={c.channel} {...c} />
            ))}
          </div>
        )}
      </section>

      <div className="grid grid-2">
        <section className="card" data-testid="stage-ranking">
          <div className="card-header">
            <h2>2 · Ranking (DeepFM pCTR)</h2>
            <span className="muted">top {result.ranking.length} by pCTR</span>
          </div>
          {result.ranking.length === 0 ? (
            <div className="state">Nothing was ranked.</div>
          ) : (
            <div style={{ maxHeight: 440, overflowY: 'auto' }}>
              <DataTable
                rows={result.ranking}
                rowKey={(r) => r.itemId}
                columns={[
                  { header: '#', numeric: true, cell: (r) => result.ranking.indexOf(r) + 1 },
                  { header: 'Item', cell: (r) => itemLink(r.itemId) },
                  { header: 'pCTR', numeric: true, cell: (r) => formatNumber(r.pctr, 4) },
                  { header: 'Recall score', numeric: true, cell: (r) => formatNumber(r.recallScore, 4) },
                  { header: 'Channels', wrap: true, cell: (r) => <span className="small">{r.channels.join(', ')}</span> },
                ]}
              />
            </div>
          )}
        </section>
        <section className="card" data-testid="stage-exploration">
          <div className="card-header">
            <h2>3 · Exploration</h2>
            <span className="muted">
              policy <span className="mono">{describePolicy(result.policy as Record<string, unknown>)}</span>
            </span>
          </div>
          {result.exploration.length === 0 ? (
            <div className="state">The exploration stage did not run.</div>
          ) : (
            <DataTable
              rows={result.exploration}
              rowKey={(r) => `${r.position}-${r.itemId}`}
              columns={[
                { header: 'Slot', numeric: true, cell: (r) => r.position + 1 },
                { header: 'Item', cell: (r) => itemLink(r.itemId) },
                { header: 'Decision', cell: (r) => (r.explore ? <span className="badge warn">explore</span> : <span className="badge ok">exploit</span>) },
                { header: 'Propensity', numeric: true, cell: (r) => formatNumber(r.propensity, 3) },
                { header: 'pCTR', numeric: true, cell: (r) => formatNumber(r.pctr, 4) },
              ]}
            />
          )}
        </section>
      </div>

      <section className="card" style={{ marginBottom: 0 }} data-testid="stage-final">
        <div className="card-header">
          <h2>Final list</h2>
          <span className="muted">{result.final.length} items after the business filters</span>
        </div>
        <FinalList result={result} />
      </section>
    </div>
  );
}
