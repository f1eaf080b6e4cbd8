import type { JobCounts, JobFile, JobKind, JobState } from '@customer-hub/contracts';
import { EntitySchema } from 'typeorm';

export interface JobError {
  code: string;
  message: string;
  details?: unknown;
}

/** The durable record of a bulk job. Postgres is the source of truth; Redis only carries `{ jobRunId }`. */
export interface JobRun {
  id: string;
  accountId: string;
  kind: JobKind;
  state: JobState;
  params: Record<string, unknown>;
  counts: JobCounts;
  progressProcessed: number;
  progressTotal: number | null;
  submittedBy: string;
  idempotencyKey: string | null;
  attempts: number;
  cancelRequestedAt: Date | null;
  /** Set when a job that stopped in awaiting_commit was asked to apply: the worker then commits it. */
  commitRequestedAt: Date | null;
  commitRequestedBy: string | null;
  /** The chunks of a chunked commit applied so far (see TwoPhase.chunks); NULL until the first commits. */
  commitChunks: number[] | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: JobError | null;
  files: JobFile[];
}

const bigintAsNumber = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

export const JobRunEntity = new EntitySchema<JobRun>({
  name: 'JobRun',
  tableName: 'job_runs',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    accountId: { name: 'account_id', type: 'uuid' },
    kind: { type: 'text' },
    state: { type: 'text' },
    params: { type: 'jsonb' },
    counts: { type: 'jsonb' },
    progressProcessed: { name: 'progress_processed', type: 'bigint', transformer: bigintAsNumber },
    progressTotal: { name: 'progress_total', type: 'bigint', nullable: true, transformer: bigintAsNumber },
    submittedBy: { name: 'submitted_by', type: 'uuid' },
    idempotencyKey: { name: 'idempotency_key', type: 'text', nullable: true },
    attempts: { type: 'int' },
    cancelRequestedAt: { name: 'cancel_requested_at', type: 'timestamptz', nullable: true },
    commitRequestedAt: { name: 'commit_requested_at', type: 'timestamptz', nullable: true },
    commitRequestedBy: { name: 'commit_requested_by', type: 'uuid', nullable: true },
    commitChunks: { name: 'commit_chunks', type: 'int', array: true, nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    startedAt: { name: 'started_at', type: 'timestamptz', nullable: true },
    finishedAt: { name: 'finished_at', type: 'timestamptz', nullable: true },
    error: { type: 'jsonb', nullable: true },
    files: { type: 'jsonb' },
  },
});
