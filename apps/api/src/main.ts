import { assertMigrationsApplied } from '@customer-hub/db';
import { LocalFileStore } from '@customer-hub/files';
import { createRedisClient, QueueRegistry } from '@customer-hub/queue';
import { bootstrap, checkRedis, connectPostgres, fatal, onShutdown } from '@customer-hub/runtime';
import { startApi } from './server';

/** `npm run start:api`: the API role alone, as in production; run as many behind a load balancer as you like. */
async function main() {
  const { config, logger } = bootstrap('api');
  const shutdown = onShutdown(logger);
  const ds = await connectPostgres(config, 30_000);
  shutdown.add(() => ds.destroy());
  await assertMigrationsApplied(ds);
  await checkRedis(config, 30_000);
  const redis = createRedisClient(config);
  redis.on('error', () => {});
  shutdown.add(() => redis.disconnect());
  const queues = new QueueRegistry(config);
  shutdown.add(() => queues.close());
  const api = await startApi({ config, ds, queues, redis, files: new LocalFileStore(config.files.dir), logger });
  shutdown.add(() => api.stop());
}

main().catch((err) => fatal(bootstrap('api').logger, err));
