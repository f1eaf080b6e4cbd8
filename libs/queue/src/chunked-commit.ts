import type { JobKind } from '@customer-hub/contracts';
import { type JobRun, sqlRows, withTransaction } from '@customer-hub/db';
import {
  type ChunkedCommit,
  isBadInput,
  JobCancelledError,
  type JobContext,
  type JobDeps,
  JobInterruptedError,
} from './job-context';
import { phaseTimer } from './phase-timer';

/**
 * Applies a commit's chunks, each in its own transaction with the job_run locked, from the mark the last
 * committed chunk left (a retry resumes there). A cancel is honoured only before the first chunk.
 */
export async function applyChunks(
  deps: JobDeps,
  run: JobRun,
  chunks: ChunkedCommit,
  ctx: JobContext<JobKind>,
): Promise<void> {
  const timer = phaseTimer(ctx.logger, run.kind);
  const total = chunks.total(run);
  let applied = run.commitMark === null ? 0 : run.progressProcessed;
  for (;;) {
    if (ctx.signal.aborted) throw new JobInterruptedError(String(ctx.signal.reason ?? 'interrupted'));
    const processed = await applyNext(deps, run, chunks, total).catch((err: unknown) => {
      if (!(err instanceof Error) || err instanceof JobCancelledError || isBadInput(err)) throw err;
      // The chunks before stay applied: say so, in what a final failure shows.
      throw new Error(`stopped after applying ${applied} of ${total} rows, which stay applied: ${err.message}`, {
        cause: err,
      });
    });
    if (processed === null) break;
    applied = processed;
    await ctx.progress(processed, total);
  }
  timer.done('commit');
}

/** One chunk in its own transaction, with the job_run locked; how many rows are applied after it (null: done). */
function applyNext(deps: JobDeps, run: JobRun, chunks: ChunkedCommit, total: number): Promise<number | null> {
  return withTransaction(deps.ds, async (m) => {
    const [row] = await sqlRows<{ state: string; cancel: Date | null; mark: string | null; processed: string }>(
      m,
      `SELECT state, cancel_requested_at AS cancel, commit_mark AS mark, progress_processed AS processed
         FROM job_runs WHERE id = $1 FOR UPDATE`,
      [run.id],
    );
    if (row?.state !== 'running') return null; // settled by another delivery: finish() says so
    const mark = row.mark === null ? null : Number(row.mark);
    if (row.cancel && mark === null) throw new JobCancelledError('cancelled by request');
    const step = await chunks.next(m, run, mark, deps);
    if (!step) return null;
    const done = (mark === null ? 0 : Number(row.processed)) + step.applied;
    await m.query('UPDATE job_runs SET commit_mark = $2, progress_processed = $3, progress_total = $4 WHERE id = $1', [
      run.id,
      step.mark,
      done,
      total,
    ]);
    return done;
  });
}
