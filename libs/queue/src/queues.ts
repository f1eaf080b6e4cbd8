import type { Config } from '@customer-hub/config';
import { type JobData, type JobKind, jobKinds, queueNameOf } from '@customer-hub/contracts';
import { Queue } from 'bullmq';
import { redisOptions } from './connection';

export type HubQueue = Queue<JobData, unknown, JobKind>;

/** Default job options: retries with exponential backoff, and bounded history in Redis (job_runs keeps all). */
export function defaultJobOptions(config: Pick<Config, 'jobs'>) {
  const j = config.jobs;
  return {
    attempts: j.attempts,
    backoff: { type: 'exponential' as const, delay: j.backoffMs },
    removeOnComplete: { age: j.keepCompleted.age, count: j.keepCompleted.count },
    removeOnFail: { age: j.keepFailed.age, count: j.keepFailed.count },
  };
}

/** One BullMQ queue per job kind, created once and closed together. */
export class QueueRegistry {
  private readonly queues = new Map<JobKind, HubQueue>();

  constructor(config: Pick<Config, 'redis' | 'jobs'>) {
    for (const kind of jobKinds) {
      const queue: HubQueue = new Queue(queueNameOf(kind), {
        connection: redisOptions(config, 'producer'),
        prefix: config.redis.prefix,
        defaultJobOptions: defaultJobOptions(config),
      });
      // Errors surface on the calls that fail; without a listener an 'error' event would crash the process.
      queue.on('error', () => {});
      this.queues.set(kind, queue);
    }
  }

  get(kind: JobKind): HubQueue {
    const q = this.queues.get(kind);
    if (!q) throw new Error(`no queue for job kind ${kind}`);
    return q;
  }

  all(): HubQueue[] {
    return [...this.queues.values()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((q) => q.close()));
  }
}
