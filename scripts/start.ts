import { createAccount, findAccountBySlug } from '@customer-hub/accounts';
import { startApi } from '@customer-hub/api';
import { ensureDatabase, runMigrations } from '@customer-hub/db';
import { LocalFileStore } from '@customer-hub/files';
import { createRedisClient, QueueRegistry } from '@customer-hub/queue';
import {
  bootstrap,
  checkRedis,
  connectPostgres,
  fatal,
  onShutdown,
  redactedUrl,
  ServiceUnreachableError,
} from '@customer-hub/runtime';
import { startWorkers } from '@customer-hub/worker';

const DEMO = { slug: 'demo', name: 'Demo Wholesale', adminEmail: 'admin@demo.test' };

/**
 * `npm start`: everything in one process for local use — creates the database if missing, migrates, makes sure
 * a demo account exists, then runs the API and every worker.
 */
async function main() {
  const { config, logger } = bootstrap('hub');
  const shutdown = onShutdown(logger);
  try {
    await ensureDatabase(config.database.url);
  } catch (err) {
    throw new ServiceUnreachableError(
      `PostgreSQL is not reachable at ${redactedUrl(config.database.url)} (${(err as Error).message}). ` +
        'Start a local PostgreSQL (e.g. `pg_ctlcluster <version> main start`) or run `docker compose up -d postgres`, ' +
        'or point DATABASE_URL at one.',
    );
  }
  const ds = await connectPostgres(config, 5_000);
  shutdown.add(() => ds.destroy());
  const applied = await runMigrations(ds);
  if (applied.length) logger.info({ applied }, 'applied migrations');
  await checkRedis(config, 5_000);

  let firstToken: string | null = null;
  if (!(await findAccountBySlug(ds, DEMO.slug))) firstToken = (await createAccount(ds, DEMO)).token.token;

  const files = new LocalFileStore(config.files.dir);
  const queues = new QueueRegistry(config);
  shutdown.add(() => queues.close());
  const redis = createRedisClient(config);
  redis.on('error', () => {});
  shutdown.add(() => redis.disconnect());
  const workers = await startWorkers({ config, ds, files, queues, logger });
  shutdown.add(() => workers.stop());
  const api = await startApi({ config, ds, queues, redis, files, logger });
  shutdown.add(() => api.stop());

  const lines = [
    '',
    'Customer Hub is running.',
    `  API:          ${api.url}/v1   (OpenAPI: ${api.url}/v1/openapi.json)`,
    `  Bull Board:   ${api.url}/admin/queues   (sign in at ${api.url}/admin/login)`,
    `  Health:       ${api.url}/healthz, ${api.url}/readyz`,
    firstToken
      ? `  Demo admin token (shown once; keep it):\n    ${firstToken}`
      : `  Demo account "${DEMO.slug}" exists. Need a token? npm run cli -- token:create --account ${DEMO.slug} --role admin`,
    `  Try: curl -X POST -H "Authorization: Bearer <token>" -H 'Content-Type: application/json' -d '{"steps":5}' ${api.url}/v1/diagnostics`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => fatal(bootstrap('hub').logger, err));
