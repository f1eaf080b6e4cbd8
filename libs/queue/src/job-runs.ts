import type { Config } from '@customer-hub/config';
import type { JobData, JobKind, JobParams, JobState } from '@customer-hub/contracts';
import { type DataSource, type JobRun, JobRunEntity, scoped, sqlRows } from '@customer-hub/db';
import { QueueUnavailableError, withTimeout } from './connection';
import type { QueueRegistry } from './queues';

export interface SubmitJob<K extends JobKind> {
  accountId: string;
  userId: string;
  kind: K;
  params: JobParams[K];
  idempotencyKey?: string | null;
}

/** The same Idempotency-Key was used before for a different kind of request. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

export interface JobPlatform {
  ds: DataSource;
  queues: QueueRegistry;
  config: Pick<Config, 'redis' | 'jobs'>;
}

/**
 * Records a job_run and enqueues its BullMQ job (job id = job_run id), so that neither exists without the other
 * for long: if Redis does not take the job, the row is removed again and {@link QueueUnavailableError} is thrown.
 * (Should the process die between the two steps, the reconciler enqueues the row later.)
 * With an idempotency key, a second call returns the first job and `created: false`.
 */
export async function submitJob<K extends JobKind>(
  p: JobPlatform,
  req: SubmitJob<K>,
): Promise<{ run: JobRun; created: boolean }> {
  const repo = scoped(p.ds.manager, req.accountId).repo(JobRunEntity);
  const inserted = await sqlRows<{ id: string }>(
    p.ds,
    `INSERT INTO job_runs (account_id, kind, params, submitted_by, idempotency_key)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
    [req.accountId, req.kind, JSON.stringify(req.params), req.userId, req.idempotencyKey ?? null],
  );
  if (inserted.length === 0) {
    const existing = await repo.findOneBy({ idempotencyKey: req.idempotencyKey ?? '' });
    if (!existing) throw new Error('job_run insert was skipped but no row holds its idempotency key');
    if (existing.kind !== req.kind) {
      throw new IdempotencyConflictError(`Idempotency-Key was already used for a ${existing.kind} job`);
    }
    return { run: existing, created: false };
  }
  const id = inserted[0]!.id;
  try {
    await enqueueRun(p, { jobRunId: id, accountId: req.accountId }, req.kind);
  } catch (err) {
    await p.ds.query('DELETE FROM job_runs WHERE id = $1 AND account_id = $2', [id, req.accountId]);
    throw err instanceof QueueUnavailableError ? err : new QueueUnavailableError(`queue unavailable: ${String(err)}`);
  }
  const run = await repo.findOneBy({ id });
  if (!run) throw new Error(`job_run ${id} vanished after insert`);
  return { run, created: true };
}

/** Adds the BullMQ job for a job_run (a no-op if a job with that id is already in the queue). */
export async function enqueueRun(p: JobPlatform, data: JobData, kind: JobKind): Promise<void> {
  await withTimeout(
    p.queues.get(kind).add(kind, data, { jobId: data.jobRunId }),
    p.config.redis.commandTimeoutMs,
    `enqueue of ${kind} job`,
  );
}

/**
 * Enqueues a job_run that settled once (validated, now to be committed; or lost by Redis) again. A finished
 * BullMQ job under its id is removed first, as an id that is still in the queue is not added again. Returns
 * false, adding nothing, while a BullMQ job for it is waiting or running.
 */
export async function requeueRun(p: JobPlatform, data: JobData, kind: JobKind): Promise<boolean> {
  const queue = p.queues.get(kind);
  const timeout = p.config.redis.commandTimeoutMs;
  const job = await withTimeout(queue.getJob(data.jobRunId), timeout, `lookup of ${kind} job`);
  if (job) {
    const state = await withTimeout(job.getState(), timeout, `state of ${kind} job`);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await withTimeout(job.remove(), timeout, `removal of finished ${kind} job`).catch(() => {});
  }
  await enqueueRun(p, data, kind);
  return true;
}

export interface ListJobsQuery {
  kind?: JobKind;
  state?: JobState;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /** When set, only jobs this user submitted (customers see their own only). */
  submittedBy?: string;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listJobRuns(ds: DataSource, accountId: string, q: ListJobsQuery) {
  const qb = scoped(ds.manager, accountId).repo(JobRunEntity).query('j');
  if (q.kind) qb.andWhere('j.kind = :kind', { kind: q.kind });
  if (q.state) qb.andWhere('j.state = :state', { state: q.state });
  if (q.submittedBy) qb.andWhere('j.submittedBy = :by', { by: q.submittedBy });
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  if (after) {
    qb.andWhere('(j.createdAt, j.id) < (:at::timestamptz, :id::uuid)', { at: after.at, id: after.id });
  }
  const rows = await qb
    .orderBy('j.createdAt', 'DESC')
    .addOrderBy('j.id', 'DESC')
    .take(q.limit + 1)
    .getMany();
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { items: page, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

function encodeCursor(r: JobRun): string {
  return Buffer.from(JSON.stringify({ at: r.createdAt.toISOString(), id: r.id })).toString('base64url');
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

function decodeCursor(c: string): { at: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { at?: unknown; id?: unknown };
    if (
      typeof v.at === 'string' &&
      typeof v.id === 'string' &&
      /^[0-9a-f-]{36}$/.test(v.id) &&
      !Number.isNaN(Date.parse(v.at))
    ) {
      return { at: v.at, id: v.id };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError('cursor is not one this API handed out');
}

const FINISHED: JobState[] = ['succeeded', 'failed', 'cancelled'];

export type CancelOutcome = 'cancelled' | 'cancel_requested' | 'already_finished' | 'committing';

/**
 * Cancels a job. A queued job (or one awaiting commit) is cancelled at once and leaves the queue; a running one
 * is asked to stop and does so at its next checkpoint, changing nothing visible. A job whose commit has applied
 * a chunk (`commit_chunks`) is past the point of no return: it is left to finish.
 */
export async function cancelJob(p: JobPlatform, run: JobRun): Promise<CancelOutcome> {
  const rows = await sqlRows<{ state: JobState }>(
    p.ds,
    `UPDATE job_runs SET
       cancel_requested_at = coalesce(cancel_requested_at, now()),
       state = CASE WHEN state IN ('queued', 'awaiting_commit') THEN 'cancelled' ELSE state END,
       finished_at = CASE WHEN state IN ('queued', 'awaiting_commit') THEN now() ELSE finished_at END
     WHERE id = $1 AND account_id = $2 AND state NOT IN ('succeeded', 'failed', 'cancelled') AND commit_chunks IS NULL
     RETURNING state`,
    [run.id, run.accountId],
  );
  if (rows.length === 0) {
    const [now] = await sqlRows<{ chunks: number[] | null; state: JobState }>(
      p.ds,
      'SELECT commit_chunks AS chunks, state FROM job_runs WHERE id = $1',
      [run.id],
    );
    return now && now.chunks !== null && !FINISHED.includes(now.state) ? 'committing' : 'already_finished';
  }
  if (rows[0]!.state === 'cancelled') {
    // Best effort: a job still waiting in Redis is removed; if a worker holds it, the worker sees the state.
    await withTimeout(p.queues.get(run.kind).remove(run.id), p.config.redis.commandTimeoutMs, 'remove').catch(() => 0);
    return 'cancelled';
  }
  return 'cancel_requested';
}

/**
 * A job's progress, as its process reports it. Once a chunked commit has recorded a chunk, each chunk's own
 * transaction adds its rows to the count and only the total is taken from here: a report sent before a later
 * chunk committed could land after it and take that chunk's rows off the count a retry goes on from.
 */
export async function recordProgress(
  ds: DataSource,
  jobRunId: string,
  processed: number,
  total: number | null,
): Promise<void> {
  await ds.query(
    `UPDATE job_runs SET progress_total = $3,
       progress_processed = CASE WHEN commit_chunks IS NULL THEN $2 ELSE progress_processed END
     WHERE id = $1`,
    [jobRunId, processed, total],
  );
}
