// The overview's click-through series: impressions and clicks per UTC day over the last `days` days (days
// without events included as zeros), aggregated in SQL.
import type { SqlClient } from '@cascade/db';

export interface CtrDay {
  /** ISO date (UTC). */
  day: string;
  impressions: number;
  clicks: number;
  ctr: number;
}

export async function ctrSeries(sql: SqlClient, options: { days: number; placement?: string }): Promise<CtrDay[]> {
  const days = options.days;
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new Error(`days: must be an integer in [1, 365], got ${days}`);
  const rows = await sql.query<{ day: string; impressions: string | number; clicks: string | number }>(
    `WITH bounds AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AS today),
          counts AS (
            SELECT date_trunc('day', e.occurred_at) AS day,
                   count(*) FILTER (WHERE e.type = 'impression') AS impressions,
                   count(*) FILTER (WHERE e.type = 'click') AS clicks
              FROM events e, bounds b
             WHERE e.type IN ('impression', 'click')
               AND e.occurred_at >= b.today - ($1::int - 1) * interval '1 day'
               AND ($2::text IS NULL OR e.placement = $2)
             GROUP BY 1)
     SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(c.impressions, 0) AS impressions, coalesce(c.clicks, 0) AS clicks
       FROM bounds b
       CROSS JOIN LATERAL generate_series(b.today - ($1::int - 1) * interval '1 day', b.today, interval '1 day') AS d(day)
       LEFT JOIN counts c ON c.day = d.day
      ORDER BY d.day`,
    [days, options.placement ?? null],
  );
  return rows.map((r) => {
    const impressions = Number(r.impressions);
    const clicks = Number(r.clicks);
    return { day: r.day, impressions, clicks, ctr: impressions > 0 ? clicks / impressions : 0 };
  });
}
