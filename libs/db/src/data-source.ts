import type { Config } from '@customer-hub/config';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';

/** The TypeORM DataSource. `synchronize` stays off: the schema changes only through migrations. */
export function createDataSource(config: Pick<Config, 'database'>): DataSource {
  return new DataSource({
    type: 'postgres',
    url: config.database.url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: config.database.poolSize,
      connectionTimeoutMillis: 5_000,
      // JIT compiling costs seconds on the big set-based statements of imports and wins nothing here.
      options: '-c jit=off',
      // Named in pg_stat_activity; `?application_name=` in DATABASE_URL names a role or host instead.
      application_name: new URL(config.database.url).searchParams.get('application_name') ?? 'customer-hub',
    },
  });
}

export async function runMigrations(ds: DataSource): Promise<string[]> {
  const done = await ds.runMigrations({ transaction: 'each' });
  return done.map((m) => m.name);
}

/** Throws unless every migration the code knows is applied: a process must not run on an older schema. */
export async function assertMigrationsApplied(ds: DataSource): Promise<void> {
  if (await ds.showMigrations()) {
    throw new Error('Database migrations are pending: run `npm run migrate` first.');
  }
}

/** Creates the database named in the URL if it is missing (connecting to the `postgres` database to do so). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}
