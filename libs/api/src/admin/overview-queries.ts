// The overview's click-through series: impressions and clicks per UTC day over the last `days` days (days
// without events included as zeros), aggregated in SQL. The start is a timestamp constant (events store UTC
// timestamps without a zone: comparing with now() would cast every row), which halves the scan's cost.
import type { SqlClient } from '@cascade/db';

export interface CtrDay {
  /** ISO date (UTC). */
  day: string;
  impressions: number;
  clicks: number;
  ctr: number;
}

const DAY_MS = 86_400_000;

export async function ctrSeries(sql: SqlClient, options: { days: number; placement?: string; now?: number }): Promise<CtrDay[]> {
  const days = options.days;
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new Error(`days: must be an integer in [1, 365], got ${days}`);
  const today = Math.floor((options.now ?? Date.now()) / DAY_MS) * DAY_MS;
  const start = today - (days - 1) * DAY_MS;
  const rows = await sql.query<{ day: string; impressions: string | number; clicks: string | number }>(
    `SELECT to_char(e.occurred_at::date, 'YYYY-MM-DD') AS day,
            count(*) FILTER (WHERE e.type = 'impression') AS impressions,
            count(*) FILTER (WHERE e.type = 'click') AS clicks
       FROM events e
      WHERE e.type IN ('impression', 'click') AND e.occurred_at >= $1::timestamp AND ($2::text IS NULL OR e.placement = $2)
      GROUP BY e.occurred_at::date`,
    [new Date(start).toISOString().slice(0, 19), options.placement ?? null],
  );
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const series: CtrDay[] = [];
  for (let t = start; t <= today; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const r = byDay.get(day);
    const impressions = Number(r?.impressions ?? 0);
    const clicks = Number(r?.clicks ?? 0);
    series.push({ day, impressions, clicks, ctr: impressions > 0 ? clicks / impressions : 0 });
  }
  return series;
}
