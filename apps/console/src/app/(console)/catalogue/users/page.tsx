'use client';
// Users: search by id, paginated on the server.
import Link from 'next/link';
import { DataTable, Pagination } from '../../../../components/data-table';
import { PageHeader } from '../../../../components/page-header';
import { QueryView } from '../../../../components/query-state';
import { SearchBox } from '../../../../components/search-box';
import { formatDate, formatInt } from '../../../../lib/format';
import { trpc } from '../../../../lib/trpc';
import { useUrlState } from '../../../../lib/use-url-state';

const PAGE_SIZE = 50;

export default function UsersPage() {
  const url = useUrlState();
  const page = url.getInt('page', 1);
  const search = url.get('q');
  const users = trpc.admin.catalogue.users.useQuery({ page, pageSize: PAGE_SIZE, search: search || undefined }, { placeholderData: (previous) => previous });
  return (
    <>
      <PageHeader title="Users" description="Everyone the platform has seen; open one for their history and features." />
      <div className="card">
        <div className="toolbar">
          <SearchBox value={search} onChange={(q) => url.set({ q, page: null })} placeholder="User id" />
        </div>
        <QueryView query={users} isEmpty={(d) => d.total === 0} empty={search ? 'No user matches this search.' : 'No users yet.'}>
          {(data) => (
            <>
              <DataTable
                testId="users-table"
                rows={data.rows}
                rowKey={(r) => r.userId}
                columns={[
                  { header: 'User', cell: (r) => <Link href={`/catalogue/users/${encodeURIComponent(r.userId)}`}>{r.userId}</Link> },
                  { header: 'Attributes', wrap: true, cell: (r) => <span className="mono small">{JSON.stringify(r.attributes ?? {})}</span> },
                  { header: 'Events', numeric: true, cell: (r) => formatInt(r.events) },
                  { header: 'Created', cell: (r) => formatDate(r.createdAt) },
                ]}
              />
              <Pagination page={page} pageSize={PAGE_SIZE} total={data.total} fetching={users.isFetching} onPage={(p) => url.set({ page: p })} />
            </>
          )}
        </QueryView>
      </div>
    </>
  );
}
