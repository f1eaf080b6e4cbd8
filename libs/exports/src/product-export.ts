import { productColumns } from '@customer-hub/catalogue';
import type { JobParams } from '@customer-hub/contracts';
import { safeCellSql } from '@customer-hub/csv';
import type { DataSource } from '@customer-hub/db';
import type { JobContext, JobOutcome } from '@customer-hub/queue';
import { copyToExportFile } from './export-file';
import { ident, literal } from './sql';

export type ProductExportParams = Extract<JobParams['export'], { what: 'products' }>;

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

/**
 * Product data export: Postgres writes the CSV (COPY TO STDOUT), which streams into the file store; the file
 * expires after EXPORT_TTL_HOURS.
 */
export async function exportProducts(
  ctx: JobContext<'export'>,
  params: ProductExportParams,
  ttlHours: number,
): Promise<JobOutcome> {
  const query = await productExportQuery(ctx.ds, ctx.run.accountId, params.customerRef);
  return copyToExportFile(ctx, [query], { bom: params.bom, ttlHours });
}
