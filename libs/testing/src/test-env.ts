import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '@customer-hub/config';
import { createDataSource, type DataSource } from '@customer-hub/db';
import { LocalFileStore } from '@customer-hub/files';
import { createLogger, type Logger } from '@customer-hub/logging';
import { createRedisClient, QueueRegistry } from '@customer-hub/queue';
import type IORedis from 'ioredis';
import { createTestDatabase, databaseUrl, dropTestDatabase, TEST_REDIS_URL, uniqueName } from './databases';

export interface TestEnv {
  config: Config;
  /** The env variables behind `config`, to hand to a child process. */
  env: Record<string, string>;
  ds: DataSource;
  files: LocalFileStore;
  queues: QueueRegistry;
  redis: IORedis;
  logger: Logger;
  cleanup(): Promise<void>;
}

/** Settings that make jobs quick to observe in tests; a test may override any of them. */
const TEST_DEFAULTS: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  PORT: '0',
  HOST: '127.0.0.1',
  JOB_BACKOFF_MS: '50',
  JOB_PROGRESS_INTERVAL_MS: '0',
  JOB_LOCK_MS: '2000',
  JOB_STALLED_CHECK_MS: '1000',
  RECONCILE_INTERVAL_MS: '60000',
  SHUTDOWN_DEADLINE_MS: '5000',
  DATABASE_POOL_SIZE: '5',
};

/**
 * A private world for one test file: its own database (copied from the migrated template), queue prefix and
 * file-store folder. `cleanup()` removes all three.
 */
export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const db = await createTestDatabase();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hub-files-'));
  const env: Record<string, string> = {
    ...TEST_DEFAULTS,
    DATABASE_URL: databaseUrl(db),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniqueName('hubtest'),
    FILE_STORE_DIR: dir,
    ...overrides,
  };
  const config = loadConfig(env);
  const ds = await createDataSource(config).initialize();
  const queues = new QueueRegistry(config);
  const redis = createRedisClient(config, 'worker');
  redis.on('error', () => {});
  return {
    config,
    env,
    ds,
    files: new LocalFileStore(dir),
    queues,
    redis,
    logger: createLogger({ level: env.LOG_LEVEL ?? 'silent', name: 'test' }),
    async cleanup() {
      await queues.close();
      await deleteKeys(redis, `${config.redis.prefix}:*`).catch(() => {});
      redis.disconnect();
      await ds.destroy();
      await dropTestDatabase(db);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes every Redis key matching `pattern` (a queue prefix's keys, when a test or bench is done). */
export async function deleteKeys(redis: IORedis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
