'use client';
// One user: their latest events and the features the ranker sees for them.
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { DataTable } from '../../../../../components/data-table';
import { KeyValues } from '../../../../../components/key-values';
import { PageHeader } from '../../../../../components/page-header';
import { QueryView } from '../../../../../components/query-state';
import { formatDate } from '../../../../../lib/format';
import { trpc } from '../../../../../lib/trpc';

export default function UserDetailPage() {
  const userId = decodeURIComponent(useParams<{ userId: string }>().userId);
  const user = trpc.admin.catalogue.user.useQuery({ userId });
  return (
    <>
      <PageHeader
        crumbs={<Link href="/catalogue/users">Users</Link>}
        title={userId}
        actions={<Link className="button" href={`/inspector?user=${encodeURIComponent(userId)}`}>Inspect recommendations</Link>}
      />
      <QueryView query={user} lines={8}>
        {(d) => (
          <div className="grid grid-2">
            <div className="stack">
              <div className="card">
                <h2>Profile</h2>
                <KeyValues record={d.user as Record<string, unknown>} testId="user-profile" />
              </div>
              <div className="card">
                <h2>Features</h2>
                <p className="muted small" style={{ marginTop: -6 }}>
                  The user as the ranker sees them at request time.
                </p>
                {d.features ? <KeyValues record={d.features as Record<string, unknown>} testId="user-features" /> : <div className="state">No feature record for this user.</div>}
              </div>
            </div>
            <div className="card">
              <h2>History</h2>
              {d.history.length === 0 ? (
                <div className="state" data-state="empty">
                  No events for this user yet.
                </div>
              ) : (
                <DataTable
                  testId="user-history"
                  rows={d.history}
                  rowKey={(e) => `${e.itemId}-${String(e.occurredAt)}-${e.type}`}
                  columns={[
                    { header: 'When', cell: (e) => formatDate(e.occurredAt) },
                    { header: 'Event', cell: (e) => e.type },
                    { header: 'Item', wrap: true, cell: (e) => <Link href={`/catalogue/items/${encodeURIComponent(e.itemId)}`}>{e.title || e.itemId}</Link> },
                  ]}
                />
              )}
            </div>
          </div>
        )}
      </QueryView>
    </>
  );
}
