import type { SqlClient } from './sql-driver.js';

export interface EntityCounts {
  users: number;
  items: number;
  events: number;
  ctrExamples: number;
}

export async function countEntities(sql: SqlClient): Promise<EntityCounts> {
  const [row] = await sql.query<{ users: string; items: string; events: string; ctr: string }>(
    `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM items) AS items,
            (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM ctr_examples) AS ctr`,
  );
  return { users: Number(row.users), items: Number(row.items), events: Number(row.events), ctrExamples: Number(row.ctr) };
}
