import type { JobState } from '@customer-hub/contracts';
import { type DataSource, type JobRun, JobRunEntity } from '@customer-hub/db';

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the job_run reaches one of `states` (default: any finished state) and returns it. */
export function waitForJob(
  ds: DataSource,
  id: string,
  states: JobState[] = ['succeeded', 'failed', 'cancelled', 'awaiting_commit'],
  timeoutMs = 20_000,
): Promise<JobRun> {
  return waitFor(
    `job ${id} to reach ${states.join('|')}`,
    async () => {
      const run = await ds.getRepository(JobRunEntity).findOneBy({ id });
      return run && states.includes(run.state) ? run : undefined;
    },
    timeoutMs,
  );
}
