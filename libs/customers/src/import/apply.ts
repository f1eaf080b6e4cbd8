import type { ImportMode } from '@customer-hub/contracts';
import { type DataSource, type EntityManager, type PoolClient, sqlRows } from '@customer-hub/db';
import type { CommitChunk, JobContext } from '@customer-hub/queue';
import { literal } from '../export/export-sql';
import { knownOf, pendingOf, rawStagingOf } from './first-pass';
import type { Layout } from './layout';
import { assertCodesStillNamed, codesOf, gatherCodes, gatherLabels, labelsOf } from './references';
import { changesSql, resolveJoins, touchedColumns } from './resolve-sql';
import { customerStagingOf } from './staging-table';

/**
 * The SQL half of a customer import: counting what a checked file would do, and preparing its chunks (each
 * applied by apply-chunk.ts).
 */

/** The lines of an import that change something, in line order: `created` tells a new customer from a change. */
export const changingLinesOf = (stage: string) => `${stage}_lines`;

/**
 * Counts created / updated / unchanged (or deleted) lines, and keeps the lines that change something, so the
 * apply revisits only those, chunk by chunk in line order. The lines are kept by CREATE TABLE AS, which Postgres
 * may run with parallel workers (an INSERT beside the counting would not be): half the time for a million rows.
 */
export async function countOutcomes(
  ctx: JobContext<'customer-import'>,
  client: PoolClient,
  stage: string,
  layout: Layout,
) {
  const { params, run } = ctx;
  const lines = changingLinesOf(stage);
  const changing =
    params.mode === 'delete'
      ? 'c.id IS NOT NULL AND c.deleted_at IS NULL'
      : `c.id IS NULL OR ${changesSql(touchedColumns(layout))}`;
  const outcomes = `${stage}_outcomes`;
  const kept = keptDigestsOf(stage);
  await client.query(`DROP TABLE IF EXISTS ${lines}, ${outcomes}, ${kept}, ${labelsOf(stage)}, ${codesOf(stage)}`);
  // A utility statement takes no bind parameters: the account id goes in as a literal.
  const account = `${literal(run.accountId)}::uuid`;
  // One look at each line, for both its outcome and, when it changes nothing, what its digest is to record.
  await client.query(
    `CREATE UNLOGGED TABLE ${outcomes} AS
     SELECT s.line, c.id AS customer_id, c.xmin AS row_xmin, s.digest, coalesce(${changing}, false) AS changing,
            s.labels, s.customer_group, s.catalogue
     FROM ${resolveJoins(stage).replaceAll('$1', account)}`,
  );
  await client.query(gatherLabels(stage, `SELECT DISTINCT labels FROM ${outcomes} WHERE changing`));
  await client.query(gatherCodes(stage, `SELECT line, customer_group, catalogue FROM ${outcomes} WHERE changing`));
  await client.query(
    `CREATE UNLOGGED TABLE ${lines} AS SELECT line, customer_id IS NULL AS created FROM ${outcomes} WHERE changing`,
  );
  await client.query(
    `CREATE UNLOGGED TABLE ${kept} AS SELECT customer_id, row_xmin, digest FROM ${outcomes}
     WHERE NOT changing AND digest IS NOT NULL AND customer_id IS NOT NULL`,
  );
  await client.query(`DROP TABLE ${outcomes}`);
  const { rows } = await client.query<{ created: number; changed: number; staged: number }>(
    `SELECT count(*) FILTER (WHERE created)::int AS created, count(*) FILTER (WHERE NOT created)::int AS changed,
            (SELECT count(*) FROM ${stage})::int AS staged
     FROM ${lines}`,
  );
  const { created, changed, staged } = rows[0]!;
  // Built after the rows are in: a sort beats a million index insertions.
  await client.query(`ALTER TABLE ${lines} ADD PRIMARY KEY (line)`);
  // The chunks read the staging table by line range.
  await client.query(`CREATE INDEX ON ${stage} USING brin (line)`);
  const unchanged = staged - created - changed;
  return params.mode === 'delete'
    ? { created: 0, updated: 0, deleted: changed, unchanged }
    : { created, updated: changed, deleted: 0, unchanged };
}

