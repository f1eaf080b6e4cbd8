import type { Config } from '@customer-hub/config';
import { assertMigrationsApplied, type DataSource } from '@customer-hub/db';
import type { FileStore } from '@customer-hub/files';
import type { Logger } from '@customer-hub/logging';
import {
  assertProcessorsComplete,
  createRedisClient,
  evictionPolicy,
  HubWorker,
  type ProcessorDefinition,
  type QueueRegistry,
  reconcileJobs,
} from '@customer-hub/queue';
import { processors as allProcessors } from './processors';

export interface WorkerRuntimeDeps {
  config: Config;
  ds: DataSource;
  files: FileStore;
  queues: QueueRegistry;
  logger: Logger;
  processors?: ProcessorDefinition[];
}

export interface WorkerRuntime {
  workers: HubWorker[];
  /** Stops taking jobs, lets running ones finish within the deadline, hands the rest back. */
  stop(): Promise<void>;
}

/**
 * Checks the wiring (processors, migrations, Redis policy) and starts one BullMQ worker per job kind, plus
 * the reconciler and the expired-file sweeper. Fails loudly instead of consuming with a broken setup.
 */
export async function startWorkers(deps: WorkerRuntimeDeps): Promise<WorkerRuntime> {
  const { config, ds, files, queues, logger } = deps;
  const defs = deps.processors ?? allProcessors;
  assertProcessorsComplete(defs);
  await assertMigrationsApplied(ds);

  const redis = createRedisClient(config, 'worker');
  try {
    const policy = await evictionPolicy(redis);
    if (policy !== 'noeviction') {
      logger.warn(
        { maxmemoryPolicy: policy },
        `REDIS maxmemory-policy is "${policy}", not "noeviction": Redis may evict queued jobs under memory pressure. ` +
          'Set `maxmemory-policy noeviction` (docker-compose.yml does).',
      );
    }
  } finally {
    redis.disconnect();
  }

  const workers = defs.map((d) => new HubWorker(d, { config, ds, files, logger }, config));
  for (const w of workers) w.start();

  const platform = { ds, queues, config };
  const reconcile = async () => {
    try {
      const { requeued } = await reconcileJobs(platform, config.jobs.reconcileGraceMs);
      if (requeued.length) logger.warn({ requeued }, 'reconciler re-enqueued jobs that Redis had lost');
      const expired = await files.deleteExpired();
      if (expired) logger.info({ expired }, 'deleted expired files');
    } catch (err) {
      logger.warn({ err }, 'reconcile pass failed; will try again');
    }
  };
  const timer = setInterval(reconcile, config.jobs.reconcileIntervalMs);
  timer.unref();
  void reconcile();
  logger.info({ kinds: defs.map((d) => d.kind) }, 'workers started');

  return {
    workers,
    async stop() {
      clearInterval(timer);
      await Promise.all(workers.map((w) => w.close(config.shutdownDeadlineMs)));
      logger.info('workers stopped');
    },
  };
}
