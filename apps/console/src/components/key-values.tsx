// A record shown as a definition list; nested values as compact JSON.
import { formatDate } from '../lib/format';

function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(value) ? formatDate(value) : value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.join(', ') || '—';
  return JSON.stringify(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Nested records show as nested lists (two levels), deeper values as JSON. */
export function KeyValues({ record, testId, depth = 0 }: { record: Record<string, unknown>; testId?: string; depth?: number }) {
  const entries = Object.entries(record);
  if (entries.length === 0) return <div className="muted">—</div>;
  return (
    <dl className="kv" data-testid={testId}>
      {entries.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{k}</dt>
          <dd>{isRecord(v) && Object.keys(v).length > 0 && depth < 2 ? <KeyValues record={v} depth={depth + 1} /> : <span className={isRecord(v) || Array.isArray(v) ? 'mono' : undefined}>{display(v)}</span>}</dd>
        </div>
      ))}
    </dl>
  );
}
