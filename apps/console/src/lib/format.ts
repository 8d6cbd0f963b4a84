// Number, rate and date formatting shared by every page.
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInt(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? integer.format(n) : '—';
}

export function formatNumber(n: unknown, digits = 3): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '—';
}

export function formatPercent(n: number | null | undefined, digits = 2): string {
  return typeof n === 'number' && Number.isFinite(n) ? `${(n * 100).toFixed(digits)}%` : '—';
}

export function formatMs(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return n < 10 ? `${n.toFixed(2)} ms` : `${n.toFixed(1)} ms`;
}

export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

/** Seconds between two instants, e.g. a job's duration; "—" while it has not finished. */
export function formatDuration(from: string | Date | null | undefined, to: string | Date | null | undefined): string {
  if (!from || !to) return '—';
  const seconds = (new Date(to).getTime() - new Date(from).getTime()) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** The message of a tRPC or network error, for display. */
export function errorMessage(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error && typeof (error as { message: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}
