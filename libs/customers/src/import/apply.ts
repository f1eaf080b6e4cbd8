import type { CustomerImportParams, ImportMode } from '@customer-hub/contracts';
import { type DataSource, type EntityManager, sqlRows } from '@customer-hub/db';
import type { JobContext, TwoPhase } from '@customer-hub/queue';
import { changesSql, RESOLVED, resolvedColumns, resolveJoins, resolveLinesJoins } from './resolve-sql';
import { customerStagingOf } from './staging';

/**
 * The SQL half of a customer import: counting what a checked file would do, and doing it.
 */

/** Counts created / updated / unchanged (or deleted) lines, keeping the lines that change a stored customer. */
export async function countOutcomes(ctx: JobContext<'customer-import'>, stage: string) {
  const { params, run } = ctx;
  const joins = resolveJoins(stage);
  if (params.mode === 'delete') {
    const [c] = await sqlRows<{ deleted: number; unchanged: number }>(
      ctx.ds,
      `SELECT count(*) FILTER (WHERE c.deleted_at IS NULL)::int AS deleted,
              count(*) FILTER (WHERE c.deleted_at IS NOT NULL)::int AS unchanged
       FROM ${joins}`,
      [run.accountId],
    );
    return { created: 0, updated: 0, ...c! };
  }
  // The lines that change a stored customer are kept, so the apply revisits only those.
  await ctx.ds.query(`DROP TABLE IF EXISTS ${stage}_updated`);
  await ctx.ds.query(`CREATE UNLOGGED TABLE ${stage}_updated (line int PRIMARY KEY)`);
  const [c] = await sqlRows<{ created: number; updated: number; unchanged: number }>(
    ctx.ds,
    `WITH o AS MATERIALIZED (
       SELECT s.line, CASE WHEN c.id IS NULL THEN 'created' WHEN ${changesSql()} THEN 'updated' ELSE 'unchanged' END AS outcome
       FROM ${joins}),
     kept AS (INSERT INTO ${stage}_updated SELECT line FROM o WHERE outcome = 'updated')
     SELECT count(*) FILTER (WHERE outcome = 'created')::int AS created,
            count(*) FILTER (WHERE outcome = 'updated')::int AS updated,
            count(*) FILTER (WHERE outcome = 'unchanged')::int AS unchanged
     FROM o`,
    [run.accountId],
  );
  return { ...c!, deleted: 0 };
}

/** Drops an import's staging tables (safe to repeat). */
export async function dropCustomerStaging(db: DataSource | EntityManager, jobRunId: string): Promise<void> {
  const stage = customerStagingOf(jobRunId);
  await db.query(`DROP TABLE IF EXISTS ${stage}, ${stage}_problems, ${stage}_updated`);
}

/**
 * Applies a checked import set-based, in the caller's transaction, and drops its staging tables. Updates
 * revisit only the lines the check found changing (each still compared with the customer as it is now, so one
 * that already matches is left alone, updated_at and all); they run first, so the insert of new customers does
 * not revisit them. New customers get the ids made while reading.
 */
export async function applyCustomerImport(
  m: EntityManager,
  accountId: string,
  jobRunId: string,
  mode: ImportMode,
  /** What the check counted: a step it found nothing for is skipped (each would join the whole file). */
  counted: { created?: number; updated?: number } = {},
): Promise<void> {
  const stage = customerStagingOf(jobRunId);
  const joins = resolveJoins(stage);
  if (mode === 'delete') {
    await m.query(
      `UPDATE customers c SET deleted_at = now(), updated_at = now() FROM ${stage} s
       WHERE c.account_id = $1 AND c.customer_number = s.number AND c.deleted_at IS NULL`,
      [accountId],
    );
  } else {
    await m.query(
      `INSERT INTO labels (account_id, name)
       SELECT DISTINCT $1::uuid, unnest(string_to_array(labels, chr(31))) FROM ${stage} WHERE labels <> ''
       ON CONFLICT DO NOTHING`,
      [accountId],
    );
    const cols = resolvedColumns.join(', ');
    const exprs = RESOLVED.map(([, e]) => e).join(', ');
    const excluded = resolvedColumns.map((c) => `excluded.${c}`).join(', ');
    const current = resolvedColumns.map((c) => `customers.${c}`).join(', ');
    if (mode !== 'create' && counted.updated !== 0) {
      // Found through the unique index on the number, one probe per changed line, never a scan of the table.
      await m.query(
        `INSERT INTO customers (account_id, customer_number, ${cols})
         SELECT $1::uuid, s.number, ${exprs} FROM ${resolveLinesJoins(stage, `${stage}_updated`)}
         ON CONFLICT (account_id, customer_number) DO UPDATE SET (${cols}, deleted_at, updated_at) = (${excluded}, NULL, now())
         WHERE customers.deleted_at IS NOT NULL OR (${current}) IS DISTINCT FROM (${excluded})`,
        [accountId],
      );
    }
    if (mode !== 'update' && counted.created !== 0) {
      await m.query(
        `INSERT INTO customers (id, account_id, customer_number, ${cols})
         SELECT s.id, $1::uuid, s.number, ${exprs} FROM ${joins} WHERE c.id IS NULL ORDER BY s.number`,
        [accountId],
      );
    }
  }
  await dropCustomerStaging(m, jobRunId);
}

/** Commit of a validate-only customer import: applies its staging tables; a cancel drops them. */
export const customerImportTwoPhase: TwoPhase = {
  commit: (m, run) =>
    applyCustomerImport(m, run.accountId, run.id, (run.params as unknown as CustomerImportParams).mode, run.counts),
  tidy: ({ ds }, run) => dropCustomerStaging(ds, run.id),
};
