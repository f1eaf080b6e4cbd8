import type { Config } from '@customer-hub/config';
import type { JobCounts, JobData, JobFile, JobKind, JobParams } from '@customer-hub/contracts';
import type { DataSource, EntityManager, JobRun } from '@customer-hub/db';
import type { FileStore, StoredFile } from '@customer-hub/files';
import type { Logger } from '@customer-hub/logging';
import { type Job, UnrecoverableError } from 'bullmq';

/** The job was cancelled by a user; it stops at a checkpoint and changes nothing visible. */
export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
}

/**
 * Bad input for the whole job (not CSV, too many rejected rows…): fails at once, without retries, and keeps the
 * reports that explain it (e.g. errors.csv) downloadable.
 */
export class JobInputError extends UnrecoverableError {
  override name = 'JobInputError';
  constructor(
    message: string,
    readonly files: JobFile[] = [],
    readonly counts: JobCounts = {},
    /** The job's error code as the API shows it. */
    readonly code = 'invalid_input',
  ) {
    super(message);
  }
}

/**
 * Is this bad input for the whole job (fail at once, no retry)? An UnrecoverableError, or any error marked
 * `badInput: true` — how libraries that know nothing of queues (the CSV reader, say) say so.
 */
export const isBadInput = (err: unknown): boolean =>
  err instanceof UnrecoverableError ||
  (typeof err === 'object' && err !== null && (err as { badInput?: unknown }).badInput === true);

/** The worker is shutting down past its deadline; the job goes back to the queue for another worker. */
export class JobInterruptedError extends Error {
  override name = 'JobInterruptedError';
}

export interface JobDeps {
  config: Config;
  ds: DataSource;
  files: FileStore;
  logger: Logger;
}

/** What a processor gets: the job's stored record and typed params, and the means to report and stop. */
export interface JobContext<K extends JobKind> extends JobDeps {
  run: JobRun;
  params: JobParams[K];
  job: Job<JobData>;
  /** 1 on the first delivery; counts every attempt, including ones interrupted by a crash. */
  attempt: number;
  /** Aborted when the worker must give the job up (shutdown deadline). */
  signal: AbortSignal;
  /** Records progress; throttled, so call it as often as convenient. */
  progress(processed: number, total?: number | null): Promise<void>;
  /** Throws {@link JobCancelledError} or {@link JobInterruptedError} when the job must stop here. */
  checkpoint(): Promise<void>;
}

/**
 * What a processor returns. `commit` runs in the same transaction that marks the job finished, with the
 * job_run row locked: it happens once, however often the job is delivered, and never after a cancel.
 */
export interface JobOutcome {
  counts?: JobCounts;
  files?: JobFile[];
  /**
   * `awaiting_commit` for two-phase jobs that stop after validation; `commit` for one validated and to be
   * applied now through its kind's {@link TwoPhase}, as if its commit had been asked for (the counts and files
   * are stored first, so a retry after a crash resumes the commit rather than validating again).
   */
  state?: 'succeeded' | 'awaiting_commit' | 'commit';
  /** Applies the job in the transaction that settles it; `counts` are stored after it, so it may add to them. */
  commit?: (manager: EntityManager) => Promise<void>;
  /** Best-effort housekeeping once the job is settled (e.g. dropping old versions). */
  afterCommit?: () => Promise<void>;
}

export type Processor<K extends JobKind> = (ctx: JobContext<K>) => Promise<JobOutcome>;

/**
 * How a kind of job that can stop in `awaiting_commit` is applied once `POST /v1/jobs/:id/commit` asks for it
 * (the worker runs the job again, and this instead of the processor), and what is let go afterwards.
 */
export interface TwoPhase {
  /**
   * Applies the validated job, in the transaction that marks it succeeded. An UnrecoverableError refuses it
   * for good (e.g. another upload was published since): the job fails with `commit_refused` and the reason.
   */
  commit(m: EntityManager, run: JobRun, userId: string): Promise<void>;
  /** Housekeeping once the job is committed, refused or cancelled (safe to repeat). */
  tidy(deps: Pick<JobDeps, 'ds' | 'config'>, run: JobRun): Promise<void>;
  /** A commit too big for one transaction: applied a chunk per transaction before `commit` runs. */
  chunks?: ChunkedCommit;
}

/** One chunk of a chunked commit: the rows after `after` up to `upto` in the kind's own order (lines, say). */
export interface CommitChunk {
  after: number;
  upto: number;
  /** How many rows it applies (for progress). */
  rows: number;
}

/**
 * The chunks of a commit. The worker applies up to `lanes` chunks at once, each in its own transaction on its
 * own connection, and records it in `job_runs.commit_chunks` (and the progress) in that same transaction, so a
 * retry after a crash applies only the chunks not yet recorded. Chunks must not depend on each other. Once a
 * chunk has committed the job can no longer be cancelled.
 */
export interface ChunkedCommit {
  /** How many rows the whole commit applies (the total its progress counts towards). */
  total(run: JobRun): number;
  /**
   * Runs before the chunks on every attempt (so it must be safe to repeat), and returns them in order: the same
   * list every time for the same job.
   */
  prepare(run: JobRun, deps: Pick<JobDeps, 'ds' | 'config'>): Promise<CommitChunk[]>;
  /**
   * Applies one chunk in `m`. It may return what to add to the job's counts where the chunk found things changed
   * since they were counted (a new customer's number taken meanwhile, say: `{ created: -1, updated: 1 }`), so
   * the counts say what the commit did; they are added in the chunk's own transaction, once.
   */
  apply(m: EntityManager, run: JobRun, chunk: CommitChunk): Promise<JobCounts | undefined>;
  /** How many chunks may apply at once. */
  lanes(deps: Pick<JobDeps, 'config'>): number;
}

export interface ProcessorDefinition<K extends JobKind = JobKind> {
  kind: K;
  process: Processor<K>;
  twoPhase?: TwoPhase;
}

/** Ties a processor to its kind so that its context is typed by that kind's params. */
export const defineProcessor = <K extends JobKind>(
  kind: K,
  process: Processor<K>,
  twoPhase?: TwoPhase,
): ProcessorDefinition => ({ kind, process, twoPhase }) as unknown as ProcessorDefinition;

/** A stored file as one of a job's downloadable outputs, named `name` at `GET /v1/jobs/:id/files/:name`. */
export const jobFile = (name: string, stored: StoredFile): JobFile => ({
  name,
  key: stored.key,
  contentType: stored.contentType,
  bytes: stored.bytes,
  expiresAt: stored.expiresAt?.toISOString() ?? null,
});
