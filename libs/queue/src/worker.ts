import type { Config } from '@customer-hub/config';
import { type JobData, type JobKind, jobKinds, queueNameOf } from '@customer-hub/contracts';
import { type JobError, type JobRun, JobRunEntity, scoped, sqlRows, withTransaction } from '@customer-hub/db';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { applyChunks } from './chunked-commit';
import { redisOptions } from './connection';
import {
  isBadInput,
  JobCancelledError,
  type JobContext,
  type JobDeps,
  JobInputError,
  JobInterruptedError,
  type JobOutcome,
  type ProcessorDefinition,
} from './job-context';
import { recordProgress } from './job-runs';

/** Startup check: every job kind has exactly one processor. */
export function assertProcessorsComplete(defs: ProcessorDefinition[]): void {
  const problems: string[] = [];
  for (const kind of jobKinds) {
    const n = defs.filter((d) => d.kind === kind).length;
    if (n !== 1) problems.push(`job kind "${kind}" has ${n === 0 ? 'no processor' : `${n} processors`}`);
  }
  for (const d of defs) if (!jobKinds.includes(d.kind)) problems.push(`processor for unknown job kind "${d.kind}"`);
  if (problems.length) throw new Error(`Worker wiring is wrong: ${problems.join('; ')}`);
}

const errorOf = (err: unknown): JobError => ({
  code: err instanceof JobInputError ? err.code : isBadInput(err) ? 'invalid_input' : 'job_error',
  message: err instanceof Error ? err.message : String(err),
});

/** A BullMQ worker for one kind, with the job_run bookkeeping around the processor. */
export class HubWorker {
  readonly worker: Worker<JobData, unknown, JobKind>;
  private readonly active = new Map<string, AbortController>();