/**
 * The customers a checked import found unchanged, with the row version it compared and the line's digest: the
 * commit records them ({@link recordUnchangedDigests}). A customer changed since has another row version, so the
 * digest then counts for nothing.
 */
const keptDigestsOf = (stage: string) => `${stage}_kept`;

/** Drops an import's staging tables (safe to repeat). */
export async function dropCustomerStaging(db: DataSource | EntityManager, jobRunId: string): Promise<void> {
  const stage = customerStagingOf(jobRunId);
  await db.query(
    `DROP TABLE IF EXISTS ${stage}, ${stage}_problems, ${changingLinesOf(stage)}, ${rawStagingOf(stage)},
       ${pendingOf(stage)}, ${knownOf(stage)}, ${stage}_outcomes, ${keptDigestsOf(stage)}, ${labelsOf(stage)},
       ${codesOf(stage)}`,
  );
}

/** Upserts a customer's file row digest (the customer's one row in customer_import_digests). */
export const UPSERT_DIGEST =
  'ON CONFLICT (account_id, customer_id) DO UPDATE SET digest = excluded.digest, row_xmin = excluded.row_xmin';

/**
 * Before the chunks (on every attempt; safe to repeat): makes sure the groups and catalogues the changing lines
 * name are all still there (see references.ts; `applied`, how many rows earlier attempts applied, is for the
 * message if not), then adds the labels they name to the account's list. Each chunk holds those labels itself
 * (see references.ts), adding any deleted since; adding them here first keeps the chunks of parallel lanes from
 * waiting on each other's insert of the same new label until the first chunk commits. An unchanged line's labels
 * are its customer's, which the list already holds (deleting a label takes it off every customer), so only the
 * changing lines' labels are added (the count gathered them), in order of name, so imports adding the same labels
 * at once never deadlock. Returns the chunks, `chunkRows` changing lines each, in line order (the same list on
 * every call).
 */
export async function prepareCustomerChunks(
  db: DataSource | EntityManager,
  accountId: string,
  jobRunId: string,
  mode: ImportMode,
  chunkRows: number,
  applied: number,
): Promise<CommitChunk[]> {
  const stage = customerStagingOf(jobRunId);
  if (mode !== 'delete') {
    // A check staged by an earlier release has no gathered labels or codes: they are gathered from the lines.
    const changing = `SELECT s.line, s.labels, s.customer_group, s.catalogue
      FROM ${changingLinesOf(stage)} u JOIN ${stage} s ON s.line = u.line`;
    await db.query(gatherLabels(stage, changing, true));
    await db.query(gatherCodes(stage, changing, true));
    await assertCodesStillNamed(db, accountId, stage, applied);
    await db.query(
      `INSERT INTO labels (account_id, name) SELECT $1::uuid, name FROM ${labelsOf(stage)} ORDER BY name
       ON CONFLICT DO NOTHING`,
      [accountId],
    );
  }
  const rows = await sqlRows<{ upto: number; n: number }>(
    db,
    `SELECT max(line) AS upto, count(*)::int AS n
     FROM (SELECT line, (row_number() OVER (ORDER BY line) - 1) / $1 AS k FROM ${changingLinesOf(stage)}) x
     GROUP BY k ORDER BY k`,
    [chunkRows],
  );
  let after = 0;
  return rows.map(({ upto, n }) => {
    const chunk = { after, upto, rows: n };
    after = upto;
    return chunk;
  });
}

/**
 * After the chunks: records the digests of the parsed rows that changed nothing (a file exported and imported
 * back, say), so the next import of the same rows skips them too. Each with the row version the count compared.
 */
export async function recordUnchangedDigests(m: EntityManager, accountId: string, jobRunId: string): Promise<void> {
  await m.query(
    `INSERT INTO customer_import_digests (account_id, customer_id, digest, row_xmin)
     SELECT $1::uuid, customer_id, digest, row_xmin FROM ${keptDigestsOf(customerStagingOf(jobRunId))}
     ${UPSERT_DIGEST}`,
    [accountId],
  );
}
