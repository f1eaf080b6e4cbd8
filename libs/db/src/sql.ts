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
