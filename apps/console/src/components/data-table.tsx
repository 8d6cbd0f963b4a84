'use client';
// A table over one page of server-side rows, with its pagination bar.
import type { ReactNode } from 'react';
import { formatInt } from '../lib/format';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  numeric?: boolean;
  /** Long text that may wrap (titles, messages); other cells stay on one line. */
  wrap?: boolean;
  width?: string;
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  highlight,
  testId,
}: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  highlight?: (row: T) => boolean;
  testId?: string;
}) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} className={c.numeric ? 'num' : undefined} style={c.width ? { width: c.width } : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={highlight?.(row) ? 'highlight' : undefined}>
              {columns.map((c) => (
                <td key={c.header} className={c.numeric ? 'num' : c.wrap ? 'wrap' : undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pagination({
  page,
  pageSize,
  total,
  onPage,
  fetching,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  fetching?: boolean;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <div className="pagination" data-testid="pagination">
      <span>
        {formatInt(first)}–{formatInt(last)} of {formatInt(total)}
        {fetching ? ' · loading…' : ''}
      </span>
      <div className="row">
        <button onClick={() => onPage(1)} disabled={page <= 1}>
          « First
        </button>
        <button onClick={() => onPage(page - 1)} disabled={page <= 1}>
          ‹ Previous
        </button>
        <span>
          Page {formatInt(page)} of {formatInt(pages)}
        </span>
        <button onClick={() => onPage(page + 1)} disabled={page >= pages}>
          Next ›
        </button>
        <button onClick={() => onPage(pages)} disabled={page >= pages}>
          Last »
        </button>
      </div>
    </div>
  );
}
