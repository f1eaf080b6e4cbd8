import type { JobKind } from '@customer-hub/contracts';
import { type JobRun, JobRunEntity, sqlRows } from '@customer-hub/db';
import {
  applyChunks,
  type ChunkedCommit,
  JobCancelledError,
  type JobContext,
  JobInterruptedError,
  recordProgress,
} from '@customer-hub/queue';
import { createTestAccount, createTestEnv, type TestAccount, type TestEnv } from '@customer-hub/testing';

/**
 * The worker's chunked commit against a real job_run: each chunk commits with its mark and progress, a failed
 * chunk leaves the ones before it (and says so), and the next run resumes after the last mark.
 */
let env: TestEnv;
let acme: TestAccount;

beforeAll(async () => {
  env = await createTestEnv();
  acme = await createTestAccount(env.ds);
  await env.ds.query('CREATE TABLE applied_chunks (chunk int PRIMARY KEY)');
});
afterAll(() => env.cleanup());

/**
 * Five chunks of ten rows, two at a time; each records itself in its transaction and corrects the counts (one
 * line counted as created was found updated). `failAt` throws once.
 */
function fiveChunks(failAt?: number): ChunkedCommit {
  let failed = false;
  return {
    total: () => 50,
    prepare: async () => [1, 2, 3, 4, 5].map((k) => ({ after: k - 1, upto: k, rows: 10 })),
    async apply(m, _run, { upto: chunk }) {
      await m.query('INSERT INTO applied_chunks VALUES ($1)', [chunk]);
      if (chunk === failAt && !failed) {
        failed = true;
        throw new Error('connection lost');
      }
      return { created: -1, updated: 1 };
    },
    lanes: () => 2,
  };
}

async function runningJob(): Promise<JobRun> {
  const [{ id }] = (await sqlRows<{ id: string }>(
    env.ds,
    `INSERT INTO job_runs (account_id, kind, params, submitted_by, state, commit_requested_at, counts)
     VALUES ($1, 'diagnostic', '{}', $2, 'running', now(), '{"created": 10}') RETURNING id`,
    [acme.account.id, acme.userIds.admin],
  )) as [{ id: string }];
  return load(id);
}
const load = (id: string) => env.ds.getRepository(JobRunEntity).findOneByOrFail({ id });

const ctx = (run: JobRun, signal = new AbortController().signal) =>
  ({ run, logger: env.logger, signal, progress: async () => {} }) as unknown as JobContext<JobKind>;

const applied = async () =>
  (await sqlRows<{ chunk: number }>(env.ds, 'SELECT chunk FROM applied_chunks ORDER BY chunk')).map((r) => r.chunk);

beforeEach(() => env.ds.query('TRUNCATE applied_chunks'));

it('keeps the chunks that committed, says how far it got, and applies only the others on a retry', async () => {
  const run = await runningJob();
  const chunks = fiveChunks(3);
  await expect(applyChunks(env, run, chunks, ctx(run))).rejects.toThrow(
    /^stopped after applying \d+ of 50 rows, which stay applied: connection lost$/,
  );
  // Chunk 3 rolled back whole; the lane beside it may have committed one more before the failure stopped both.
  const first = await applied();
  expect(first).not.toContain(3);
  expect(first.slice(0, 2)).toEqual([1, 2]);
  let stored = await load(run.id);
  expect([...stored.commitChunks!].sort()).toEqual(first.map((c) => c - 1));
  // Only the committed chunks' corrections, added to what the check counted.
  expect(stored.counts).toEqual({ created: 10 - first.length, updated: first.length });
  expect({ processed: stored.progressProcessed, total: stored.progressTotal }).toEqual({
    processed: 10 * first.length,
    total: 50,
  });

  // A retry, and a second delivery finding every chunk done, add each chunk's correction once.
  expect(await applyChunks(env, stored, chunks, ctx(stored))).toEqual({ created: 5, updated: 5 });
  const again = await load(run.id);
  expect(await applyChunks(env, again, chunks, ctx(again))).toEqual({ created: 5, updated: 5 });
  expect(await applied()).toEqual([1, 2, 3, 4, 5]);
  stored = await load(run.id);
  expect({ chunks: [...stored.commitChunks!].sort(), processed: stored.progressProcessed }).toEqual({
    chunks: [0, 1, 2, 3, 4],
    processed: 50,
  });
});

it('honours a cancel before the first chunk only', async () => {
  const before = await runningJob();
  await env.ds.query('UPDATE job_runs SET cancel_requested_at = now() WHERE id = $1', [before.id]);
  await expect(applyChunks(env, before, fiveChunks(), ctx(before))).rejects.toBeInstanceOf(JobCancelledError);
  expect(await applied()).toEqual([]);

  const after = await runningJob();
  await expect(applyChunks(env, after, fiveChunks(2), ctx(after))).rejects.toThrow('connection lost');
  await env.ds.query('UPDATE job_runs SET cancel_requested_at = now() WHERE id = $1', [after.id]);
  const stored = await load(after.id);
  await applyChunks(env, stored, fiveChunks(), ctx(stored));
  expect(await applied()).toEqual([1, 2, 3, 4, 5]);
});

it('at shutdown lets each lane finish its chunk, records them, and hands the job back unwrapped', async () => {
  const run = await runningJob();
  const shutdown = new AbortController();
  const chunks = fiveChunks();
  const apply = chunks.apply;
  // The shutdown comes once both lanes hold a chunk (1 and 2), and neither finishes before it.
  let holding = 0;
  let bothHold = () => {};
  const held = new Promise<void>((resolve) => {
    bothHold = resolve;
  });
  chunks.apply = async (m, r, chunk) => {
    if (++holding === 2) {
      shutdown.abort('worker shutdown deadline passed');
      bothHold();
    }
    await held;
    await apply(m, r, chunk);
  };
  await expect(applyChunks(env, run, chunks, ctx(run, shutdown.signal))).rejects.toBeInstanceOf(JobInterruptedError);
  const stored = await load(run.id);
  // The two lanes' chunks (1 and 2) are whole and recorded; nothing was started after the abort.
  expect(await applied()).toEqual([1, 2]);
  expect([...stored.commitChunks!].sort()).toEqual([0, 1]);
});

it("keeps the chunks' count when the worker's progress report lands after a later chunk", async () => {
  const run = await runningJob();
  // Each report lands one chunk late, as a throttled write queued behind the next chunk's transaction would.
  let previous: number | null = null;
  const late = {
    run,
    logger: env.logger,
    signal: new AbortController().signal,
    progress: async (processed: number, total: number) => {
      if (previous !== null) await recordProgress(env.ds, run.id, previous, total);
      previous = processed;
    },
  } as unknown as JobContext<JobKind>;
  await expect(applyChunks(env, run, fiveChunks(3), late)).rejects.toThrow(/connection lost/);
  const stopped = await load(run.id);
  expect(stopped.progressProcessed).toBe(10 * stopped.commitChunks!.length);
  await applyChunks(env, stopped, fiveChunks(), late);
  const done = await load(run.id);
  expect({ processed: done.progressProcessed, total: done.progressTotal }).toEqual({ processed: 50, total: 50 });
});
