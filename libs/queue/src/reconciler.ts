import type { JobKind } from '@customer-hub/contracts';
import { sqlRows } from '@customer-hub/db';
import { type JobPlatform, requeueRun } from './job-runs';

/**
 * Re-enqueues job_runs that Postgres says are queued or running but that Redis no longer holds (Redis lost its
 * data, or a process died between writing the row and adding the job). Postgres is the source of truth; job
 * ids equal job_run ids, so adding an existing job again is a no-op.
 */
export async function reconcileJobs(p: JobPlatform, graceMs: number, batch = 500): Promise<{ requeued: string[] }> {
  const rows = await sqlRows<{ id: string; kind: JobKind; account_id: string }>(
    p.ds,
    `SELECT id, kind, account_id FROM job_runs
     WHERE state IN ('queued', 'running') AND created_at < now() - make_interval(secs => $1::float8 / 1000)
     ORDER BY created_at LIMIT $2`,
    [graceMs, batch],
  );
  const requeued: string[] = [];
  for (const r of rows) {
    // A finished BullMQ job with an unfinished job_run: the worker died while settling it (or a commit was asked
    // for while the validation's BullMQ job was still finishing); run it again.
    if (await requeueRun(p, { jobRunId: r.id, accountId: r.account_id }, r.kind)) requeued.push(r.id);
  }
  return { requeued };
}
