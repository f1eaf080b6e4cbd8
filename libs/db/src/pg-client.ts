import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Lends one raw pg connection from the DataSource's pool, for what TypeORM does not do (COPY streams, session
 * settings); released afterwards whatever happens.
 */
export async function withPgClient<T>(ds: DataSource, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    return await work(client);
  } finally {
    await runner.release();
  }
}

/** Runs `work` in a transaction on a lent connection: committed if it returns, rolled back if it throws. */
export async function inClientTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
