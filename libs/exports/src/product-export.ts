import { PassThrough, Transform } from 'node:stream';
import { productColumns } from '@customer-hub/catalogue';
import { safeCellSql } from '@customer-hub/csv';
import { copyOut, type DataSource, sqlRows } from '@customer-hub/db';
import { type JobContext, type JobOutcome, jobFile } from '@customer-hub/queue';
import { ident, literal } from './sql';

/**
 * The SELECT behind a product export: code, name, then every product data column in catalogue order, each cell
 * formula-safe. With `customerRef`, only the products in that customer's published purchase history.
 */
export async function productExportQuery(ds: DataSource, accountId: string, customerRef?: string): Promise<string> {
  const columns = await productColumns(ds, accountId);
  const account = `${literal(accountId)}::uuid`;
  const cells = [
    `${safeCellSql('p.code')} AS "product code"`,
    `${safeCellSql('p.name')} AS "name"`,
    ...columns.map((c) => `${safeCellSql(`(p.data ->> ${literal(c)})`)} AS ${ident(c)}`),
  ];
  const scope = customerRef
    ? `AND p.code IN (SELECT r.product_code FROM purchase_history_rows r
         WHERE r.version_id = (SELECT version_id FROM purchase_history_current WHERE account_id = ${account})
           AND r.customer_ref = ${literal(customerRef)})`
    : '';
  return `SELECT ${cells.join(', ')} FROM products p WHERE p.account_id = ${account} ${scope} ORDER BY p.code`;
}

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

/**
 * Product data export: Postgres writes the CSV (COPY TO STDOUT), which streams into the file store; the file
 * expires after EXPORT_TTL_HOURS.
 */
export async function exportProducts(ctx: JobContext<'export'>, ttlHours: number): Promise<JobOutcome> {
  const { ds, run, params } = ctx;
  const query = await productExportQuery(ds, run.accountId, params.customerRef);
  const [{ n: total }] = (await sqlRows<{ n: number }>(ds, `SELECT count(*)::int AS n FROM (${query}) q`)) as [
    { n: number },
  ];
  await ctx.progress(0, total);
  const csv = await copyOut(ds, `COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`);
  const body = new PassThrough();
  if (params.bom) body.write('\uFEFF');
  let lines = 0;
  csv.pipe(lineCounter((n) => (lines = n))).pipe(body);
  csv.on('error', (err) => body.destroy(err));
  const timer = setInterval(() => void ctx.progress(Math.max(0, lines - 1), total).catch(() => {}), 500);
  const key = `jobs/${run.id}/export.csv`;
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
  try {
    const stored = await ctx.files.write(key, body, { contentType: 'text/csv; charset=utf-8', expiresAt });
    await ctx.progress(total, total);
    return {
      counts: { rows: total },
      files: [jobFile('export.csv', stored)],
    };
  } finally {
    clearInterval(timer);
  }
}
