import { loadConfig } from '@customer-hub/config';
import { createDataSource, runMigrations } from '@customer-hub/db';
import { adminQuery, databaseUrl, TEMPLATE_DB } from './databases';

/** Builds the template database once per run: every test file copies it instead of migrating. */
export default async function globalSetup(): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${TEMPLATE_DB}`);
  const ds = createDataSource(loadConfig({ DATABASE_URL: databaseUrl(TEMPLATE_DB) }));
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}
