import { createHash } from 'node:crypto';
import { loadConfig } from '@customer-hub/config';
import { createDataSource, runMigrations } from '@customer-hub/db';
import { Client } from 'pg';
import { databaseUrl, TEMPLATE_PREFIX, TEST_PG_URL } from './databases';

/**
 * Makes sure the migrated template that every test file copies exists, once per version of the migrations: its
 * name carries a digest of their source, so a run reuses the one an earlier run built, and two runs side by side
 * (the whole suite, and one file while it runs) never rebuild it under each other. Setups take turns on an
 * advisory lock; a template is built under another name and renamed when whole, so a killed setup leaves none
 * half-made. Templates of other versions of the migrations are dropped.
 */
export default async function globalSetup(): Promise<void> {
  const ds = createDataSource(loadConfig({ DATABASE_URL: TEST_PG_URL }));
  const sources = (ds.options.migrations as (new () => unknown)[]).map(String).join('\n');
  const template = `${TEMPLATE_PREFIX}${createHash('sha256').update(sources).digest('hex').slice(0, 12)}`;
  process.env.HUB_TEST_TEMPLATE = template; // test workers start after this and inherit it
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock(hashtext('customer-hub test template'))");
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (!rowCount) await build(admin, template);
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE (datname LIKE '${TEMPLATE_PREFIX}%' OR datname = 'hub_test_template')
         AND datname <> $1`,
      [template],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end(); // ends the session, and its lock with it
  }
}

async function build(admin: Client, template: string): Promise<void> {
  const building = `${template}_building`;
  await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${building}`);
  const ds = createDataSource(loadConfig({ DATABASE_URL: databaseUrl(building) }));
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
  await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
}
