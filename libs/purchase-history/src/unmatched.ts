import { safeCellSql } from '@customer-hub/csv';
import { copyRows, withPgClient } from '@customer-hub/db';
import type { JobContext } from '@customer-hub/queue';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DistinctValues } from './duplicates';
import type { RowTrackers } from './row-sink';
import { partitionOf } from './versions';

/** A uuid from our own rows, quoted for SQL that can't take parameters (COPY). */
const uuidLiteral = (id: string) => {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a uuid: ${id}`);
  return `'${id}'::uuid`;
};

interface Side {
  column: 'customer_ref' | 'product_code';
  file: string;
  values: DistinctValues;
  /** SQL that is true when `v` matches nothing of the account. */
  unmatched: (v: string) => string;
}

/**
 * Counts one side's distinct values and lists those that match nothing into a file: from the values the loader
 * collected when it could (no pass over the table), else by grouping the table.
 */
async function countAndList(ctx: JobContext<'purchase-history'>, client: PoolClient, versionId: string, side: Side) {
  const part = partitionOf(versionId);
  let source = `(SELECT ${side.column} FROM ${part} GROUP BY 1)`;
  let distinct: number | null = null;
  const scratch = `purchase_history_${side.column}_v${BigInt(versionId)}`;
  if (!side.values.overflow) {
    await client.query(`DROP TABLE IF EXISTS ${scratch}`);
    await client.query(`CREATE UNLOGGED TABLE ${scratch} (${side.column} text COLLATE "C")`);
    await copyRows(
      client,
      scratch,
      (function* () {
        for (const v of side.values.values()) yield [v];
      })(),
    );
    await client.query(`ANALYZE ${scratch}`);
    source = scratch;
    distinct = side.values.size;
  } else {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${source} s`);
    distinct = Number(rows[0]!.n);
  }
  const stream = client.query(
    copyTo(
      `COPY (SELECT ${safeCellSql(`r.${side.column}`)} AS ${side.column} FROM ${source} r
             WHERE ${side.unmatched(`r.${side.column}`)} ORDER BY r.${side.column})
       TO STDOUT WITH (FORMAT csv, HEADER)`,
    ),
  );
  await ctx.files.write(`jobs/${ctx.run.id}/${side.file}`, stream, { contentType: 'text/csv; charset=utf-8' });
  await client.query(`DROP TABLE IF EXISTS ${scratch}`);
  return { distinct, unmatched: stream.rowCount };
}

/**
 * Counts the version's distinct customers and products, and lists those that match no customer profile or no
 * catalogue product (kept, since profiles and catalogue may arrive later) into downloadable files.
 */
export async function writeUnmatched(ctx: JobContext<'purchase-history'>, versionId: string, track: RowTrackers) {
  const account = uuidLiteral(ctx.run.accountId);
  await withPgClient(ctx.ds, async (client) => {
    await client.query(`SET work_mem = '256MB'`);
    try {
      const customers = await countAndList(ctx, client, versionId, {
        column: 'customer_ref',
        file: 'unmatched-customers.csv',
        values: track.customers,
        unmatched: (v) =>
          `NOT EXISTS (SELECT 1 FROM customers c WHERE c.account_id = ${account} AND c.customer_number = ${v} AND c.deleted_at IS NULL)`,
      });
      const products = await countAndList(ctx, client, versionId, {
        column: 'product_code',
        file: 'unmatched-products.csv',
        values: track.products,
        unmatched: (v) => `NOT EXISTS (SELECT 1 FROM products p WHERE p.account_id = ${account} AND p.code = ${v})`,
      });
      await client.query(
        `UPDATE purchase_history_versions
         SET customers = $2, products = $3, unmatched_customers = $4, unmatched_products = $5 WHERE id = $1`,
        [versionId, customers.distinct, products.distinct, customers.unmatched, products.unmatched],
      );
    } finally {
      await client.query('RESET work_mem');
    }
  });
}
