import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Where tests find Postgres; each test file makes its own database on it. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The migrated template's name starts so; the global setup names it for its migrations, and test databases are copied from it. */
export const TEMPLATE_PREFIX = 'hub_test_template_';

function templateDb(): string {
  const name = process.env.HUB_TEST_TEMPLATE;
  if (!name?.startsWith(TEMPLATE_PREFIX))
    throw new Error('No test template: run tests through jest, whose global setup makes it.');
  return name;
}

export function databaseUrl(name: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/** A fresh database copied from the migrated template (fast: no migrations per file). */
export async function createTestDatabase(): Promise<string> {
  const name = uniqueName('hub_test');
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${templateDb()}`);
      return name;
    } catch (err) {
      // Two files copying the template at the same instant collide on its lock ("being accessed by other
      // users"); that is contention on setup, not a test result, so wait and copy again.
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

export async function dropTestDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
