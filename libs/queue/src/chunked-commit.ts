import type { JobCounts, JobKind } from '@customer-hub/contracts';
import { type JobRun, sqlRows, withTransaction } from '@customer-hub/db';
import {
  type ChunkedCommit,
  type CommitChunk,
  isBadInput,
  JobCancelledError,
  type JobContext,
  type JobDeps,
  JobInterruptedError,
} from './job-context';
import { phaseTimer } from './phase-timer';

/**
 * Applies a commit's chunks that `job_runs.commit_chunks` does not list yet, up to the kind's `lanes` at once,
 * each in its own transaction. A cancel is honoured only before the first chunk commits. A chunk that fails
 * stops the others from starting and fails the commit, saying how many rows stay applied. Returns the job's
 * counts as the chunks left them (see ChunkedCommit.apply).
 */
export async function applyChunks(
  deps: JobDeps,
  run: JobRun,
  chunks: ChunkedCommit,
  ctx: JobContext<JobKind>,
): Promise<JobCounts> {
  const timer = phaseTimer(ctx.logger, run.kind);
  const total = chunks.total(run);
  const done = new Set(run.commitChunks ?? []);
  const plan = await chunks.prepare(run, deps);
  const todo = plan.map((chunk, k) => ({ chunk, k })).filter(({ k }) => !done.has(k));
  let applied = run.commitChunks === null ? 0 : run.progressProcessed;
  // From here progress counts rows applied, of those that change something (none, when nothing does).
  await ctx.progress(applied, total);
  let next = 0;
  let failure: unknown = null;
  let settled = false;
  const lane = async () => {
    while (failure === null && !settled && next < todo.length) {
      if (ctx.signal.aborted) {
        // Each lane finishes the chunk it has before the job goes back to the queue.
        failure ??= new JobInterruptedError(String(ctx.signal.reason ?? 'interrupted'));
        return;
      }
      const { chunk, k } = todo[next++]!;
      const processed = await applyOne(deps, run, chunks, chunk, k, total).catch((err: unknown) => {
        if (!(err instanceof NotRunning)) failure ??= err;
        return null;
      });
      if (processed === null) {
        if (failure === null) settled = true; // settled by another delivery: finish() says so
        return;
      }
      applied = Math.max(applied, processed);
      await ctx.progress(applied, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, chunks.lanes(deps)) }, lane));
  if (failure !== null) {
    const err = failure;
    const passOn = [JobCancelledError, JobInterruptedError].some((kind) => err instanceof kind);
    if (!(err instanceof Error) || passOn || isBadInput(err)) throw err;
    // The chunks that committed stay applied: say so, in what a final failure shows.
    throw new Error(`stopped after applying ${applied} of ${total} rows, which stay applied: ${err.message}`, {
      cause: err,
    });
  }
  timer.done('commit');
  const [row] = await sqlRows<{ counts: JobCounts }>(deps.ds, 'SELECT counts FROM job_runs WHERE id = $1', [run.id]);
  return row?.counts ?? run.counts;
}

/**
 * One chunk, in its own transaction, recorded at its end (the job_run row is locked only from there to the
 * commit, so lanes wait on each other only briefly). How many rows are applied with it; null when the job is no
 * longer running.
 */
function applyOne(
  deps: JobDeps,
  run: JobRun,
  chunks: ChunkedCommit,
  chunk: CommitChunk,
  k: number,
  total: number,
): Promise<number | null> {
  return withTransaction(deps.ds, async (m) => {
    const [before] = await sqlRows<{ state: string; cancel: Date | null; chunks: number[] | null }>(
      m,
      'SELECT state, cancel_requested_at AS cancel, commit_chunks AS chunks FROM job_runs WHERE id = $1',
      [run.id],
    );
    if (before?.state !== 'running') throw new NotRunning();
    if (before.cancel && before.chunks === null) throw new JobCancelledError('cancelled by request');
    const correction = await chunks.apply(m, run, chunk);
    // Recorded only while the job still runs and, before its first chunk, is not cancelled (a cancel that
    // commits first wins; one that comes after finds a chunk recorded and is refused).
    const [after] = await sqlRows<{ processed: string }>(
      m,
      `UPDATE job_runs SET
         progress_processed = CASE WHEN commit_chunks IS NULL THEN 0 ELSE progress_processed END
           + CASE WHEN $2 = ANY (coalesce(commit_chunks, '{}')) THEN 0 ELSE $3 END,
         commit_chunks = CASE WHEN $2 = ANY (coalesce(commit_chunks, '{}')) THEN commit_chunks
           ELSE array_append(coalesce(commit_chunks, '{}'), $2) END,
         progress_total = $4,
         counts = CASE WHEN $2 = ANY (coalesce(commit_chunks, '{}')) THEN counts ELSE ${ADD_COUNTS} END
       WHERE id = $1 AND state = 'running' AND (commit_chunks IS NOT NULL OR cancel_requested_at IS NULL)
       RETURNING progress_processed AS processed`,
      [run.id, k, chunk.rows, total, JSON.stringify(correction ?? {})],
    );
    if (after) return Number(after.processed);
    const [now] = await sqlRows<{ state: string }>(m, 'SELECT state FROM job_runs WHERE id = $1', [run.id]);
    if (now?.state === 'running') throw new JobCancelledError('cancelled by request');
    throw new NotRunning();
  });
}

/** job_runs.counts with each of the counts in $5 (a JSON object) added to it. */
const ADD_COUNTS = `coalesce(counts, '{}'::jsonb) || coalesce((SELECT jsonb_object_agg(key,
    coalesce((counts ->> key)::bigint, 0) + value::bigint) FROM jsonb_each_text($5::jsonb)), '{}'::jsonb)`;

/** The job was settled meanwhile (by another delivery): the chunk rolls back and the lanes stop. */
class NotRunning extends Error {}
