'use client';
// Items: the whole catalogue, searched, filtered, sorted and paginated on the server.
import Link from 'next/link';
import { DataTable, Pagination } from '../../../../components/data-table';
import { PageHeader } from '../../../../components/page-header';
import { QueryView } from '../../../../components/query-state';
import { SearchBox } from '../../../../components/search-box';
import { StatusBadge } from '../../../../components/status-badge';
import { formatDate, formatInt, formatPercent } from '../../../../lib/format';
import { trpc } from '../../../../lib/trpc';
import { useUrlState } from '../../../../lib/use-url-state';

const PAGE_SIZE = 50;
const SORTS = [
  { value: 'newest', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
  { value: 'itemId', label: 'Item id' },
  { value: 'title', label: 'Title' },
] as const;
type Sort = (typeof SORTS)[number]['value'];

export default function ItemsPage() {
  const url = useUrlState();
  const page = url.getInt('page', 1);
  const search = url.get('q');
  const category = url.get('category');
  const active = url.get('active');
  const sort = (SORTS.find((s) => s.value === url.get('sort'))?.value ?? 'newest') as Sort;
  const categories = trpc.admin.catalogue.categories.useQuery(undefined, { staleTime: 60_000 });
  const items = trpc.admin.catalogue.items.useQuery(
    {
      page,
      pageSize: PAGE_SIZE,
      search: search || undefined,
      category: category || undefined,
      active: active === '' ? undefined : active === 'true',
      sort,
    },
    { placeholderData: (previous) => previous },
  );

  return (
    <>
      <PageHeader title="Items" description="The catalogue: search by id or title, filter by category and state." />
      <div className="card">
        <div className="toolbar">
          <SearchBox value={search} onChange={(q) => url.set({ q, page: null })} placeholder="Item id or title" />
          <label className="field">
            Category
            <select aria-label="Category" value={category} onChange={(e) => url.set({ category: e.target.value, page: null })}>
              <option value="">All categories</option>
              {categories.data?.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            State
            <select aria-label="State" value={active} onChange={(e) => url.set({ active: e.target.value, page: null })}>
              <option value="">Active and inactive</option>
              <option value="true">Active</option>
              <option value="false">Inactive</option>
            </select>
          </label>
          <label className="field">
            Sort
            <select aria-label="Sort" value={sort} onChange={(e) => url.set({ sort: e.target.value, page: null })}>
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <QueryView query={items} isEmpty={(d) => d.total === 0} empty={search || category || active ? 'No item matches these filters.' : 'The catalogue is empty: import items from the Jobs page.'}>
          {(data) => (
            <>
              <DataTable
                testId="items-table"
                rows={data.rows}
                rowKey={(r) => r.itemId}
                columns={[
                  { header: 'Item', cell: (r) => <Link href={`/catalogue/items/${encodeURIComponent(r.itemId)}`}>{r.itemId}</Link> },
                  { header: 'Title', wrap: true, cell: (r) => r.title },
                  { header: 'Categories', wrap: true, cell: (r) => r.categories.join(', ') || <span className="muted">—</span> },
                  { header: 'State', cell: (r) => <StatusBadge status={r.active ? 'active' : 'retired'} /> },
                  { header: 'Created', cell: (r) => formatDate(r.createdAt) },
                  { header: 'Impressions', numeric: true, cell: (r) => formatInt(r.impressions) },
                  { header: 'Clicks', numeric: true, cell: (r) => formatInt(r.clicks) },
                  { header: 'CTR', numeric: true, cell: (r) => (r.impressions > 0 ? formatPercent(r.clicks / r.impressions) : '—') },
                ]}
              />
              <Pagination page={page} pageSize={PAGE_SIZE} total={data.total} fetching={items.isFetching} onPage={(p) => url.set({ page: p })} />
            </>
          )}
        </QueryView>
      </div>
    </>
  );
}
