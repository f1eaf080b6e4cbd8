import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs raw SQL and returns its rows whatever the statement: TypeORM hands back `[rows, count]` for
 * UPDATE/DELETE … RETURNING and plain rows otherwise.
 */
export async function sqlRows<T>(db: DataSource | EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  const res: unknown = await db.query(text, params);
  if (Array.isArray(res) && res.length === 2 && Array.isArray(res[0]) && typeof res[1] === 'number') {
    return res[0] as T[];
  }
  return res as T[];
}

/**
 * ANALYZEs a table whose size has left the planner's estimate far behind: a bulk import has just grown (or
 * shrunk) it and autovacuum has not caught up (or is off). A big join against it would otherwise be planned for
 * the table it was, e.g. as a nested loop without parallel workers. Updates that leave the row count as it is
 * (a re-import with a tenth of its rows changed) don't call for one: it took a second a million rows, paid by
 * whichever job came next. True when it ran.
 */
export async function analyzeIfStale(db: DataSource | EntityManager, table: string): Promise<boolean> {
  const [s] = await sqlRows<{ live: string; planned: number }>(
    db,
    `SELECT s.n_live_tup AS live, c.reltuples AS planned
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relid = $1::regclass`,
    [table],
  );
  const live = Number(s?.live ?? 0);
  const planned = s?.planned ?? -1; // -1: never analyzed
  // Enough rows to matter, and a fifth more or fewer than planned for (autovacuum's own default threshold).
  if (live < 10_000 || (planned >= 0 && Math.abs(live - planned) < 0.2 * planned)) return false;
  await db.query(`ANALYZE ${table}`);
  return true;
}
