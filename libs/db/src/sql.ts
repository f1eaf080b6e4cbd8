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
 * ANALYZEs a table whose statistics lag far behind its rows: a bulk import has just changed it and autovacuum
 * has not caught up (or is off). A big join against it would otherwise be planned for the table it was, e.g.
 * without parallel workers. True when it ran.
 */
export async function analyzeIfStale(db: DataSource | EntityManager, table: string): Promise<boolean> {
  const [s] = await sqlRows<{ mods: string; tuples: number }>(
    db,
    `SELECT s.n_mod_since_analyze AS mods, c.reltuples AS tuples
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relid = $1::regclass`,
    [table],
  );
  const mods = Number(s?.mods ?? 0);
  // Past autovacuum's own default threshold (a fifth of the rows), and enough rows to matter.
  if (mods < 10_000 || mods < 0.2 * Math.max(s?.tuples ?? 0, 0)) return false;
  await db.query(`ANALYZE ${table}`);
  return true;
}