  constructor(
    readonly definition: ProcessorDefinition,
    private readonly deps: JobDeps,
    private readonly config: Config,
  ) {
    const kind = definition.kind;
    this.worker = new Worker<JobData, unknown, JobKind>(queueNameOf(kind), (job, token) => this.run(job, token), {
      connection: redisOptions(config, 'worker'),
      prefix: config.redis.prefix,
      concurrency: config.jobs.concurrency[kind],
      lockDuration: config.jobs.lockMs,
      stalledInterval: config.jobs.stalledCheckMs,
      maxStalledCount: 2,
      autorun: false,
    });
    this.worker.on('error', (err) => deps.logger.error({ err, kind }, 'worker error'));
    // Catches failures the processor never saw, e.g. a job that stalled too often after repeated crashes.
    this.worker.on('failed', (job, err) => {
      if (!job || err instanceof WaitingError) return;
      const final = isBadInput(err) || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final) void this.finishFailed(job.data, errorOf(err)).catch(() => {});
    });
  }

  start(): void {
    void this.worker.run().catch((err) => this.deps.logger.error({ err }, 'worker stopped'));
  }

  /** Stops taking jobs, lets running ones finish within `deadlineMs`, then hands the rest back to the queue. */
  async close(deadlineMs: number): Promise<void> {
    const closing = this.worker.close();
    const timer = setTimeout(() => {
      for (const c of this.active.values()) c.abort(new JobInterruptedError('worker shutdown deadline passed'));
    }, deadlineMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(job: Job<JobData>, token?: string): Promise<unknown> {
    const { jobRunId, accountId } = job.data;
    const log = this.deps.logger.child({ jobId: jobRunId, kind: this.definition.kind });
    const repo = scoped(this.deps.ds.manager, accountId).repo(JobRunEntity);
    const started = await sqlRows<{ id: string }>(
      this.deps.ds,
      `UPDATE job_runs SET state = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1
       WHERE id = $1 AND account_id = $2 AND state IN ('queued', 'running') AND cancel_requested_at IS NULL
       RETURNING id`,
      [jobRunId, accountId],
    );
    const run = await repo.findOneBy({ id: jobRunId });
    if (!run) {
      log.warn('no job_run for this job; dropping it');
      return { skipped: 'missing' };
    }
    if (started.length === 0) {
      if (run.state === 'running' && run.cancelRequestedAt) await this.finish(run, { cancelled: true });
      log.info({ state: run.state }, 'job already settled; nothing to do');
      return { skipped: run.state };
    }
    const controller = new AbortController();
    this.active.set(jobRunId, controller);
    const ctx = this.context(job, run, controller.signal, log);
    let committing = run.commitRequestedAt !== null;
    log.info({ attempt: run.attempts, committing }, 'job started');
    try {
      let outcome = committing ? await this.commitOutcome(run, ctx) : await this.definition.process(ctx as never);
      if (outcome.state === 'commit') {
        committing = true;
        outcome = await this.commitOutcome(await this.requestCommit(run, outcome), ctx);
      }
      await ctx.flush();
      const state = await this.finish(run, { outcome });
      log.info({ state }, 'job finished');
      if (state === 'succeeded')
        await outcome.afterCommit?.().catch((err) => log.warn({ err }, 'after-commit step failed'));
      return { state };
    } catch (err) {
      if (err instanceof JobCancelledError) {
        await this.finish(run, { cancelled: true });
        if (committing) await this.tidy(run, log);
        log.info('job cancelled');
        return { state: 'cancelled' };
      }
      if (err instanceof JobInterruptedError || controller.signal.aborted) {
        await sqlRows(this.deps.ds, `UPDATE job_runs SET state = 'queued' WHERE id = $1 AND state = 'running'`, [
          jobRunId,
        ]);
        await job.moveToWait(token);
        log.warn('job handed back to the queue at shutdown');
        throw new WaitingError();
      }
      const badInput = isBadInput(err);
      const final = badInput || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.error({ err, final }, final ? 'job failed' : 'job attempt failed; will retry');
      if (final) {
        // How far it got: the last progress may have been held back by the write interval.
        await ctx.flush().catch(() => {});
        await this.finishFailed(job.data, errorOf(err), err instanceof JobInputError ? err : undefined);
        if (committing) await this.tidy(run, log);
      } else {
        await sqlRows(
          this.deps.ds,
          `UPDATE job_runs SET state = 'queued', error = $2 WHERE id = $1 AND state = 'running'`,
          [jobRunId, JSON.stringify(errorOf(err))],
        );
      }
      // BullMQ retries anything but an UnrecoverableError.
      throw badInput && !(err instanceof UnrecoverableError) ? new UnrecoverableError((err as Error).message) : err;
    } finally {
      this.active.delete(jobRunId);
    }
  }

  /**
   * A validated job whose commit was asked for: the same files and counts (as its chunks corrected them, if its
   * kind commits in chunks), now applied in the transaction that marks it succeeded. A refusal fails it with
   * `commit_refused`.
   */
  private async commitOutcome(run: JobRun, ctx: JobContext<JobKind>): Promise<JobOutcome> {
    const phase = this.definition.twoPhase;
    if (!phase) throw new JobInputError(`A ${run.kind} job has nothing to commit.`);
    const refused = (err: unknown) =>
      err instanceof UnrecoverableError ? new JobInputError(err.message, run.files, run.counts, 'commit_refused') : err;
    const counts = phase.chunks
      ? await applyChunks(this.deps, run, phase.chunks, ctx).catch((err) => Promise.reject(refused(err)))
      : run.counts;
    return {
      counts,
      files: run.files,
      commit: (m) =>
        phase.commit(m, run, run.commitRequestedBy ?? run.submittedBy).catch((err) => Promise.reject(refused(err))),
      afterCommit: () => this.tidy(run, this.deps.logger),
    };
  }

  /** A job its processor validated and wants applied now: stored as if its commit had been asked for. */
  private async requestCommit(run: JobRun, outcome: JobOutcome): Promise<JobRun> {
    const counts = outcome.counts ?? {};
    const files = outcome.files ?? [];
    await this.deps.ds.query(
      `UPDATE job_runs SET counts = $2, files = $3, commit_requested_at = now(), commit_requested_by = submitted_by
       WHERE id = $1 AND state = 'running'`,
      [run.id, JSON.stringify(counts), JSON.stringify(files)],
    );
    return { ...run, counts, files, commitRequestedAt: new Date(), commitRequestedBy: run.submittedBy };
  }

  private async tidy(run: JobRun, log: JobDeps['logger']): Promise<void> {
    await this.definition.twoPhase
      ?.tidy({ ds: this.deps.ds, config: this.config }, run)
      .catch((err) => log.warn({ err }, 'tidying after the commit failed'));
  }

  private context(job: Job<JobData>, run: JobRun, signal: AbortSignal, logger: JobDeps['logger']) {
    const ds = this.deps.ds;
    const interval = this.config.jobs.progressIntervalMs;
    let lastWrite = 0;
    let lastCancelCheck = 0;
    let processed = 0;
    let total = run.progressTotal;
    const ctx: JobContext<JobKind> & {
      progress(p: number, t?: number | null, force?: boolean): Promise<void>;
      flush(): Promise<void>;
    } = {
      ...this.deps,
      logger,
      run,
      params: run.params as never,
      job,
      attempt: run.attempts,
      signal,
      async progress(p, t, force = false) {
        processed = p;
        if (t !== undefined) total = t;
        const now = Date.now();
        if (!force && now - lastWrite < interval) return;
        lastWrite = now;
        await recordProgress(ds, run.id, processed, total);
        await job.updateProgress({ processed, total }).catch(() => {});
      },
      flush() {
        return ctx.progress(processed, total, true);
      },
      async checkpoint() {
        if (signal.aborted) throw new JobInterruptedError(String(signal.reason ?? 'interrupted'));
        const now = Date.now();
        if (now - lastCancelCheck < Math.min(interval, 500)) return;
        lastCancelCheck = now;
        const rows = await sqlRows<{ c: Date | null }>(
          ds,
          'SELECT cancel_requested_at AS c FROM job_runs WHERE id = $1',
          [run.id],
        );
        if (rows[0]?.c) throw new JobCancelledError('cancelled by request');
      },
    };
    return ctx;
  }

  /** Settles the job_run once, in one transaction with the row locked; a second delivery finds it settled. */
  private async finish(run: JobRun, how: { outcome?: JobOutcome; cancelled?: boolean }): Promise<string> {
    return withTransaction(this.deps.ds, async (m) => {
      const [row] = await sqlRows<{ state: string; cancel: Date | null }>(
        m,
        'SELECT state, cancel_requested_at AS cancel FROM job_runs WHERE id = $1 AND account_id = $2 FOR UPDATE',
        [run.id, run.accountId],
      );
      if (!row) return 'missing';
      if (row.state !== 'running') return row.state;
      if (how.cancelled || row.cancel) {
        await m.query(`UPDATE job_runs SET state = 'cancelled', finished_at = now() WHERE id = $1`, [run.id]);
        return 'cancelled';
      }
      const o = how.outcome ?? {};
      await o.commit?.(m);
      const state = o.state ?? 'succeeded';
      // clock_timestamp(), not now(): now() is when this transaction began, before the commit's work.
      await m.query(
        `UPDATE job_runs SET state = $2, counts = $3, files = $4, error = NULL,
           finished_at = CASE WHEN $2 = 'succeeded' THEN clock_timestamp() ELSE NULL END
         WHERE id = $1`,
        [run.id, state, JSON.stringify(o.counts ?? {}), JSON.stringify(o.files ?? [])],
      );
      return state;
    });
  }

  private async finishFailed(data: JobData, error: JobError, input?: JobInputError): Promise<void> {
    await this.deps.ds.query(
      `UPDATE job_runs SET state = 'failed', error = $3, finished_at = now(),
         files = coalesce($4::jsonb, files), counts = coalesce($5::jsonb, counts)
       WHERE id = $1 AND account_id = $2 AND state IN ('queued', 'running')`,
      [
        data.jobRunId,
        data.accountId,
        JSON.stringify(error),
        input ? JSON.stringify(input.files) : null,
        input ? JSON.stringify(input.counts) : null,
      ],
    );
  }
}
