import type { Config } from '@customer-hub/config';
import { createDataSource, type DataSource } from '@customer-hub/db';
import { createRedisClient } from '@customer-hub/queue';

/** Says which service is missing, where we looked, and how to get one. */
export class ServiceUnreachableError extends Error {
  override name = 'ServiceUnreachableError';
}

/** A connection URL fit for a message: the password masked. */
export const redactedUrl = (u: string) => {
  const url = new URL(u);
  if (url.password) url.password = '***';
  return url.toString();
};

const HOW = {
  postgres:
    'Start a local PostgreSQL (e.g. `apt-get install postgresql` or `pg_ctlcluster <version> main start`) ' +
    'or run `docker compose up -d postgres`, or point DATABASE_URL at one.',
  redis:
    'Start a local Redis (e.g. `apt-get install redis-server` then `redis-server --daemonize yes`) ' +
    'or run `docker compose up -d redis`, or point REDIS_URL at one.',
};

/** Opens the DataSource, retrying until `waitMs` passes; then fails with a message a newcomer can act on. */
export async function connectPostgres(config: Config, waitMs = 10_000): Promise<DataSource> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const ds = createDataSource(config);
    try {
      return await ds.initialize();
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new ServiceUnreachableError(
          `PostgreSQL is not reachable at ${redactedUrl(config.database.url)}: ${(err as Error).message}. ${HOW.postgres}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Pings Redis, retrying until `waitMs` passes. */
export async function checkRedis(config: Config, waitMs = 10_000): Promise<void> {
  const client = createRedisClient(config);
  client.on('error', () => {});
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      try {
        await client.ping();
        return;
      } catch (err) {
        if (Date.now() >= deadline) {
          throw new ServiceUnreachableError(
            `Redis is not reachable at ${redactedUrl(config.redis.url)}: ${(err as Error).message}. ${HOW.redis}`,
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    client.disconnect();
  }
}
