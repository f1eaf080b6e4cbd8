import { ensureDatabase, runMigrations } from '@customer-hub/db';
import { bootstrap, connectPostgres, fatal } from '@customer-hub/runtime';

/** `npm run migrate`: creates the database if missing and applies pending migrations. */
async function main() {
  const { config, logger } = bootstrap('migrate');
  if (await ensureDatabase(config.database.url)) logger.info('created the database');
  const ds = await connectPostgres(config);
  const applied = await runMigrations(ds);
  logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'schema is up to date');
  await ds.destroy();
}

main().catch((err) => fatal(bootstrap('migrate').logger, err));
