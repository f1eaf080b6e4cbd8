import { LocalFileStore } from '@customer-hub/files';
import { QueueRegistry } from '@customer-hub/queue';
import { bootstrap, checkRedis, connectPostgres, fatal, onShutdown } from '@customer-hub/runtime';
import { startWorkers } from './worker-runtime';

/** `npm run start:worker`: the worker role alone, as in production; run as many as you like. */
async function main() {
  const { config, logger } = bootstrap('worker');
  const shutdown = onShutdown(logger);
  const ds = await connectPostgres(config, 30_000);
  shutdown.add(() => ds.destroy());
  await checkRedis(config, 30_000);
  const queues = new QueueRegistry(config);
  shutdown.add(() => queues.close());
  const runtime = await startWorkers({ config, ds, queues, files: new LocalFileStore(config.files.dir), logger });
  shutdown.add(() => runtime.stop());
}

main().catch((err) => fatal(bootstrap('worker').logger, err));
