import { PassThrough } from 'node:stream';
import type { JobParams } from '@customer-hub/contracts';
import { safeCellSql } from '@customer-hub/csv';
import {
  binder,
  type CustomerFilter,
  customKeys,
  exportColumns,
  exportSelect,
  filterSql,
  guardedExportQuery,
  literalBind,
} from '@customer-hub/customers';
import { analyzeIfStale, sqlRows } from '@customer-hub/db';
import type { JobContext, JobOutcome } from '@customer-hub/queue';
import { copyToExportFile, exportOutcome, storeExport } from './export-file';
import { XlsxWriter } from './xlsx-writer';

export type CustomerExportParams = Extract<JobParams['export'], { what: 'customers' }>;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const BATCH = 5_000;

/**
 * Customer export: every column the import reads, in the template's order, so that export → edit → import
 * changes only what was edited. CSV comes from COPY with formula-safe cells; XLSX is written row by row from
 * batches read in number order (text cells, which a spreadsheet never runs as formulas), as fast as it is zipped.
 */
export async function exportCustomers(
  ctx: JobContext<'export'>,
  params: CustomerExportParams,
  ttlHours: number,
): Promise<JobOutcome> {
  const { ds, run } = ctx;
  const filter = params.filter as CustomerFilter;
  // Right after a big import, before autovacuum has caught up, the planner would see a table without statistics
  // and sort the account's customers for every XLSX batch (300k rows: 25 s instead of a few).
  await analyzeIfStale(ds, 'customers');
  const columns = exportColumns(await customKeys(ds, run.accountId), '|');
  // Counted from customers alone: cheaper than counting the export's query.
  const countQuery = `SELECT count(*)::int AS n FROM customers c
    WHERE c.account_id = ${literalBind(run.accountId)}::uuid AND ${filterSql(filter, literalBind)}`;
  if (params.format === 'csv') {
    const query = guardedExportQuery(columns, exportSelect(columns, run.accountId, filter, literalBind), safeCellSql);
    return copyToExportFile(ctx, query, { bom: params.bom, ttlHours, countQuery });
  }
  const [{ n: total }] = (await sqlRows<{ n: number }>(ds, countQuery)) as [{ n: number }];
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
      for (const r of rows) book.add(columns.map(([h]) => r[h] ?? null));
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
