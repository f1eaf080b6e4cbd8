import { PassThrough } from 'node:stream';
import type { JobParams } from '@customer-hub/contracts';
import { safeCellSql, textCell } from '@customer-hub/csv';
import {
  binder,
  type CustomerFilter,
  exportColumns,
  exportSelect,
  exportShape,
  filterSql,
  guardedExportQuery,
  LIST_SEPARATOR,
  literalBind,
} from '@customer-hub/customers';
import { analyzeIfStale, type DataSource, sqlRows } from '@customer-hub/db';
import type { JobContext, JobOutcome } from '@customer-hub/queue';
import { copyToExportFile, exportOutcome, storeExport } from './export-file';
import { literal } from './sql';
import { XlsxWriter } from './xlsx-writer';

export type CustomerExportParams = Extract<JobParams['export'], { what: 'customers' }>;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const BATCH = 5_000;

/**
 * Customer export: every column the import reads, in the template's order, so that export → edit → import
 * changes only what was edited. CSV comes from COPY with formula-safe cells, in `parts` ranges of customer
 * numbers read at once in one snapshot (see copyToExportFile); XLSX is written row by row from batches read in
 * number order (text cells, which a spreadsheet never runs as formulas), as fast as it is zipped.
 */
export async function exportCustomers(
  ctx: JobContext<'export'>,
  params: CustomerExportParams,
  { ttlHours, parts }: { ttlHours: number; parts: number },
): Promise<JobOutcome> {
  const { ds, run } = ctx;
  const filter = params.filter as CustomerFilter;
  // Right after a big import, before autovacuum has caught up, the planner would see a table without statistics
  // and sort the account's customers for every XLSX batch (300k rows: 25 s instead of a few).
  await analyzeIfStale(ds, 'customers');
  const columns = exportColumns(await exportShape(ds, run.accountId), LIST_SEPARATOR);
  const chosen = `c.account_id = ${literalBind(run.accountId)}::uuid AND ${filterSql(filter, literalBind)}`;
  // Counted from customers alone: cheaper than counting the export's query.
  const [{ n: total }] = (await sqlRows<{ n: number }>(
    ds,
    `SELECT count(*)::int AS n FROM customers c WHERE ${chosen}`,
  )) as [{ n: number }];
  if (params.format === 'csv') {
    const select = exportSelect(columns, run.accountId, filter, literalBind);
    // Each range from the point before it (none for the first) up to the next (none for the last).
    const points = await splitPoints(ds, chosen, total, parts);
    const queries = [...points, null].map((upto, i) => {
      const from = i === 0 ? '' : ` AND c.customer_number >= ${literal(points[i - 1]!)}`;
      const below = upto === null ? '' : ` AND c.customer_number < ${literal(upto)}`;
      return guardedExportQuery(columns, `${select}${from}${below}`, safeCellSql);
    });
    return copyToExportFile(ctx, queries, { bom: params.bom, ttlHours, total });
  }
  const { bind, params: values } = binder(2);
  const select = exportSelect(columns, run.accountId, filter, bind);
  const body = new PassThrough();
  const stored = storeExport(ctx, 'export.xlsx', body, XLSX_TYPE, ttlHours);
  const book = new XlsxWriter(body, 'customers');
  book.add(columns.map(([h]) => h));
  let after: string | null = null;
  let done = 0;
  try {
    for (;;) {
      await ctx.checkpoint();
      const rows: Record<string, string | null>[] = await sqlRows<Record<string, string | null>>(
        ds,
        `SELECT * FROM (${select} AND ($1::text IS NULL OR c.customer_number > $1)
          ORDER BY c.customer_number LIMIT ${BATCH}) q`,
        [after, ...values],
      );
      for (const r of rows) book.add(columns.map(([h]) => (r[h] == null ? null : textCell(r[h]))));
      await book.drained();
      done += rows.length;
      await ctx.progress(done, total);
      if (rows.length < BATCH) break;
      after = rows.at(-1)!.customer_number!;
    }
    await book.end();
  } catch (err) {
    book.abort(err as Error);
    body.destroy(err as Error);
    await stored.catch(() => {});
    throw err;
  }
  return exportOutcome(done, 'export.xlsx', await stored);
}

/**
 * The customer numbers that split the `chosen` customers (SQL over `c`) into `parts` ranges of about the same
 * size, in order: each found through the number index. Fewer where there are too few customers.
 */
async function splitPoints(ds: DataSource, chosen: string, total: number, parts: number): Promise<string[]> {
  const points: string[] = [];
  for (let k = 1; k < Math.min(parts, total); k++) {
    const [row] = await sqlRows<{ n: string }>(
      ds,
      `SELECT c.customer_number AS n FROM customers c WHERE ${chosen}
       ORDER BY c.customer_number OFFSET ${Math.floor((total * k) / parts)} LIMIT 1`,
    );
    if (row && row.n !== points.at(-1)) points.push(row.n);
  }
  return points;
}
