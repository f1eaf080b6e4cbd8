import type { Config } from '@customer-hub/config';
import type { RedisOptions } from 'ioredis';
import IORedis from 'ioredis';

export type HubRedisOptions = Omit<RedisOptions, 'retryStrategy'> & { retryStrategy: (times: number) => number };

/**
 * ioredis options from REDIS_URL. Producers (the API) fail fast while Redis is away so a request can answer
 * 503; workers wait and retry forever, as BullMQ requires for blocking connections.
 */
export function redisOptions(config: Pick<Config, 'redis'>, role: 'producer' | 'worker'): HubRedisOptions {
  const u = new URL(config.redis.url);
  const base: HubRedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5_000),
  };
  return role === 'producer'
    ? { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 }
    : { ...base, maxRetriesPerRequest: null };
}

/** A plain client (health checks, key clean-up). Not for BullMQ's blocking use. */
export function createRedisClient(config: Pick<Config, 'redis'>, role: 'producer' | 'worker' = 'producer'): IORedis {
  return new IORedis({ ...redisOptions(config, role), lazyConnect: false });
}

/** Rejects after `ms` so a request never hangs on a Redis that is away. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Redis (and so the queues) cannot be reached: the API answers 503. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/** Reads Redis's eviction policy: anything but `noeviction` can silently drop queued jobs. */
export async function evictionPolicy(client: IORedis): Promise<string> {
  const res = (await client.config('GET', 'maxmemory-policy')) as string[];
  return res[1] ?? 'unknown';
}
