'use client';
// One item: its attributes, how it performs, and its nearest neighbours in the recall model's index.
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { DataTable } from '../../../../../components/data-table';
import { KeyValues } from '../../../../../components/key-values';
import { PageHeader } from '../../../../../components/page-header';
import { QueryView } from '../../../../../components/query-state';
import { formatInt, formatNumber, formatPercent } from '../../../../../lib/format';
import { trpc } from '../../../../../lib/trpc';

export default function ItemDetailPage() {
  const itemId = decodeURIComponent(useParams<{ itemId: string }>().itemId);
  const item = trpc.admin.catalogue.item.useQuery({ itemId });
  return (
    <>
      <PageHeader
        crumbs={<Link href="/catalogue/items">Items</Link>}
        title={item.data ? `${item.data.item.title || itemId}` : itemId}
        description={<span className="mono">{itemId}</span>}
      />
      <QueryView query={item} lines={8}>
        {(d) => (
          <div className="stack">
            <div className="grid grid-4">
              <div className="card">
                <div className="stat-label">Impressions</div>
                <div className="stat-value">{formatInt(d.popularity.impressions)}</div>
              </div>
              <div className="card">
                <div className="stat-label">Clicks</div>
                <div className="stat-value">{formatInt(d.popularity.clicks)}</div>
              </div>
              <div className="card">
                <div className="stat-label">CTR</div>
                <div className="stat-value">{formatPercent(d.popularity.ctr)}</div>
              </div>
              <div className="card">
                <div className="stat-label">Interactions</div>
                <div className="stat-value">{formatInt(d.popularity.interactions)}</div>
              </div>
            </div>
            <div className="grid grid-2">
              <div className="card">
                <h2>Attributes</h2>
                <KeyValues record={d.item as Record<string, unknown>} testId="item-attributes" />
              </div>
              <div className="card">
                <h2>Nearest neighbours</h2>
                <p className="muted small" style={{ marginTop: -6 }}>
                  Closest items in the active recall model&apos;s HNSW index (cosine similarity of the item vectors).
                </p>
                {d.neighbours.length === 0 ? (
                  <div className="state" data-state="empty">
                    No neighbours: the recall model has no vector for this item (or no recall model is loaded).
                  </div>
                ) : (
                  <DataTable
                    testId="neighbours"
                    rows={d.neighbours}
                    rowKey={(n) => n.itemId}
                    columns={[
                      { header: 'Item', cell: (n) => <Link href={`/catalogue/items/${encodeURIComponent(n.itemId)}`}>{n.itemId}</Link> },
                      { header: 'Title', wrap: true, cell: (n) => n.title },
                      { header: 'Similarity', numeric: true, cell: (n) => formatNumber(n.score, 4) },
                    ]}
                  />
                )}
              </div>
            </div>
          </div>
        )}
      </QueryView>
    </>
  );
}
