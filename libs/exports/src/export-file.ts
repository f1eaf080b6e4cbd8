import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { copyOutInOneSnapshot, sqlRows } from '@customer-hub/db';
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
 * Runs `queries` through COPY TO STDOUT as CSV, one after the other in the file (a header from the first), into
 * the job's `export.csv` (optionally after a UTF-8 byte-order mark), reporting progress by lines. The queries
 * run at once, each on its own connection and all in one snapshot (see copyOutInOneSnapshot): the first streams
 * straight into the file, the others wait their turn in temporary files. So an export split into ranges of its
 * order takes about the time of its longest part on a database with a core for each. `total` (for progress)
 * spares counting the queries' rows.
 */
export async function copyToExportFile(
  ctx: JobContext<'export'>,
  queries: string[],
  o: { bom: boolean; ttlHours: number; total?: number },
): Promise<JobOutcome> {
  const total = o.total ?? (await countRows(ctx, queries));
  await ctx.progress(0, total);
  const csv = await copyOutInOneSnapshot(
    ctx.ds,
    queries.map((q, i) => `COPY (${q}) TO STDOUT WITH (FORMAT csv${i === 0 ? ', HEADER' : ''})`),
  );
  const lines = csv.map(() => 0);
  const counted = csv.map((part, i) => {
    const counter = part.pipe(lineCounter((n) => (lines[i] = n)));
    part.on('error', (err) => counter.destroy(err));
    return counter;
  });
  const spooled = counted.slice(1).map(spool);
  async function* body() {
    if (o.bom) yield Buffer.from('\uFEFF');
    yield* counted[0]!;
    for (const part of spooled) {
      await part.written;
      yield* part.read();
    }
  }
  const report = () => ctx.progress(Math.max(0, sum(lines) - 1), total);
  const timer = setInterval(() => void report().catch(() => {}), 500);
  try {
    const stored = await storeExport(ctx, 'export.csv', Readable.from(body()), 'text/csv; charset=utf-8', o.ttlHours);
    await ctx.progress(total, total);
    return exportOutcome(total, 'export.csv', stored);
  } finally {
    clearInterval(timer);
    for (const part of csv) part.destroy();
    for (const part of spooled) part.close();
  }
}

/**
 * Writes `part` into an unlinked temporary file, which goes away with its descriptor however the process ends;
 * `read` streams it back once `written`.
 */
function spool(part: Readable) {
  const file = path.join(os.tmpdir(), `hub-export-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = fs.openSync(file, 'wx+', 0o600);
  fs.rmSync(file, { force: true });
  const written = pipeline(part, fs.createWriteStream('', { fd, autoClose: false }));
  written.catch(() => {}); // awaited in its turn
  let closed = false;
  return {
    written,
    read: () => fs.createReadStream('', { fd, start: 0, autoClose: false }),
    close() {
      if (closed) return;
      closed = true;
      fs.closeSync(fd);
    },
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function countRows(ctx: JobContext<'export'>, queries: string[]): Promise<number> {
  const union = queries.map((q) => `(${q})`).join(' UNION ALL ');
  const [{ n }] = (await sqlRows<{ n: number }>(ctx.ds, `SELECT count(*)::int AS n FROM (${union}) q`)) as [
    { n: number },
  ];
  return n;
}
