'use client';
// Loading, error and empty states around a query's data, the same on every page.
import type { ReactNode } from 'react';
import { errorMessage } from '../lib/format';

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch?: () => unknown;
}

export function Loading({ lines = 4 }: { lines?: number }) {
  return (
    <div aria-busy="true" data-state="loading">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton" style={{ width: `${90 - i * 12}%` }} />
      ))}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => unknown }) {
  return (
    <div className="state error" role="alert" data-state="error">
      <strong>Could not load this.</strong> {errorMessage(error)}{' '}
      {retry ? (
        <button className="link" onClick={() => retry()}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state" data-state="empty">
      {children}
    </div>
  );
}

/** Renders `children(data)` once the query has data; a skeleton before, the error after a failure, and
 *  `empty` when `isEmpty(data)` says there is nothing to show. */
export function QueryView<T>({
  query,
  children,
  empty,
  isEmpty,
  lines,
}: {
  query: QueryLike<T>;
  children: (data: T) => ReactNode;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  lines?: number;
}) {
  if (query.error) return <ErrorState error={query.error} retry={query.refetch} />;
  if (query.isPending || query.data === undefined) return <Loading lines={lines} />;
  if (isEmpty?.(query.data)) return <Empty>{empty ?? 'Nothing here yet.'}</Empty>;
  return <>{children(query.data)}</>;
}
