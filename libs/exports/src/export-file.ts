import { PassThrough, type Readable, Transform } from 'node:stream';
import { copyOut, sqlRows } from '@customer-hub/db';
import type { StoredFile } from '@customer-hub/files';
import { type JobContext, type JobOutcome, jobFile } from '@customer-hub/queue';

/** Counts CSV rows as they stream by (progress), approximately: a quoted line break counts too. */
function lineCounter(onLines: (n: number) => void) {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
      onLines(n);
      done(null, chunk);
    },
  });
}

/** Stores an export body under the job as `name`, expiring after `ttlHours`. */
export function storeExport(
  ctx: JobContext<'export'>,
  name: string,
  body: Readable,
  contentType: string,
  ttlHours: number,
) {
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
  return ctx.files.write(`jobs/${ctx.run.id}/${name}`, body, { contentType, expiresAt });
}

export const exportOutcome = (rows: number, name: string, stored: StoredFile): JobOutcome => ({
  counts: { rows },
  files: [jobFile(name, stored)],
});

/**
 * Runs `query` through COPY TO STDOUT as CSV with a header, straight into the job's `export.csv` (optionally
 * after a UTF-8 byte-order mark), reporting progress by lines. `countQuery` (one row, column `n`) gives the
 * total more cheaply than counting the query itself.
 */
export async function copyToExportFile(
  ctx: JobContext<'export'>,
  query: string,
  o: { bom: boolean; ttlHours: number; countQuery?: string },
): Promise<JobOutcome> {
  const counting = o.countQuery ?? `SELECT count(*)::int AS n FROM (${query}) q`;
  const [{ n: total }] = (await sqlRows<{ n: number }>(ctx.ds, counting)) as [{ n: number }];
  await ctx.progress(0, total);
  const csv = await copyOut(ctx.ds, `COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`);
  const body = new PassThrough();
  if (o.bom) body.write('\uFEFF');
  let lines = 0;
  csv.pipe(lineCounter((n) => (lines = n))).pipe(body);
  csv.on('error', (err) => body.destroy(err));
  const timer = setInterval(() => void ctx.progress(Math.max(0, lines - 1), total).catch(() => {}), 500);
  try {
    const stored = await storeExport(ctx, 'export.csv', body, 'text/csv; charset=utf-8', o.ttlHours);
    await ctx.progress(total, total);
    return exportOutcome(total, 'export.csv', stored);
  } finally {
    clearInterval(timer);
  }
}
