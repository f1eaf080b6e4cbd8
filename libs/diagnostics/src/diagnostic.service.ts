import { Readable } from 'node:stream';
import { type JobContext, type JobOutcome, jobFile, UnrecoverableError } from '@customer-hub/queue';
import { stringify } from 'csv-stringify';

/** Hard caps so a self-test can't be turned into a way to hog a worker. */
export const DIAGNOSTIC_LIMITS = { maxSteps: 10_000, maxStepMs: 10_000, maxFailAttempts: 10 } as const;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Streams a stored file and counts its bytes and lines, without holding it in memory. */
async function scanFile(ctx: JobContext<'diagnostic'>, key: string) {
  const stat = await ctx.files.stat(key);
  if (!stat) throw new UnrecoverableError(`input file ${key} is missing from the file store`);
  const stream = await ctx.files.read(key);
  let bytes = 0;
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    last = chunk[chunk.length - 1] ?? last;
    await ctx.checkpoint();
    await ctx.progress(0, ctx.params.steps);
  }
  if (bytes > 0 && last !== 0x0a) lines++;
  return { bytes, lines };
}

/**
 * The pipeline self-test: proves upload → file store → worker → Postgres → report works end to end.
 * Each step is recorded idempotently (keyed by job and step), so a retried or re-delivered job resumes
 * without doubling anything.
 */
export async function runDiagnostic(ctx: JobContext<'diagnostic'>): Promise<JobOutcome> {
  const { steps, stepMs, failAttempts, inputFile } = ctx.params;
  const file = inputFile ? await scanFile(ctx, inputFile) : null;
  const done = await ctx.ds.query('SELECT count(*)::int AS n FROM diagnostic_ticks WHERE job_run_id = $1', [
    ctx.run.id,
  ]);
  let processed: number = done[0].n;
  for (let step = 1; step <= steps; step++) {
    await ctx.checkpoint();
    const res = await ctx.ds.query(
      'INSERT INTO diagnostic_ticks (job_run_id, step) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING step',
      [ctx.run.id, step],
    );
    if (step === Math.ceil(steps / 2) && ctx.job.attemptsMade < failAttempts) {
      throw new Error(
        `simulated transient fault on attempt ${ctx.job.attemptsMade + 1} (failAttempts=${failAttempts})`,
      );
    }
    if (res.length === 0) continue; // done by an earlier attempt
    processed++;
    await ctx.progress(processed, steps);
    if (stepMs > 0) await sleep(stepMs, ctx.signal);
  }
  const counts = { steps, ...(file ? { lines: file.lines, bytes: file.bytes } : {}) };
  const key = `jobs/${ctx.run.id}/report.csv`;
  const report = stringify(Object.entries({ ...counts, attempts: ctx.attempt }), {
    header: true,
    columns: ['metric', 'value'],
  });
  const stored = await ctx.files.write(key, Readable.from(report), { contentType: 'text/csv; charset=utf-8' });
  return {
    counts,
    files: [jobFile('report.csv', stored)],
  };
}
